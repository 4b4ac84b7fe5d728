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

/* Bytes of packed rows a K chunk of the panel walk may span: every panel
 * reads the whole chunk's rows again, from L2 while they fit (half of the
 * 1-2 MiB L2 of the AVX-512 cores, beside the panel). Whole K where they
 * fit: the rows of a 128-token prompt are 1 MiB at K = 2048, 2.8 MiB at an
 * FFN's down projection (K = 5632), which read them from L3 for every
 * panel. */
#ifndef GF_ROWS_L2
#define GF_ROWS_L2 (512 * 1024)
#endif

/* Columns of K a chunk of the panel walk spans: all of K, or equal chunks
 * of whole slices (kc) whose packed rows fit in GF_ROWS_L2 (4 bytes a
 * value, 2 as bf16 pairs). */
DSC_INLINE int64_t gf_chunk(const gf_ctx *c, int64_t kc) {
  uint64_t perK = (uint64_t)((c->S + MR - 1) / MR) * MR * (c->xb ? 2 : 4);
  uint64_t bytes = perK * (uint64_t)c->K;
  if (bytes <= GF_ROWS_L2)
    return c->K;
  int64_t n = (int64_t)((bytes + GF_ROWS_L2 - 1) / GF_ROWS_L2);
  int64_t chunk = (c->K + n - 1) / n;
  return (chunk + kc - 1) / kc * kc;
}

/* The next panel's weights over the next chunk (the same chunk's next
 * panel, or the next chunk's first), streamed into L2 while the current
 * one's micro-tiles run (gemm.h's dsc_gemm_prefetch): in the 4x16 tiled
 * layout, NR / 4 runs of 4-row tiles, one per 4 weight rows. */
typedef struct {
  dsc_gemm_prefetch run[NR / 4];
} gf_prefetch;

DSC_INLINE gf_prefetch gf_prefetch_next(const gf_ctx *c, int64_t p,
                                        int64_t begin, int64_t end, int64_t c0,
                                        int64_t c1, int64_t chunk,
                                        int64_t calls) {
  gf_prefetch f;
  int64_t q = p + 1, k0 = c0, k1 = c1;
  if (q == end) {
    q = begin;
    k0 = c1;
    k1 = dsc_min64(c->K, c1 + chunk);
  }
  uint64_t esz = c->kind ? 2 : 4;
  const uint8_t *w =
      c->kind ? (const uint8_t *)c->w16 : (const uint8_t *)c->w32;
  int64_t kt = c->K / 16;
  for (int j = 0; j < NR / 4; ++j) {
    int64_t row = q * NR + 4 * j;
    int live = k0 < k1 && row < c->N;
    f.run[j] = dsc_gemm_prefetch_start(
        live ? w + ((uint64_t)(row / 4) * kt + k0 / 16) * 64 * esz : w,
        live ? (uint64_t)(k1 - k0) / 16 * 64 * esz : 0, calls);
  }
  return f;
}

DSC_INLINE void gf_prefetch_step(gf_prefetch *f) {
  for (int j = 0; j < NR / 4; ++j)
    dsc_gemm_prefetch_step(&f->run[j]);
}

/* Panels [begin, end) of NR weight columns, every row of x (the ISA's). */
static void gemm_f_panels(void *ctx, int64_t begin, int64_t end);

typedef struct {
  const float *x;
  float *xp;
  int64_t S, K;
} gf_rows;

/* Columns of a tile packed for all its rows before the next: 256 k are
 * 6-12 KiB of the tile (MR floats each), which stay in L1 while its rows
 * are written into it. Walking each row over all of K, one float at a
 * time, wrote every line of the tile MR times from L2 (3% of a 128-token
 * F16 prompt on two threads). */
#define GF_PACK_K 256

/* Rows of tiles [begin, end) into xp, on every thread. */
static void pack_rows(void *ctx, int64_t begin, int64_t end) {
  const gf_rows *r = (const gf_rows *)ctx;
  for (int64_t rt = begin; rt < end; ++rt) {
    int64_t s0 = rt * MR, s1 = dsc_min64(s0 + MR, r->S);
    float *tile = r->xp + rt * r->K * MR;
    for (int64_t k0 = 0; k0 < r->K; k0 += GF_PACK_K) {
      int64_t k1 = dsc_min64(r->K, k0 + GF_PACK_K);
      int64_t s = s0;
      /* Four rows by four columns at a time, transposed in registers (K
       * is a multiple of 16: the weights' tiles). */
      for (; s + 4 <= s1; s += 4) {
        const float *x0 = r->x + s * r->K;
        float *dst = tile + (s - s0);
        for (int64_t k = k0; k < k1; k += 4) {
          __m128 a = _mm_loadu_ps(x0 + k), b = _mm_loadu_ps(x0 + r->K + k),
                 c = _mm_loadu_ps(x0 + 2 * r->K + k),
                 d = _mm_loadu_ps(x0 + 3 * r->K + k);
          _MM_TRANSPOSE4_PS(a, b, c, d);
          _mm_storeu_ps(dst + k * MR, a);
          _mm_storeu_ps(dst + (k + 1) * MR, b);
          _mm_storeu_ps(dst + (k + 2) * MR, c);
          _mm_storeu_ps(dst + (k + 3) * MR, d);
        }
      }
      for (; s < s1; ++s)
        for (int64_t k = k0; k < k1; ++k)
          tile[k * MR + (s - s0)] = r->x[s * r->K + k];
    }
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
