/*===- linear_q4_avx2.c - 4-bit weights, AVX2 integer dot products ---------===*
 * vpmaddubsw of u4 weights (<= 15) and s8 activations cannot saturate.
 *===---------------------------------------------------------------------===*/
#define BITS 4
#define DSC_HAVE_GEMM 1
#define DOT_OFFSET 0
#define DOT32(w, x) qact_dot_u8s8(w, x)
#define KNAME DSC_UK(linear_q4_t4)
#include "linear_q_int.h"
