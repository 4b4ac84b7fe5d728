/*===- linear_q3_avx2.c - 3-bit weights, AVX2 integer dot products -===*
 * Unpacked to bytes (<= 7) in registers; vpmaddubsw of them and s8
 * activations cannot saturate. Prompts go to the packed-panel GEMM
 * (gemm_q_avx2.c).
 *===---------------------------------------------------------------------===*/
#define BITS 3
#define DSC_HAVE_GEMM 1
#define DOT_OFFSET 0
#define DOT32(w, x) qact_dot_u8s8(w, x)
#define KNAME DSC_UK(linear_q3_t4)
#include "linear_q_int.h"
