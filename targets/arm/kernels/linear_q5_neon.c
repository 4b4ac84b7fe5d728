/*===- linear_q5_neon.c - 5-bit weights, NEON smull/sadalp -===*/
#define BITS 5
#define KNAME DSC_UK(linear_q5_t4)
#include "linear_q_neon.h"
