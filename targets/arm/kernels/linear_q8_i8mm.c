/*===- linear_q8_i8mm.c - 8-bit weights, NEON sdot and smmla -===*/
#define BITS 8
#define USE_SDOT 1
#define USE_I8MM 1
#define KNAME DSC_UK(linear_q8_t4)
#include "linear_q_neon.h"
