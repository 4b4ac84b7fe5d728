/*===- linear_q2_neon.c - 2-bit weights, NEON smull/sadalp -===*/
#define BITS 2
#define KNAME DSC_UK(linear_q2_t4)
#include "linear_q_neon.h"
