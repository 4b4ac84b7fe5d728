/*===- linear_q4_r16_avx2.c - row-interleaved 4-bit weights, AVX2 ----------===*
 *
 * y = x W^T for int4:group=32 weights in row-interleaved 16x32 blocks
 * (dsc/abi/quant_layout.h, DSC_QR16_*), x quantized to int8 per 32 columns
 * as the other integer kernels do. Each 32-bit lane of a block's vectors
 * holds four columns of one row, so vpmaddubsw multiplies eight rows by
 * four activations broadcast from memory, a block's eight products per
 * row sum in int16 (at most 8 * 2 * 15 * 127 = 30480) and one vpmaddwd
 * widens them, and a block's eight sums are scaled by one vector of
 * scales: the 4-row tiles' loop broadcast its activations across 128-bit
 * lanes and permuted its scales per tile, about half again as many
 * vector instructions a byte. Built with AVX-VNNI (x86_64-avxvnni),
 * vpdpbusd takes the products and their sums in one instruction.
 *
 * The frame (the prompt's GEMM, the activations, the bands on the pool) is
 * linear_q4_r16_x86.h's.
 *
 *===---------------------------------------------------------------------===*/
#include "linear_q4_r16_x86.h"

DSC_INLINE __m256i bcast4(const int8_t *p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

/* One block: the 16 rows' sums over 32 columns, scaled, into acc[0] (rows
 * 0-7) and acc[1] (rows 8-15). */
DSC_INLINE void r16_block(const uint8_t *blk, const int8_t *xq, int32_t xs,
                          float xd, __m256 acc[2]) {
  const __m256i nib = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  /* Stored values are q + 8: the offset's share, -8 * sum(x). */
  const __m256i off = _mm256_set1_epi32(-8 * xs);
  __m256i xa[4], xb[4];
  for (int v = 0; v < 4; ++v) {
    xa[v] = bcast4(xq + 8 * v);
    xb[v] = bcast4(xq + 8 * v + 4);
  }
  const __m256 dx = _mm256_set1_ps(xd);
  for (int h = 0; h < 2; ++h) {
#ifdef __AVXVNNI__
    /* AVX-VNNI: vpdpbusd sums each lane's four products into int32 at
     * once; the low and high nibbles in two chains. */
    (void)ones;
    __m256i lo = off, hi = _mm256_setzero_si256();
    for (int v = 0; v < 4; ++v) {
      __m256i w = _mm256_loadu_si256(
          (const __m256i *)(blk + DSC_QR16_VALUES_OFFSET + 64 * v + 32 * h));
      lo = _mm256_dpbusd_avx_epi32(lo, _mm256_and_si256(w, nib), xa[v]);
      hi = _mm256_dpbusd_avx_epi32(
          hi, _mm256_and_si256(_mm256_srli_epi16(w, 4), nib), xb[v]);
    }
    __m256i dot = _mm256_add_epi32(lo, hi);
#else
    __m256i p = _mm256_setzero_si256();
    for (int v = 0; v < 4; ++v) {
      __m256i w = _mm256_loadu_si256(
          (const __m256i *)(blk + DSC_QR16_VALUES_OFFSET + 64 * v + 32 * h));
      p = _mm256_add_epi16(
          p, _mm256_add_epi16(
                 _mm256_maddubs_epi16(_mm256_and_si256(w, nib), xa[v]),
                 _mm256_maddubs_epi16(
                     _mm256_and_si256(_mm256_srli_epi16(w, 4), nib), xb[v])));
    }
    __m256i dot = _mm256_add_epi32(_mm256_madd_epi16(p, ones), off);
#endif
    __m256 d = _mm256_mul_ps(
        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + 16 * h))), dx);
    acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), d, acc[h]);
  }
}

DSC_INLINE void r16_row(const uint8_t *band, int64_t kb, const int8_t *xq,
                        const float *xd, const int32_t *xs, int pf, float *y) {
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  const uint8_t *blk = band;
  for (int64_t g = 0; g < kb; ++g, blk += DSC_QR16_BLOCK_BYTES) {
    if (pf)
      r16_prefetch(blk, DSC_QR16_BLOCK_BYTES);
    r16_block(blk, xq + 32 * g, xs[g], xd[g], acc);
  }
  _mm256_storeu_ps(y, acc[0]);
  _mm256_storeu_ps(y + 8, acc[1]);
}
