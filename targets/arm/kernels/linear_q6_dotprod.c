/*===- linear_q6_dotprod.c - 6-bit weights, NEON sdot dot products -===*/
#define BITS 6
#define USE_SDOT 1
#define KNAME DSC_UK(linear_q6_t4)
#include "linear_q_neon.h"
