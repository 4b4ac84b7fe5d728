/*===- linear_q3_i8mm.c - 3-bit weights, NEON sdot and smmla -===*/
#define BITS 3
#define USE_SDOT 1
#define USE_I8MM 1
#define KNAME DSC_UK(linear_q3_t4)
#include "linear_q_neon.h"
