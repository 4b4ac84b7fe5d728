/*===- linear_q8_neon.c - 8-bit weights, NEON smull/sadalp -===*/
#define BITS 8
#define KNAME DSC_UK(linear_q8_t4)
#include "linear_q_neon.h"
