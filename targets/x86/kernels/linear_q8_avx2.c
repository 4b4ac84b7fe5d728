/*===- linear_q8_avx2.c - 8-bit weights, AVX2 integer dot products ---------===*
 * vpmaddubsw takes an unsigned operand; u8 weights times s8 activations
 * could saturate its 16-bit sums, so as llama.cpp does the signs move onto
 * the weights: |x| * (sign(x) (u - 128)), at most 127 * 128 * 2 < 2^15.
 * Symmetric weights stay within [-127, 127]; asymmetric ones may reach
 * u - 128 = -128, which the sign trick cannot negate, so they take the
 * float path.
 *===---------------------------------------------------------------------===*/
#define BITS 8
#define DSC_HAVE_GEMM 1
#define DOT_OFFSET 128
/* DOT32_ABS takes |x| computed once for several weight rows. With
 * AVX-VNNI (x86_64-avxvnni), vpdpbusd sums the four products of each lane
 * in one instruction. */
#ifdef __AVXVNNI__
#define DOT32_ABS(w, x, xa)                                                    \
  _mm256_dpbusd_avx_epi32(                                                     \
      _mm256_setzero_si256(), xa,                                              \
      _mm256_sign_epi8(_mm256_xor_si256(w, _mm256_set1_epi8((char)0x80)), x))
#else
#define DOT32_ABS(w, x, xa)                                                    \
  _mm256_madd_epi16(                                                           \
      _mm256_maddubs_epi16(                                                    \
          xa, _mm256_sign_epi8(                                                \
                  _mm256_xor_si256(w, _mm256_set1_epi8((char)0x80)), x)),      \
      _mm256_set1_epi16(1))
#endif
#define DOT32(w, x) DOT32_ABS(w, x, _mm256_sign_epi8(x, x))
#define KNAME DSC_UK(linear_q8_t4)
#define INT_PATH_REJECTS(flags) ((flags) & DSC_QFLAG_ASYM)
#include "linear_q_int.h"
