/*===- gemm_f_avx512.c - prompt rows x float weights, FMA micro-tiles ------===*
 *
 * y = x W^T for S >= DSC_GEMM_MIN_ROWS rows (gemm.h) with W in the 4x16
 * tiled layout (linear_tiled.h) as f32, f16 or bf16. Each thread packs a
 * panel of 32 weight columns at a time as f32, k-major (32 floats per k:
 * two zmm), converting f16 with F16C once per panel instead of once per
 * row; the activations are packed per MR-row tile, k-major, so that a
 * micro-tile reads its broadcasts from one stream. A micro-tile of MR rows
 * by 32 columns keeps 2 * MR float accumulators and walks the panel in
 * slices of KC columns (16 KiB, in L1) for all rows before the next slice.
 *
 * This path is exact. vdpbf16ps rounds both operands to 8-bit mantissas
 * (f16 weights have 11); where a dsc.linear allows that (prefill_products
 * = bf16), the bf16 path at the end of this file takes the prompt: twice
 * the multiplies a cycle on Zen 4, though a quarter of vfmadd's rate on
 * the Sapphire Rapids guest docs/benchmarks.md measured earlier.
 *
 *===---------------------------------------------------------------------===*/
#include <immintrin.h>

#define NR 32
#define MR 12
#define KC 128

#include "gemm_f_x86.h"

/* One tile row of 16 weights as f32. */
DSC_INLINE __m512 load_row(const gf_ctx *c, uint64_t at) {
  if (c->kind == 0)
    return _mm512_loadu_ps(c->w32 + at);
  __m256i h = _mm256_loadu_si256((const __m256i *)(c->w16 + at));
  if (c->kind == 1)
    return _mm512_cvtph_ps(h);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

/* Columns n0 .. n0 + nc (nc <= 32, a multiple of 4) into panel[k][32]; the
 * 4 x 16 tiles go in as 4 x 4 transposes per 128-bit lane. The panel is
 * filled 16 columns of K at a time for all 32 weight columns, so that each
 * of its lines (one k) is written whole while in L1: filling it four
 * weight columns at a time over all of K wrote every line in eight pieces,
 * each a round trip to L2 (the panel is K x 128 bytes). */
static void pack_panel(const gf_ctx *c, int64_t n0, int nc, int64_t k0,
                       int64_t k1, float *panel) {
  int64_t K = c->K, kt = K / 16;
  for (int64_t t = k0 / 16; t < k1 / 16; ++t) {
    float *dst0 = panel + t * 16 * NR;
    for (int j = 0; j < NR; j += 4) {
      float *dst = dst0 + j;
      if (j >= nc) {
        for (int k = 0; k < 16; ++k)
          _mm_storeu_ps(dst + k * NR, _mm_setzero_ps());
        continue;
      }
      uint64_t at = ((uint64_t)(n0 + j) / 4 * kt + t) * 64;
      __m512 r0 = load_row(c, at), r1 = load_row(c, at + 16),
             r2 = load_row(c, at + 32), r3 = load_row(c, at + 48);
      __m512 t0 = _mm512_unpacklo_ps(r0, r1), t1 = _mm512_unpackhi_ps(r0, r1);
      __m512 t2 = _mm512_unpacklo_ps(r2, r3), t3 = _mm512_unpackhi_ps(r2, r3);
      __m512 u[4] = {_mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0),
                                                         _mm512_castps_pd(t2))),
                     _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0),
                                                         _mm512_castps_pd(t2))),
                     _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1),
                                                         _mm512_castps_pd(t3))),
                     _mm512_castpd_ps(_mm512_unpackhi_pd(
                         _mm512_castps_pd(t1), _mm512_castps_pd(t3)))};
      /* u[q] lane l holds column k = 4l + q of the four rows. */
      for (int q = 0; q < 4; ++q) {
        _mm_storeu_ps(dst + (0 + q) * NR, _mm512_extractf32x4_ps(u[q], 0));
        _mm_storeu_ps(dst + (4 + q) * NR, _mm512_extractf32x4_ps(u[q], 1));
        _mm_storeu_ps(dst + (8 + q) * NR, _mm512_extractf32x4_ps(u[q], 2));
        _mm_storeu_ps(dst + (12 + q) * NR, _mm512_extractf32x4_ps(u[q], 3));
      }
    }
  }
}

/* A micro-tile's 32 columns, the first nc of them real, as two masks. */
DSC_INLINE void col_masks(int nc, __mmask16 m[2]) {
  m[0] = (__mmask16)(nc >= 16 ? 0xFFFF : (1u << nc) - 1);
  m[1] = (__mmask16)(nc >= 32 ? 0xFFFF : nc <= 16 ? 0 : (1u << (nc - 16)) - 1);
}

