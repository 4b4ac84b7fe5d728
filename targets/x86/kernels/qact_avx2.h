/*===- qact_avx2.h - activations to int8 per 32 values, AVX2 ---*- C -*-===*
 *
 * The integer kernels' activations (quant_tile.h's qact_t): each block of
 * 32 values scaled by 127 / amax and rounded (to nearest even), its scale
 * amax / 127 and the sum of its values kept. One definition for every
 * x86 kernel that takes int8 activations, so that they round alike.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_QACT_AVX2_H
#define DSC_QACT_AVX2_H

#include <immintrin.h>
#include <stdint.h>

/* Eight int32 sums of four products each: unsigned bytes w (a block's
 * values, or |w| with w's sign moved onto x) times these signed
 * activations. vpdpbusd where the target has it (AVX512-VNNI with VL, or
 * AVX-VNNI: x86_64-avxvnni), else vpmaddubsw and vpmaddwd, which give the
 * same sums wherever a pair of products stays within int16 (w at most 63,
 * or |w| at most 128 by |x| at most 127): every caller's values. */
static inline __m256i qact_dot_u8s8(__m256i w, __m256i x) {
#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
  return _mm256_dpbusd_epi32(_mm256_setzero_si256(), w, x);
#elif defined(__AVXVNNI__)
  return _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), w, x);
#else
  return _mm256_madd_epi16(_mm256_maddubs_epi16(w, x), _mm256_set1_epi16(1));
#endif
}

/* One 32-block of activations to int8: qb = round(x * 127 / amax), *sum
 * their sum; returns the scale amax / 127. The matrix-vector kernels
 * (below) and the prompt GEMM (gemm_q_x86.h) both round through it, so
 * that a prompt's rows and a generated token's multiply the same values. */
static inline float qact_block_avx2(const float *xb, int8_t qb[32],
                                    int32_t *sum) {
  __m256 mx = _mm256_setzero_ps();
  __m256 sign = _mm256_set1_ps(-0.0f);
  for (int i = 0; i < 32; i += 8)
    mx = _mm256_max_ps(mx, _mm256_andnot_ps(sign, _mm256_loadu_ps(xb + i)));
  __m128 m4 =
      _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
  float amax = _mm_cvtss_f32(m4);
  __m256 inv = _mm256_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
  int32_t total = 0;
  for (int i = 0; i < 32; i += 8) {
    __m256i v = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + i), inv));
    int32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, v);
    for (int j = 0; j < 8; ++j) {
      qb[i + j] = (int8_t)lanes[j];
      total += lanes[j];
    }
  }
  *sum = total;
  return amax / 127.0f;
}

/* Activations to int8 per 32-block: q = round(x * 127 / amax). */
static inline void qact_quantize_avx2(const float *x, int64_t S, int64_t K,
                                      int8_t *q, float *d, int32_t *sum) {
  for (int64_t s = 0; s < S; ++s)
    for (int64_t b = 0; b < K / 32; ++b)
      d[s * (K / 32) + b] = qact_block_avx2(
          x + s * K + b * 32, q + s * K + b * 32, &sum[s * (K / 32) + b]);
}

#endif
