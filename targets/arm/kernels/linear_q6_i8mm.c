/*===- linear_q6_i8mm.c - 6-bit weights, NEON sdot and smmla -===*/
#define BITS 6
#define USE_SDOT 1
#define USE_I8MM 1
#define KNAME DSC_UK(linear_q6_t4)
#include "linear_q_neon.h"
