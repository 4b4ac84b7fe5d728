/*===- linear_q3_avx2.c - 3-bit weights, AVX2 integer dot products -===*
 * Unpacked to bytes (<= 7) in registers; vpmaddubsw of them and s8
 * activations cannot saturate.
 *===---------------------------------------------------------------------===*/
#define BITS 3
#define DOT_OFFSET 0
#define DOT32(w, x)                                                            \
  _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1))
#define KNAME DSC_UK(linear_q3_t4)
#include "linear_q_int.h"