/* Its accumulators: zero on the first K slice, else the sums so far in y. */
DSC_INLINE void acc_load(__m512 f[MR][2], const float *y, int64_t N,
                         const int mr, const __mmask16 m[2], int first) {
  for (int i = 0; i < mr; ++i)
    for (int h = 0; h < 2; ++h)
      f[i][h] = first ? _mm512_setzero_ps()
                      : _mm512_maskz_loadu_ps(m[h], y + i * N + 16 * h);
}

DSC_INLINE void acc_store(__m512 f[MR][2], float *y, int64_t N, const int mr,
                          const __mmask16 m[2]) {
  for (int i = 0; i < mr; ++i)
    for (int h = 0; h < 2; ++h)
      _mm512_mask_storeu_ps(y + i * N + 16 * h, m[h], f[i][h]);
}

DSC_INLINE void micro_tile(const gf_ctx *c, const float *panel, int64_t rt,
                           const int mr, int64_t n0, int nc, int64_t k0,
                           int64_t nk, int first) {
  __mmask16 m[2];
  col_masks(nc, m);
  float *y = c->y + rt * MR * c->N + n0;
  __m512 f[MR][2];
  acc_load(f, y, c->N, mr, m, first);
  const float *x = c->xp + (rt * c->K + k0) * MR;
  const float *p = panel + k0 * NR;
#pragma clang loop unroll_count(4)
  for (int64_t k = 0; k < nk; ++k, x += MR, p += NR) {
    __m512 w0 = _mm512_loadu_ps(p), w1 = _mm512_loadu_ps(p + 16);
    for (int i = 0; i < mr; ++i) {
      __m512 xb = _mm512_set1_ps(x[i]);
      f[i][0] = _mm512_fmadd_ps(xb, w0, f[i][0]);
      f[i][1] = _mm512_fmadd_ps(xb, w1, f[i][1]);
    }
  }
  acc_store(f, y, c->N, mr, m);
}

/*---- Products in bf16 (dsc.linear's prefill_products = bf16) --------------*
 *
 * vdpbf16ps multiplies 32 bf16 pairs into 16 f32 sums in the time
 * vfmadd231ps multiplies 16 floats (Zen 4: 113 against 57 GMAC/s a core,
 * measured), so a prompt's products at bf16 run twice as many multiplies a
 * cycle as the f32 path above. Both operands are rounded to bf16 (8-bit
 * mantissas, nearest even) and summed in f32: f16 weights lose 3 bits,
 * bf16 weights nothing, the activations 16. That is why it is an opt-in
 * (docs/quantization.md measures its KL divergence). The panel walk below
 * serves both: the panel is packed as f32 by pack_panel, then interleaved into
 * pairs of k (column j's (k, k+1) at [k/2][j][2]); the rows are packed as pairs
 * too, one 32-bit broadcast per row and pair of k. */

typedef struct {
  const float *x;
  uint32_t *xb;
  int64_t S, K;
} gb_rows;

/* Rows of tiles [begin, end) into xb: tile rt, pair kp, row i at
 * (rt*K/2 + kp)*MR + i, each a (bf16 x[2kp], bf16 x[2kp+1]) pair. */
static void pack_rows_bf16(void *ctx, int64_t begin, int64_t end) {
  const gb_rows *r = (const gb_rows *)ctx;
  int64_t half = r->K / 2;
  for (int64_t s = begin * MR; s < dsc_min64(end * MR, r->S); ++s) {
    uint32_t *dst = r->xb + (s / MR) * half * MR + s % MR;
    const float *src = r->x + s * r->K;
    /* K is a multiple of 16: the last 16 columns may be alone. */
    for (int64_t k = 0; k < r->K; k += 32) {
      uint32_t pairs[16];
      int last = r->K - k < 32;
      __m512 hi = last ? _mm512_setzero_ps() : _mm512_loadu_ps(src + k + 16);
      __m512bh b = _mm512_cvtne2ps_pbh(hi, _mm512_loadu_ps(src + k));
      _mm512_storeu_si512(pairs, (__m512i)b);
      for (int q = 0; q < (last ? 8 : 16); ++q)
        dst[(k / 2 + q) * MR] = pairs[q];
    }
  }
}

/* The f32 panel[k][32] as bf16 pairs: pb[k/2][j][2]. */
static void pair_panel(const float *panel, int64_t K, uint16_t *pb) {
  /* Lane 2j takes a's column j, lane 2j+1 b's (b sits at 16..31). */
  const __m512i idx = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11,
                                       26, 10, 25, 9, 24, 8, 23, 7, 22, 6, 21,
                                       5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
  for (int64_t kp = 0; kp < K / 2; ++kp) {
    const float *a = panel + 2 * kp * NR, *b = a + NR;
    for (int h = 0; h < NR; h += 16) {
      __m512i ab = (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(b + h),
                                                _mm512_loadu_ps(a + h));
      _mm512_storeu_si512(pb + (kp * NR + h) * 2,
                          _mm512_permutexvar_epi16(idx, ab));
    }
  }
}

