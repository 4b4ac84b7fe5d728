/*===- linear_q3_neon.c - 3-bit weights, NEON smull/sadalp -===*/
#define BITS 3
#define KNAME DSC_UK(linear_q3_t4)
#include "linear_q_neon.h"
