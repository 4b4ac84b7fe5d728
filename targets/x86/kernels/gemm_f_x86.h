/*===- gemm_f_x86.h - the float prompt GEMMs' frame ---------------*- C -*-===*
 *
 * What gemm_f_avx512.c and gemm_f_avx2.c share: the activations packed per
 * MR-row tile, k-major (so that a micro-tile reads its broadcasts from one
 * stream), and the entry point, which packs them on every thread and then
 * hands panels of NR weight columns to the ISA's gemm_f_panels. Each ISA
 * file defines MR and NR before including this, and gemm_f_panels (its
 * panel packing, micro-tile and walk over the panel) after.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_GEMM_F_X86_H
#define DSC_GEMM_F_X86_H

#include "gemm.h"

#if !defined(MR) || !defined(NR)
#error "define MR and NR before including gemm_f_x86.h"
#endif

typedef struct {
  const float *xp; /* x packed: tile rt, column k, row i at (rt*K + k)*MR + i */
  const uint16_t *w16;
  const float *w32;
  float *y;
  int64_t S, K, N;
  int kind; /* 0 f32, 1 f16, 2 bf16 */
  const uint32_t *xb; /* x as bf16 pairs (gemm_f_avx512.c's bf16 products) */
} gf_ctx;

/* Panels [begin, end) of NR weight columns, every row of x (the ISA's). */
static void gemm_f_panels(void *ctx, int64_t begin, int64_t end);

typedef struct {
  const float *x;
  float *xp;
  int64_t S, K;
} gf_rows;

/* Rows of tiles [begin, end) into xp, on every thread. */
static void pack_rows(void *ctx, int64_t begin, int64_t end) {
  const gf_rows *r = (const gf_rows *)ctx;
  for (int64_t s = begin * MR; s < dsc_min64(end * MR, r->S); ++s) {
    float *dst = r->xp + (s / MR) * r->K * MR + s % MR;
    for (int64_t k = 0; k < r->K; ++k)
      dst[k * MR] = r->x[s * r->K + k];
  }
}

void dsc_gemm_f_t4x16(const float *x, const void *w, float *y, int64_t S,
                      int64_t K, int64_t N, int64_t kind) {
  int64_t tiles = (S + MR - 1) / MR;
  float *xp = (float *)dsc_kernel_alloc((uint64_t)tiles * K * MR * 4);
  gf_rows rows = {x, xp, S, K};
  gf_ctx c = {xp, (const uint16_t *)w, (const float *)w, y, S, K, N, (int)kind,
              0};
  dsc_gemm_run(S * K * N, tiles, pack_rows, &rows, (N + NR - 1) / NR,
               gemm_f_panels, &c);
  dsc_kernel_free(xp);
}

#endif
