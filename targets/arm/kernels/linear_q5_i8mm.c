/*===- linear_q5_i8mm.c - 5-bit weights, NEON sdot and smmla -===*/
#define BITS 5
#define USE_SDOT 1
#define USE_I8MM 1
#define KNAME DSC_UK(linear_q5_t4)
#include "linear_q_neon.h"
