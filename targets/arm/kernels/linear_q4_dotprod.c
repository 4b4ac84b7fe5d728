/*===- linear_q4_dotprod.c - 4-bit weights, NEON sdot dot products -===*/
#define BITS 4
#define USE_SDOT 1
#define KNAME DSC_UK(linear_q4_t4)
#include "linear_q_neon.h"