DSC_INLINE void micro_tile_bf16(const gf_ctx *c, const uint16_t *pb, int64_t rt,
                                const int mr, int64_t n0, int nc, int64_t k0,
                                int64_t nk, int first) {
  __mmask16 m[2];
  col_masks(nc, m);
  float *y = c->y + rt * MR * c->N + n0;
  __m512 f[MR][2];
  acc_load(f, y, c->N, mr, m, first);
  const uint32_t *x = c->xb + (rt * c->K + k0) / 2 * MR;
  const uint16_t *p = pb + k0 * NR;
#pragma clang loop unroll_count(4)
  for (int64_t kp = 0; kp < nk / 2; ++kp, x += MR, p += 2 * NR) {
    __m512bh w0 = (__m512bh)_mm512_loadu_si512(p),
             w1 = (__m512bh)_mm512_loadu_si512(p + 32);
    for (int i = 0; i < mr; ++i) {
      __m512bh xb = (__m512bh)_mm512_set1_epi32((int)x[i]);
      f[i][0] = _mm512_dpbf16_ps(f[i][0], xb, w0);
      f[i][1] = _mm512_dpbf16_ps(f[i][1], xb, w1);
    }
  }
  acc_store(f, y, c->N, mr, m);
}

/* One micro-tile of the walk: bf16 products when the panel is in pairs. */
DSC_INLINE void tile(const gf_ctx *c, const float *panel, const uint16_t *pb,
                     int64_t rt, const int mr, int64_t n0, int nc, int64_t k0,
                     int64_t nk, int first) {
  if (pb)
    micro_tile_bf16(c, pb, rt, mr, n0, nc, k0, nk, first);
  else
    micro_tile(c, panel, rt, mr, n0, nc, k0, nk, first);
}

#define TAIL(n)                                                                \
  case n:                                                                      \
    tile(c, panel, pb, full, n, n0, nc, k0, nk, first);                        \
    break;

/* Panels [begin, end): each packed once as f32 (and, for bf16 products,
 * interleaved into pairs of k), then multiplied in K slices that keep 16 KiB
 * of panel in L1 (KC columns of f32, 2 * KC of pairs). Every panel reads
 * all of the packed rows, so K is walked in chunks whose rows fit in L2
 * (gemm_f_x86.h's gf_chunk): the panels' micro-tiles over one chunk, then
 * the next chunk. */
static void gemm_f_panels(void *ctx, int64_t begin, int64_t end) {
  const gf_ctx *c = (const gf_ctx *)ctx;
  float *panel = (float *)dsc_kernel_alloc((uint64_t)c->K * NR * 4);
  uint16_t *pb =
      c->xb ? (uint16_t *)dsc_kernel_alloc((uint64_t)c->K * NR * 2) : 0;
  const int64_t kc = pb ? 2 * KC : KC;
  int64_t full = c->S / MR;
  int rest = (int)(c->S % MR);
  int64_t chunk = gf_chunk(c, kc);
  for (int64_t c0 = 0; c0 < c->K; c0 += chunk) {
    int64_t c1 = dsc_min64(c->K, c0 + chunk);
    int64_t calls = (c1 - c0 + kc - 1) / kc * (full + (rest > 0));
    for (int64_t p = begin; p < end; ++p) {
      int64_t n0 = p * NR;
      int nc = (int)dsc_min64(NR, c->N - n0);
      pack_panel(c, n0, nc, c0, c1, panel);
      if (pb)
        pair_panel(panel + c0 * NR, c1 - c0, pb + c0 * NR);
      gf_prefetch pf = gf_prefetch_next(c, p, begin, end, c0, c1, chunk, calls);
      for (int64_t k0 = c0; k0 < c1; k0 += kc) {
        int64_t nk = dsc_min64(kc, c1 - k0);
        int first = k0 == 0;
        for (int64_t rt = 0; rt < full; ++rt) {
          gf_prefetch_step(&pf);
          tile(c, panel, pb, rt, MR, n0, nc, k0, nk, first);
        }
        gf_prefetch_step(&pf);
        switch (rest) {
          TAIL(11)
          TAIL(10)
          TAIL(9) TAIL(8) TAIL(7) TAIL(6) TAIL(5) TAIL(4) TAIL(3) TAIL(2)
              TAIL(1) default : break;
        }
      }
    }
  }
  if (pb)
    dsc_kernel_free(pb);
  dsc_kernel_free(panel);
}

void dsc_gemm_f_t4x16_bf16(const float *x, const void *w, float *y, int64_t S,
                           int64_t K, int64_t N, int64_t kind) {
  int64_t tiles = (S + MR - 1) / MR;
  uint32_t *xb = (uint32_t *)dsc_kernel_alloc((uint64_t)tiles * K / 2 * MR * 4);
  gb_rows rows = {x, xb, S, K};
  gf_ctx c = {0, (const uint16_t *)w, (const float *)w, y, S, K, N, (int)kind,
              xb};
  dsc_gemm_run(S * K * N, tiles, pack_rows_bf16, &rows, (N + NR - 1) / NR,
               gemm_f_panels, &c);
  dsc_kernel_free(xb);
}
