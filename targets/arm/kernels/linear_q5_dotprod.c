/*===- linear_q5_dotprod.c - 5-bit weights, NEON sdot dot products -===*/
#define BITS 5
#define USE_SDOT 1
#define KNAME DSC_UK(linear_q5_t4)
#include "linear_q_neon.h"
