/*===- gemm.h - prompt rows through packed-panel GEMM kernels ------*- C -*-===*
 *
 * A prompt's S rows times a linear weight is a matrix multiply, not S
 * matrix-vector products: the ISA files that define these pack a panel of
 * weight columns once into the layout their multiply instructions read and
 * run register-blocked micro-tiles of rows x columns over it, so that each
 * weight load feeds several rows and each activation load several columns.
 * Decoding (few rows) stays on the matrix-vector kernels, which read the
 * weights once as a sequential stream.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_GEMM_H
#define DSC_GEMM_H

#include "kernel.h"

/* Rows from which the linear kernels hand a call to the GEMM kernels. */
#define DSC_GEMM_MIN_ROWS 4

/* The next panel's weights, streamed into L2 while the current panel's
 * micro-tiles run: packing a panel otherwise waits on memory for every
 * line (a quarter of the GEMM's time on TinyLlama's shapes when measured).
 * A range [p, end) is fetched `lines` cache lines per call. */
typedef struct {
  const uint8_t *p, *end;
  int64_t lines;
} dsc_gemm_prefetch;

/* Spreads the fetch of [p, p + bytes) over `calls` calls of
 * dsc_gemm_prefetch_step. */
DSC_INLINE dsc_gemm_prefetch dsc_gemm_prefetch_start(const void *p,
                                                     uint64_t bytes,
                                                     int64_t calls) {
  dsc_gemm_prefetch f;
  f.p = (const uint8_t *)p;
  f.end = f.p + bytes;
  f.lines = ((int64_t)(bytes / 64) + calls) / (calls > 0 ? calls : 1);
  return f;
}

DSC_INLINE void dsc_gemm_prefetch_step(dsc_gemm_prefetch *f) {
  for (int64_t i = 0; i < f->lines && f->p < f->end; ++i, f->p += 64)
    __builtin_prefetch(f->p, 0, 2);
}

/* A GEMM's two phases: the rows of x packed in `tiles` tiles, then `panels`
 * panels of weight columns multiplied, each phase over the threads unless
 * the call is too small to share (`work`, against DSC_PARALLEL_MIN_WORK). */
DSC_INLINE void dsc_gemm_run(int64_t work, int64_t tiles, dsc_range_fn pack,
                             void *rows, int64_t panels, dsc_range_fn multiply,
                             void *ctx) {
  if (work < DSC_PARALLEL_MIN_WORK) {
    pack(rows, 0, tiles);
    multiply(ctx, 0, panels);
  } else {
    dsc_parallel_for(tiles, pack, rows);
    dsc_parallel_for(panels, multiply, ctx);
  }
}

/* y[S, N] = x[S, K] W^T for W in the tiled quantized layout (quant_layout.h)
 * with `bits`-bit values, groups of G columns and DSC_QFLAG_* flags, x
 * quantized to int8 per 32 columns as the matrix-vector kernels quantize
 * it. Returns 0 when it does not take that format (the caller then
 * computes y), 1 when y holds the result. */
int dsc_gemm_q_t4(const float *x, const uint8_t *w, float *y, int64_t S,
                  int64_t K, int64_t N, int64_t G, int64_t bits,
                  int64_t flags);

/* The same for W's rows as GGUF blocks (`type`, DSC_GGML_TYPE_*: Q2_K to
 * Q6_K, IQ4_XS, IQ4_NL, Q5_0, Q4_1, Q5_1; the matrix-vector kernels' integer
 * products, x rounded to int8 per 32 columns as they round it). 0 when it
 * does not take them (another type, K not in whole blocks or super-blocks,
 * N not in fours). */
int dsc_gemm_q_ggml_k(const float *x, const uint8_t *w, float *y, int64_t S,
                      int64_t K, int64_t N, int64_t type);

/* y[S, N] = x[S, K] W^T for W tiled 4x16 (linear_tiled.h) as f32 (kind
 * 0), f16 (1) or bf16 (2), in f32 arithmetic. */
void dsc_gemm_f_t4x16(const float *x, const void *w, float *y, int64_t S,
                      int64_t K, int64_t N, int64_t kind);

/* The same with both operands of every product rounded to bf16 (nearest
 * even) and the sums in f32: vdpbf16ps, on AVX512_BF16 only. */
void dsc_gemm_f_t4x16_bf16(const float *x, const void *w, float *y, int64_t S,
                           int64_t K, int64_t N, int64_t kind);

#endif /* DSC_GEMM_H */
