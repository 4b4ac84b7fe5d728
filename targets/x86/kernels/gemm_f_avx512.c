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
 * vdpbf16ps would halve the multiplies on AVX512_BF16 but rounds both
 * operands to 8-bit mantissas (f16 weights have 11), and on the machine
 * docs/benchmarks.md describes it retires at a quarter of vfmadd's rate:
 * the f32 FMA path is both exact and faster there.
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
static void pack_panel(const gf_ctx *c, int64_t n0, int nc, float *panel) {
  int64_t K = c->K, kt = K / 16;
  for (int64_t t = 0; t < kt; ++t) {
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
      __m512 u[4] = {
          _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2))),
          _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2))),
          _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3))),
          _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)))};
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

DSC_INLINE void micro_tile(const gf_ctx *c, const float *panel, int64_t rt,
                           const int mr, int64_t n0, int nc, int64_t k0,
                           int64_t nk, int first) {
  __mmask16 m0 = (__mmask16)(nc >= 16 ? 0xFFFF : (1u << nc) - 1);
  __mmask16 m1 = (__mmask16)(nc >= 32 ? 0xFFFF : nc <= 16 ? 0 : (1u << (nc - 16)) - 1);
  float *y = c->y + rt * MR * c->N + n0;
  __m512 f[MR][2];
  for (int i = 0; i < mr; ++i) {
    f[i][0] = first ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m0, y + i * c->N);
    f[i][1] = first ? _mm512_setzero_ps()
                    : _mm512_maskz_loadu_ps(m1, y + i * c->N + 16);
  }
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
  for (int i = 0; i < mr; ++i) {
    _mm512_mask_storeu_ps(y + i * c->N, m0, f[i][0]);
    _mm512_mask_storeu_ps(y + i * c->N + 16, m1, f[i][1]);
  }
}

#define TAIL(n)                                                                \
  case n:                                                                      \
    micro_tile(c, panel, full, n, n0, nc, k0, nk, first);                      \
    break;

static void gemm_f_panels(void *ctx, int64_t begin, int64_t end) {
  const gf_ctx *c = (const gf_ctx *)ctx;
  float *panel = (float *)dsc_kernel_alloc((uint64_t)c->K * NR * 4);
  int64_t full = c->S / MR;
  int rest = (int)(c->S % MR);
  uint64_t colBytes = (uint64_t)c->K * (c->kind ? 2 : 4);
  const uint8_t *w = c->kind ? (const uint8_t *)c->w16 : (const uint8_t *)c->w32;
  int64_t calls = (c->K + KC - 1) / KC * (full + (rest > 0));
  for (int64_t p = begin; p < end; ++p) {
    int64_t n0 = p * NR;
    int nc = (int)dsc_min64(NR, c->N - n0);
    pack_panel(c, n0, nc, panel);
    int64_t n1 = n0 + NR;
    dsc_gemm_prefetch pf = dsc_gemm_prefetch_start(
        w + (uint64_t)n1 * colBytes,
        p + 1 < end ? (uint64_t)dsc_min64(NR, c->N - n1) * colBytes : 0, calls);
    for (int64_t k0 = 0; k0 < c->K; k0 += KC) {
      int64_t nk = dsc_min64(KC, c->K - k0);
      int first = k0 == 0;
      for (int64_t rt = 0; rt < full; ++rt) {
        dsc_gemm_prefetch_step(&pf);
        micro_tile(c, panel, rt, MR, n0, nc, k0, nk, first);
      }
      dsc_gemm_prefetch_step(&pf);
      switch (rest) {
        TAIL(11) TAIL(10) TAIL(9) TAIL(8) TAIL(7) TAIL(6)
        TAIL(5) TAIL(4) TAIL(3) TAIL(2) TAIL(1)
      default:
        break;
      }
    }
  }
  dsc_kernel_free(panel);
}
