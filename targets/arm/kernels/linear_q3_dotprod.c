/*===- linear_q3_dotprod.c - 3-bit weights, NEON sdot dot products -===*/
#define BITS 3
#define USE_SDOT 1
#define KNAME DSC_UK(linear_q3_t4)
#include "linear_q_neon.h"
