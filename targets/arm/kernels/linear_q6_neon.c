/*===- linear_q6_neon.c - 6-bit weights, NEON smull/sadalp -===*/
#define BITS 6
#define KNAME DSC_UK(linear_q6_t4)
#include "linear_q_neon.h"
