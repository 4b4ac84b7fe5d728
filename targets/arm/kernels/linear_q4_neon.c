/*===- linear_q4_neon.c - 4-bit weights, NEON smull/sadalp -===*/
#define BITS 4
#define KNAME DSC_UK(linear_q4_t4)
#include "linear_q_neon.h"
