/*===- linear_tiled_f16_fp16.c - 4x16-tiled f16 weights, f16 arithmetic ---===*
 *
 * For cores with ARMv8.2's half-precision arithmetic (FEAT_FP16: Cortex-A76
 * and later): the products of f16 weights with activations rounded to f16
 * are summed by fmla on eight f16 lanes, twice the lanes of f32 and with no
 * widening of the weights, and the f16 sums are widened into f32 ones every
 * SPAN columns, so that no f16 sum holds more than SPAN / 16 products.
 *
 * Each row of x is scaled by a power of two (exact) that brings its
 * largest magnitude into [1, 2) before it is rounded to f16: activations
 * of any scale then neither overflow f16 (65504) nor fall into its
 * subnormals, and the result is scaled back in f32. What is left is f16's
 * rounding (2^-11 relative) of x, of each product and of each partial
 * sum; docs/benchmarks.md gives the error this makes on real models.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"

#include <arm_neon.h>

#ifndef SPAN
#define SPAN 64
#endif

typedef struct {
  const float16_t *x; /* S x K, each row scaled by 2^-e */
  const float *unscale; /* S: 2^e */
  const uint16_t *w;
  float *y;
  int64_t S, K, N;
} f16a_ctx;

/* The f32 sums of the two f16 accumulators of a row, added into acc. */
DSC_INLINE float32x4_t widen2(float32x4_t acc, float16x8_t a, float16x8_t b) {
  acc = vaddq_f32(acc, vcvt_f32_f16(vget_low_f16(a)));
  acc = vaddq_f32(acc, vcvt_high_f32_f16(a));
  acc = vaddq_f32(acc, vcvt_f32_f16(vget_low_f16(b)));
  return vaddq_f32(acc, vcvt_high_f32_f16(b));
}

#define WLOAD(p) vreinterpretq_f16_u16(vld1q_u16(p))

/* Rows s .. s + R - 1 of x against one block of four W rows (R = 1, 2):
 * each weight load feeds R rows. */
#define DEFINE_BLOCK_DOT(NAME, R)                                              \
  DSC_INLINE void NAME(const f16a_ctx *c, int64_t s, const uint16_t *p,       \
                       float out[R][4]) {                                      \
    int64_t K = c->K;                                                          \
    float32x4_t wide[R][4];                                                    \
    for (int i = 0; i < R; ++i)                                                \
      for (int r = 0; r < 4; ++r)                                              \
        wide[i][r] = vdupq_n_f32(0.0f);                                        \
    for (int64_t k0 = 0; k0 < K; k0 += SPAN) {                                 \
      int64_t k1 = k0 + SPAN < K ? k0 + SPAN : K;                              \
      float16x8_t lo[R][4], hi[R][4];                                          \
      for (int i = 0; i < R; ++i)                                              \
        for (int r = 0; r < 4; ++r)                                            \
          lo[i][r] = hi[i][r] = vdupq_n_f16(0);                                \
      const uint16_t *t = p + k0 * 4;                                          \
      for (int64_t kt = k0; kt < k1; kt += 16, t += 64) {                      \
        __builtin_prefetch(t + 512);                                           \
        float16x8_t xl[R], xh[R];                                              \
        for (int i = 0; i < R; ++i) {                                          \
          xl[i] = vld1q_f16(c->x + (s + i) * K + kt);                          \
          xh[i] = vld1q_f16(c->x + (s + i) * K + kt + 8);                      \
        }                                                                      \
        for (int r = 0; r < 4; ++r) {                                          \
          float16x8_t wl = WLOAD(t + r * 16), wh = WLOAD(t + r * 16 + 8);      \
          for (int i = 0; i < R; ++i) {                                        \
            lo[i][r] = vfmaq_f16(lo[i][r], wl, xl[i]);                         \
            hi[i][r] = vfmaq_f16(hi[i][r], wh, xh[i]);                         \
          }                                                                    \
        }                                                                      \
      }                                                                        \
      for (int i = 0; i < R; ++i)                                              \
        for (int r = 0; r < 4; ++r)                                            \
          wide[i][r] = widen2(wide[i][r], lo[i][r], hi[i][r]);                 \
    }                                                                          \
    for (int i = 0; i < R; ++i)                                                \
      for (int r = 0; r < 4; ++r)                                              \
        out[i][r] = vaddvq_f32(wide[i][r]) * c->unscale[s + i];                \
  }
