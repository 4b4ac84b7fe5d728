/*===- gemm_q_avx512_vnni.c - prompt rows x quantized weights, vpdpbusd ----===*
 *
 * The packed-panel GEMM of gemm_q_x86.h with AVX-512 VNNI: micro-tiles of
 * 6 rows by 32 columns (two zmm), vpdpbusd of the unsigned activations
 * broadcast four at a time with a zmm of signed weights, for 2- to 6-bit
 * and symmetric 8-bit weights.
 *
 *===---------------------------------------------------------------------===*/
#define MR 6
#define SUM_BYTES4(v)                                                          \
  _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(1), v)
/* Asymmetric 8-bit values less their zero point may not fit int8. */
#define GEMM_TAKES(bits, flags)                                                \
  (((bits) >= 2 && (bits) <= 6) || ((bits) == 8 && !((flags) & DSC_QFLAG_ASYM)))
/* vpdpbusd multiplies unsigned activations by signed weights. */
#define X_OFFSET(bits) 128
/* And the row-interleaved int4 blocks (linear_q4_r16_avx512_vnni.c). */
#define DSC_GEMM_R16 1
#include "gemm_q_x86.h"

/* 2 * MR int32 accumulators for the current block and 2 * MR float sums,
 * into which each block's dot products go scaled by weight and activation
 * scales; per channel (`chan`) by the activation scale only, the weight
 * scale applied once in the last slice (a multiply fewer per accumulator
 * and block, on the ports vpdpbusd uses). */
__attribute__((always_inline)) static inline void
micro_tile(const gq_ctx *c, const uint8_t *panel, int64_t rt, const int mr,
           int64_t n0, int nc, int64_t blk0, int64_t nblk, int first,
           int last, const int chan) {
  int64_t kb = c->K / 32;
  __mmask16 m0 = (__mmask16)(nc >= 16 ? 0xFFFF : (1u << nc) - 1);
  __mmask16 m1 = (__mmask16)(nc >= 32   ? 0xFFFF
                             : nc <= 16 ? 0
                                        : (1u << (nc - 16)) - 1);
  float *y = c->y + rt * MR * c->N + n0;
  __m512 f[MR][2];
  for (int i = 0; i < mr; ++i) {
    f[i][0] = first ? _mm512_setzero_ps()
                    : _mm512_maskz_loadu_ps(m0, y + i * c->N);
    f[i][1] = first ? _mm512_setzero_ps()
                    : _mm512_maskz_loadu_ps(m1, y + i * c->N + 16);
  }
  const int32_t *x = c->xp + (rt * kb + blk0) * 8 * MR;
  const float *xd = c->xd + (rt * kb + blk0) * MR;
  const uint8_t *pb = panel + blk0 * PB;
  for (int64_t b = 0; b < nblk; ++b, pb += PB, x += 8 * MR, xd += MR) {
    __m512i a[MR][2];
    __m512i t0 = _mm512_loadu_si512((const void *)(pb + PB_SUMS));
    __m512i t1 = _mm512_loadu_si512((const void *)(pb + PB_SUMS + 64));
    for (int i = 0; i < mr; ++i) {
      a[i][0] = t0;
      a[i][1] = t1;
    }
#pragma clang loop unroll(full)
    for (int q = 0; q < 8; ++q) {
      __m512i w0 = _mm512_loadu_si512((const void *)(pb + q * 128));
      __m512i w1 = _mm512_loadu_si512((const void *)(pb + q * 128 + 64));
      for (int i = 0; i < mr; ++i) {
        __m512i xb = _mm512_set1_epi32(x[q * MR + i]);
        a[i][0] = _mm512_dpbusd_epi32(a[i][0], xb, w0);
        a[i][1] = _mm512_dpbusd_epi32(a[i][1], xb, w1);
      }
    }
    if (chan) {
      for (int i = 0; i < mr; ++i) {
        __m512 dx = _mm512_set1_ps(xd[i]);
        f[i][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(a[i][0]), dx, f[i][0]);
        f[i][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(a[i][1]), dx, f[i][1]);
      }
      continue;
    }
    __m512 d0 = _mm512_loadu_ps((const float *)(pb + PB_SCALES));
    __m512 d1 = _mm512_loadu_ps((const float *)(pb + PB_SCALES + 64));
    for (int i = 0; i < mr; ++i) {
      __m512 dx = _mm512_set1_ps(xd[i]);
      f[i][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(a[i][0]),
                                _mm512_mul_ps(d0, dx), f[i][0]);
      f[i][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(a[i][1]),
                                _mm512_mul_ps(d1, dx), f[i][1]);
    }
  }
  if (chan && last) {
    __m512 d0 = _mm512_loadu_ps((const float *)(panel + PB_SCALES));
    __m512 d1 = _mm512_loadu_ps((const float *)(panel + PB_SCALES + 64));
    for (int i = 0; i < mr; ++i) {
      f[i][0] = _mm512_mul_ps(f[i][0], d0);
      f[i][1] = _mm512_mul_ps(f[i][1], d1);
    }
  }
  for (int i = 0; i < mr; ++i) {
    _mm512_mask_storeu_ps(y + i * c->N, m0, f[i][0]);
    _mm512_mask_storeu_ps(y + i * c->N + 16, m1, f[i][1]);
  }
}

