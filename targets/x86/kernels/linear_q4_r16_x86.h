/*===- linear_q4_r16_x86.h - row-interleaved 4-bit weights, the frame -*- C
 * -*-===*
 *
 * y = x W^T for int4:group=32 weights in row-interleaved 16x32 blocks
 * (dsc/abi/quant_layout.h, DSC_QR16_*), shared by the x86 ISA files: the
 * prompt's hand-off to the packed-panel GEMM, the activations quantized to
 * int8 per 32 columns as the other integer kernels do, and the walk over
 * bands of 16 rows on the pool. Each ISA file includes this and defines
 * r16_row: one band's 16 outputs for one row of activations.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_LINEAR_Q4_R16_X86_H
#define DSC_LINEAR_Q4_R16_X86_H

#include "gemm.h"
#include "prefetch_x86.h"
#include "qact_avx2.h"
#include "quant_tile.h"

#include <immintrin.h>

int dsc_gemm_q4_r16(const float *x, const uint8_t *w, float *y, int64_t S,
                    int64_t K, int64_t N);

/* The 16 rows of `band` (kb blocks) against one row of activations: xq (K
 * int8), xd and xs (their scale and sum per block) into y[0..15]; pf: the
 * band streams from memory, prefetch ahead of it (r16_prefetch). The ISA
 * file defines it. */
static inline void r16_row(const uint8_t *band, int64_t kb, const int8_t *xq,
                           const float *xd, const int32_t *xs, int pf,
                           float *y);

/* `bytes` of blocks 4 KiB ahead of blk into L2, where that pays
 * (prefetch_x86.h; other distances and levels measured no faster on AVX2
 * or AVX-512). */
DSC_INLINE void r16_prefetch(const uint8_t *blk, int bytes) {
  for (int l = 0; l < bytes; l += 64)
    _mm_prefetch((const char *)blk + 4096 + l, _MM_HINT_T1);
}

typedef struct {
  const int8_t *xq;  /* S x K */
  const float *xd;   /* S x K/32 */
  const int32_t *xs; /* S x K/32: sums of xq per block */
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
} r16_ctx;

/* Bands [begin, end) of 16 rows, each against every row of x (a prompt's
 * few rows read the band from cache after the first, so only the first
 * prefetches). */
static void r16_bands(void *ctx, int64_t begin, int64_t end) {
  const r16_ctx *c = (const r16_ctx *)ctx;
  const int pf = dsc_sw_prefetch_quant();
  int64_t kb = c->K / 32;
  for (int64_t b = begin; b < end; ++b) {
    const uint8_t *band =
        c->w + (uint64_t)b * (uint64_t)kb * DSC_QR16_BLOCK_BYTES;
    for (int64_t s = 0; s < c->S; ++s)
      r16_row(band, kb, c->xq + s * c->K, c->xd + s * kb, c->xs + s * kb,
              pf && s == 0, c->y + s * c->N + DSC_QR16_ROWS * b);
  }
}

void DSC_UK(linear_q4_r16)(const float *x, const uint8_t *w, float *y,
                           int64_t S, int64_t K, int64_t N) {
  if (S >= DSC_GEMM_MIN_ROWS && dsc_gemm_q4_r16(x, w, y, S, K, N))
    return;
  qact_t a = qact_alloc(S, K);
  qact_quantize_avx2(x, S, K, a.q, a.d, a.sum);
  r16_ctx c = {a.q, a.d, a.sum, w, y, S, K, N};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    r16_bands(&c, 0, N / DSC_QR16_ROWS);
  else
    dsc_parallel_for(N / DSC_QR16_ROWS, r16_bands, &c);
  qact_free(a);
}

#endif /* DSC_LINEAR_Q4_R16_X86_H */