DEFINE_BLOCK_DOT(block_dot1, 1)
DEFINE_BLOCK_DOT(block_dot2, 2)

static void f16a_rows(void *ctx, int64_t begin, int64_t end) {
  const f16a_ctx *c = (const f16a_ctx *)ctx;
  for (int64_t b = begin; b < end; ++b) {
    const uint16_t *blk = c->w + b * 4 * c->K;
    int64_t s = 0;
    for (; s + 2 <= c->S; s += 2) {
      float o[2][4];
      block_dot2(c, s, blk, o);
      for (int i = 0; i < 2; ++i)
        for (int r = 0; r < 4; ++r)
          c->y[(s + i) * c->N + 4 * b + r] = o[i][r];
    }
    for (; s < c->S; ++s) {
      float o[1][4];
      block_dot1(c, s, blk, o);
      for (int r = 0; r < 4; ++r)
        c->y[s * c->N + 4 * b + r] = o[0][r];
    }
  }
}

/* x's rows scaled into [1, 2) and rounded to f16; unscale[s] undoes it. */
static void to_f16(const float *x, int64_t S, int64_t K, float16_t *xh,
                   float *unscale) {
  for (int64_t s = 0; s < S; ++s) {
    const float *row = x + s * K;
    float32x4_t mx = vdupq_n_f32(0.0f);
    int64_t k = 0;
    for (; k + 4 <= K; k += 4)
      mx = vmaxq_f32(mx, vabsq_f32(vld1q_f32(row + k)));
    float amax = vmaxvq_f32(mx);
    for (; k < K; ++k)
      amax = __builtin_fabsf(row[k]) > amax ? __builtin_fabsf(row[k]) : amax;
    /* 2^-e with 2^e <= amax < 2^(e+1), built from amax's exponent bits;
     * a zero, subnormal, infinite or NaN row keeps scale 1. */
    uint32_t bits;
    __builtin_memcpy(&bits, &amax, 4);
    int e = (int)((bits >> 23) & 0xff) - 127;
    if (e < -126 || e > 127)
      e = 0;
    uint32_t down = (uint32_t)(127 - e) << 23, up = (uint32_t)(127 + e) << 23;
    float scale, back;
    __builtin_memcpy(&scale, &down, 4);
    __builtin_memcpy(&back, &up, 4);
    unscale[s] = back;
    float32x4_t sv = vdupq_n_f32(scale);
    float16_t *out = xh + s * K;
    for (k = 0; k + 8 <= K; k += 8) {
      float16x4_t a = vcvt_f16_f32(vmulq_f32(vld1q_f32(row + k), sv));
      float16x4_t b = vcvt_f16_f32(vmulq_f32(vld1q_f32(row + k + 4), sv));
      vst1q_f16(out + k, vcombine_f16(a, b));
    }
    for (; k < K; ++k)
      out[k] = (float16_t)(row[k] * scale);
  }
}

/* K is a multiple of 16 and N of 4 (the packing pass checks). */
void DSC_UK(linear_f16_t4x16)(const float *x, const uint16_t *w, float *y,
                              int64_t S, int64_t K, int64_t N) {
  float16_t *xh = (float16_t *)dsc_kernel_alloc((uint64_t)(S * K) * 2 +
                                                (uint64_t)S * 4 + 16);
  float *unscale = (float *)(xh + S * K + 8 - (S * K) % 8);
  to_f16(x, S, K, xh, unscale);
  f16a_ctx c = {xh, unscale, w, y, S, K, N};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    f16a_rows(&c, 0, N / 4);
  else
    dsc_parallel_for(N / 4, f16a_rows, &c);
  dsc_kernel_free(xh);
}
