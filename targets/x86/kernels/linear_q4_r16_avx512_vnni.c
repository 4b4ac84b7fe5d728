/*===- linear_q4_r16_avx512_vnni.c - row-interleaved 4-bit weights, VNNI ---===*
 *
 * y = x W^T for int4:group=32 weights in row-interleaved 16x32 blocks
 * (dsc/abi/quant_layout.h, DSC_QR16_*), x quantized to int8 per 32 columns
 * as the other integer kernels do. Each 32-bit lane of a block's four
 * 64-byte vectors holds four columns of one of its 16 rows (low nibbles)
 * and the next four (high nibbles), so one vpdpbusd multiplies all 16 rows
 * by four activations broadcast from memory ({1to16}), the stored values
 * (0..15) as its unsigned operand. The high nibbles are not shifted down:
 * masked with 0xF0 they are 16 times the value, their own sums are 16
 * times the products' (exact: at most 4 * 4 * 240 * 128 in an int32) and
 * one arithmetic shift a block brings them back. A block is then eight
 * vpdpbusd, eight masks and one vector of 16 scales, against the 4-row
 * tiles' loop (linear_q_int.h), which widened and reordered its nibbles
 * with 256-bit dot products per tile. On a Sapphire Rapids guest, one
 * thread, K 2048 by N 512 from L2: 54 GB/s of weights against the tiles'
 * 31 (AVX2's blocks 43); from memory both loops are bound by it (14.4
 * against 13.5 GB/s a thread, docs/benchmarks.md), and the prompt GEMM
 * packs its panels from the blocks with fewer shuffles (5-6% faster
 * prompts). The prefetch is the AVX2 loop's (4 KiB ahead into L2): 2, 8
 * and 12 KiB or into L1 measured no faster in the executables. Whole
 * executables there decoded 1-2% (TinyLlama) to 5-8% (Llama-3-8B shape)
 * slower with the blocks than with 4-row tiles, so x86_64-avx512 reads
 * them when the IR carries them but does not choose them by default.
 *
 * The frame (the prompt's GEMM, the activations, the bands on the pool) is
 * linear_q4_r16_x86.h's.
 *
 *===---------------------------------------------------------------------===*/
#include "linear_q4_r16_x86.h"

DSC_INLINE __m512i bcast4(const int8_t *p) {
  int32_t v;
  __builtin_memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

/* One block: the 16 rows' sums over 32 columns, scaled, into acc. */
DSC_INLINE __m512 r16_block(const uint8_t *blk, const int8_t *xq, int32_t xs,
                            float xd, __m512 acc) {
  const __m512i lo_mask = _mm512_set1_epi8(0x0F);
  const __m512i hi_mask = _mm512_set1_epi8((char)0xF0);
  /* Stored values are q + 8: the offset's share, -8 * sum(x). */
  __m512i lo = _mm512_set1_epi32(-8 * xs), hi = _mm512_setzero_si512();
  for (int v = 0; v < 4; ++v) {
    __m512i w = _mm512_loadu_si512(
        (const void *)(blk + DSC_QR16_VALUES_OFFSET + 64 * v));
    lo = _mm512_dpbusd_epi32(lo, _mm512_and_si512(w, lo_mask),
                             bcast4(xq + 8 * v));
    hi = _mm512_dpbusd_epi32(hi, _mm512_and_si512(w, hi_mask),
                             bcast4(xq + 8 * v + 4));
  }
  __m512i dot = _mm512_add_epi32(lo, _mm512_srai_epi32(hi, 4));
  __m512 d =
      _mm512_mul_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)blk)),
                    _mm512_set1_ps(xd));
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), d, acc);
}

/* Two sums, even and odd blocks, so that consecutive blocks' FMAs do not
 * wait for each other. */
DSC_INLINE void r16_row(const uint8_t *band, int64_t kb, const int8_t *xq,
                        const float *xd, const int32_t *xs, int pf, float *y) {
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  const uint8_t *blk = band;
  int64_t g = 0;
  for (; g + 1 < kb; g += 2, blk += 2 * DSC_QR16_BLOCK_BYTES) {
    if (pf)
      r16_prefetch(blk, 2 * DSC_QR16_BLOCK_BYTES);
    acc0 = r16_block(blk, xq + 32 * g, xs[g], xd[g], acc0);
    acc1 = r16_block(blk + DSC_QR16_BLOCK_BYTES, xq + 32 * (g + 1), xs[g + 1],
                     xd[g + 1], acc1);
  }
  if (g < kb)
    acc0 = r16_block(blk, xq + 32 * g, xs[g], xd[g], acc0);
  _mm512_storeu_ps(y, _mm512_add_ps(acc0, acc1));
}
