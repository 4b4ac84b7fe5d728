/*===- gemm_q_avx512_vnni.c - prompt rows x quantized weights, vpdpbusd ----===*
 *
 * The packed-panel GEMM of gemm_q_x86.h with AVX-512 VNNI: micro-tiles of
 * 6 rows by 32 columns (two zmm), vpdpbusd of the unsigned activations
 * broadcast four at a time with a zmm of signed weights, for 2- to 8-bit
 * weights and GGUF blocks (gemm_q_x86.h's list).
 *
 *===---------------------------------------------------------------------===*/
#define MR 6
#define SUM_BYTES4(v)                                                          \
  _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(1), v)
#define GEMM_TAKES(bits, flags) (((bits) >= 2 && (bits) <= 6) || (bits) == 8)
/* vpdpbusd multiplies unsigned activations by signed weights. */
#define X_OFFSET(bits) 128
/* And the row-interleaved int4 blocks (linear_q4_r16_avx512_vnni.c). */
#define DSC_GEMM_R16 1
#include "gemm_q_x86.h"

/* Quads q0 .. q1 - 1 of a packed block into the int32 sums a. */
__attribute__((always_inline)) static inline void
quads(const uint8_t *pb, const int32_t *x, const int mr, int q0, int q1,
      __m512i (*a)[2]) {
#pragma clang loop unroll(full)
  for (int q = q0; q < q1; ++q) {
    __m512i w0 = _mm512_loadu_si512((const void *)(pb + q * 128));
    __m512i w1 = _mm512_loadu_si512((const void *)(pb + q * 128 + 64));
    for (int i = 0; i < mr; ++i) {
      __m512i xb = _mm512_set1_epi32(x[q * MR + i]);
      a[i][0] = _mm512_dpbusd_epi32(a[i][0], xb, w0);
      a[i][1] = _mm512_dpbusd_epi32(a[i][1], xb, w1);
    }
  }
}

/* The packed block's column terms at `off` into a. */
__attribute__((always_inline)) static inline void
start_sums(const uint8_t *pb, int off, const int mr, __m512i (*a)[2]) {
  __m512i t0 = _mm512_loadu_si512((const void *)(pb + off));
  __m512i t1 = _mm512_loadu_si512((const void *)(pb + off + 64));
  for (int i = 0; i < mr; ++i) {
    a[i][0] = t0;
    a[i][1] = t1;
  }
}
/* f += a scaled by the column scales at `soff` times each row's
 * activation scale. */
__attribute__((always_inline)) static inline void
add_scaled(const uint8_t *pb, int soff, const float *xd, const int mr,
           __m512i (*a)[2], __m512 (*f)[2]) {
  __m512 d0 = _mm512_loadu_ps((const float *)(pb + soff));
  __m512 d1 = _mm512_loadu_ps((const float *)(pb + soff + 64));
  for (int i = 0; i < mr; ++i) {
    __m512 dx = _mm512_set1_ps(xd[i]);
    f[i][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(a[i][0]),
                              _mm512_mul_ps(d0, dx), f[i][0]);
    f[i][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(a[i][1]),
                              _mm512_mul_ps(d1, dx), f[i][1]);
  }
}

/* f -= the column minimums at `moff` times each row's activation sum. */
__attribute__((always_inline)) static inline void
sub_mins(const uint8_t *pb, int moff, const float *xs, const int mr,
         __m512 (*f)[2]) {
  __m512 mn0 = _mm512_loadu_ps((const float *)(pb + moff));
  __m512 mn1 = _mm512_loadu_ps((const float *)(pb + moff + 64));
  for (int i = 0; i < mr; ++i) {
    __m512 s = _mm512_set1_ps(xs[i]);
    f[i][0] = _mm512_fnmadd_ps(mn0, s, f[i][0]);
    f[i][1] = _mm512_fnmadd_ps(mn1, s, f[i][1]);
  }
}

/* 2 * MR int32 accumulators for the current block and 2 * MR float sums,
 * into which each block's dot products go scaled by weight and activation
 * scales; per channel (GQ_CHAN) by the activation scale only, the weight
 * scale applied once in the last slice (a multiply fewer per accumulator
 * and block, on the ports vpdpbusd uses); GQ_BLOCK by both, per block.
 * GQ_MINS takes the block's minimums times its activation sums off;
 * GQ_HALVES scales the sums of quads 0-3 and 4-7 apart, and GQ_HMINS takes
 * each half's minimums off too. */
__attribute__((always_inline)) static inline void
micro_tile(const gq_ctx *c, const uint8_t *panel, int64_t rt, const int mr,
           int64_t n0, int nc, int64_t blk0, int64_t nblk, int first, int last,
           const int mode) {
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
  const float *xs =
      GQ_XS(mode) ? c->xs + (rt * kb + blk0) * GQ_XS(mode) * MR : 0;
  const int stride = GQ_STRIDE(mode);
  const uint8_t *pb = panel + blk0 * stride;
  for (int64_t b = 0; b < nblk; ++b, pb += stride, x += 8 * MR, xd += MR) {
    __m512i a[MR][2];
    start_sums(pb, PB_SUMS, mr, a);
    if (mode == GQ_HALVES || mode == GQ_HMINS) {
      quads(pb, x, mr, 0, 4, a);
      add_scaled(pb, PB_SCALES, xd, mr, a, f);
      start_sums(pb, PB_SUMS2, mr, a);
      quads(pb, x, mr, 4, 8, a);
      add_scaled(pb, PB_SCALES2, xd, mr, a, f);
      if (mode == GQ_HMINS) {
        sub_mins(pb, PB_MINS1, xs, mr, f);
        sub_mins(pb, PB_MINS2, xs + MR, mr, f);
        xs += 2 * MR;
      }
      continue;
    }
    quads(pb, x, mr, 0, 8, a);
    if (mode == GQ_CHAN) {
      for (int i = 0; i < mr; ++i) {
        __m512 dx = _mm512_set1_ps(xd[i]);
        f[i][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(a[i][0]), dx, f[i][0]);
        f[i][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(a[i][1]), dx, f[i][1]);
      }
      continue;
    }
    add_scaled(pb, PB_SCALES, xd, mr, a, f);
    if (mode == GQ_MINS) {
      sub_mins(pb, PB_MINS, xs, mr, f);
      xs += MR;
    }
  }
  if (mode == GQ_CHAN && last) {
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
