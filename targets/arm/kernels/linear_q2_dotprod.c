/*===- linear_q2_dotprod.c - 2-bit weights, NEON sdot dot products -===*/
#define BITS 2
#define USE_SDOT 1
#define KNAME DSC_UK(linear_q2_t4)
#include "linear_q_neon.h"
