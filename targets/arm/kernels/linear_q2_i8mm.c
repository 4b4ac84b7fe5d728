/*===- linear_q2_i8mm.c - 2-bit weights, NEON sdot and smmla -===*/
#define BITS 2
#define USE_SDOT 1
#define USE_I8MM 1
#define KNAME DSC_UK(linear_q2_t4)
#include "linear_q_neon.h"
