/*===- gemm_f_avx2.c - prompt rows x float weights, AVX2 FMA micro-tiles ---===*
 *
 * gemm_f_avx512.c's algorithm with 256-bit registers, for the targets
 * without AVX-512 (most laptops): y = x W^T for S >= DSC_GEMM_MIN_ROWS
 * rows with W in the 4x16 tiled layout (linear_tiled.h) as f32, f16 or
 * bf16. Each thread packs a panel of 16 weight columns at a time as f32,
 * k-major (16 floats per k: two ymm), converting f16 with F16C once per
 * panel instead of once per row; the activations are packed per MR-row
 * tile, k-major. A micro-tile of MR = 6 rows by 16 columns keeps 12 float
 * accumulators (with the two weight registers and a broadcast, 15 of the
 * 16 ymm registers) and walks the panel in slices of KC columns for all
 * rows before the next slice. Before it, AVX2 prompts took the decoding
 * loop a row or two at a time, reading each weight once per row.
 *
 *===---------------------------------------------------------------------===*/
#include <immintrin.h>

#define NR 16
#define MR 6
/* Slices of 1024 k (a 64 KiB panel slice, in L2): fewer micro-tile calls,
 * each loading and storing its 12 accumulators, than 256's (16 KiB, in
 * L1), which measured slower on Zen 3 (TinyLlama's layer shapes, 128 rows,
 * one thread: 128 74, 256 82, 512 86, 1024 86-88, 2048 87-89, 8192 81-83
 * GFLOP/s; the executable's prompt 37.0-37.6 against 32.8-33.1 tokens/s). */
#define KC 1024

#include "gemm_f_x86.h"

/* Four weights of a tile row as f32. */
DSC_INLINE __m128 load4(const gf_ctx *c, uint64_t at) {
  if (c->kind == 0)
    return _mm_loadu_ps(c->w32 + at);
  __m128i h = _mm_loadl_epi64((const __m128i *)(c->w16 + at));
  if (c->kind == 1)
    return _mm_cvtph_ps(h);
  return _mm_castsi128_ps(_mm_slli_epi32(_mm_cvtepu16_epi32(h), 16));
}

/* Columns n0 .. n0 + nc (nc <= 16, a multiple of 4) into panel[k][16]: each
 * 4 x 16 tile goes in as four 4 x 4 transposes, 16 columns of K at a time
 * for all 16 weight columns, so that each panel line (one k) is written
 * whole while in L1. */
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
      for (int q = 0; q < 4; ++q) {
        __m128 r0 = load4(c, at + 4 * q), r1 = load4(c, at + 16 + 4 * q),
               r2 = load4(c, at + 32 + 4 * q), r3 = load4(c, at + 48 + 4 * q);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        /* r_i now holds column k = 4q + i of the four rows. */
        _mm_storeu_ps(dst + (4 * q + 0) * NR, r0);
        _mm_storeu_ps(dst + (4 * q + 1) * NR, r1);
        _mm_storeu_ps(dst + (4 * q + 2) * NR, r2);
        _mm_storeu_ps(dst + (4 * q + 3) * NR, r3);
      }
    }
  }
}

/* Lanes of the first nc (a multiple of 4, up to 8) columns, for masked
 * loads and stores. */
DSC_INLINE __m256i lanes(int nc) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(nc),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

DSC_INLINE void micro_tile(const gf_ctx *c, const float *panel, int64_t rt,
                           const int mr, int64_t n0, int nc, int64_t k0,
                           int64_t nk, int first) {
  __m256i m0 = lanes(nc), m1 = lanes(nc - 8);
  float *y = c->y + rt * MR * c->N + n0;
  __m256 f[MR][2];
  for (int i = 0; i < mr; ++i) {
    f[i][0] =
        first ? _mm256_setzero_ps() : _mm256_maskload_ps(y + i * c->N, m0);
    f[i][1] =
        first ? _mm256_setzero_ps() : _mm256_maskload_ps(y + i * c->N + 8, m1);
  }
  const float *x = c->xp + (rt * c->K + k0) * MR;
  const float *p = panel + k0 * NR;
#pragma clang loop unroll_count(4)
  for (int64_t k = 0; k < nk; ++k, x += MR, p += NR) {
    __m256 w0 = _mm256_loadu_ps(p), w1 = _mm256_loadu_ps(p + 8);
    for (int i = 0; i < mr; ++i) {
      __m256 xb = _mm256_broadcast_ss(x + i);
      f[i][0] = _mm256_fmadd_ps(xb, w0, f[i][0]);
      f[i][1] = _mm256_fmadd_ps(xb, w1, f[i][1]);
    }
  }
  for (int i = 0; i < mr; ++i) {
    _mm256_maskstore_ps(y + i * c->N, m0, f[i][0]);
    _mm256_maskstore_ps(y + i * c->N + 8, m1, f[i][1]);
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
  for (int64_t p = begin; p < end; ++p) {
    int64_t n0 = p * NR;
    int nc = (int)dsc_min64(NR, c->N - n0);
    pack_panel(c, n0, nc, panel);
    for (int64_t k0 = 0; k0 < c->K; k0 += KC) {
      int64_t nk = dsc_min64(KC, c->K - k0);
      int first = k0 == 0;
      for (int64_t rt = 0; rt < full; ++rt)
        micro_tile(c, panel, rt, MR, n0, nc, k0, nk, first);
      switch (rest) { TAIL(5) TAIL(4) TAIL(3) TAIL(2) TAIL(1) default : break; }
    }
  }
  dsc_kernel_free(panel);
}
