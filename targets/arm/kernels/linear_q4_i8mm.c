/*===- linear_q4_i8mm.c - 4-bit weights, NEON sdot and smmla -===*/
#define BITS 4
#define USE_SDOT 1
#define USE_I8MM 1
#define KNAME DSC_UK(linear_q4_t4)
#include "linear_q_neon.h"
