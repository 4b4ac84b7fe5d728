/*===- linear_q8_dotprod.c - 8-bit weights, NEON sdot dot products -===*/
#define BITS 8
#define USE_SDOT 1
#define KNAME DSC_UK(linear_q8_t4)
#include "linear_q_neon.h"
