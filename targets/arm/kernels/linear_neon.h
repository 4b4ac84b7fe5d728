/*===- linear_neon.h - y = x W^T with NEON --------------*- C -*-===*
 *
 * Shared body of the AVX2 linear kernels; each including file defines
 * LOAD4(w) (8 weights as floats), WSCALAR(w, i) and the kernel name.
 * Rows of W are taken four at a time so that each load of x feeds four
 * FMAs; for prompts, two rows of x share each weight load.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"

#include <arm_neon.h>

DSC_INLINE float hsum(float32x4_t v) { return vaddvq_f32(v); }

typedef struct {
  const float *x;
  const WTYPE *w;
  float *y;
  int64_t S, K, N;
} KCTX;

/* Decode: one row of x, four rows of W, two accumulators each. */
DSC_INLINE void gemv4(const KCTX *c, int64_t n) {
  const float *x = c->x;
  int64_t K = c->K;
  const WTYPE *w0 = c->w + n * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
  float32x4_t b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int64_t k = 0;
  for (; k + 8 <= K; k += 8) {
    float32x4_t x0 = vld1q_f32(x + k), x1 = vld1q_f32(x + k + 4);
    a0 = vfmaq_f32(a0, LOAD4(w0 + k), x0);
    a1 = vfmaq_f32(a1, LOAD4(w1 + k), x0);
    a2 = vfmaq_f32(a2, LOAD4(w2 + k), x0);
    a3 = vfmaq_f32(a3, LOAD4(w3 + k), x0);
    b0 = vfmaq_f32(b0, LOAD4(w0 + k + 4), x1);
    b1 = vfmaq_f32(b1, LOAD4(w1 + k + 4), x1);
    b2 = vfmaq_f32(b2, LOAD4(w2 + k + 4), x1);
    b3 = vfmaq_f32(b3, LOAD4(w3 + k + 4), x1);
  }
  for (; k + 4 <= K; k += 4) {
    float32x4_t x0 = vld1q_f32(x + k);
    a0 = vfmaq_f32(a0, LOAD4(w0 + k), x0);
    a1 = vfmaq_f32(a1, LOAD4(w1 + k), x0);
    a2 = vfmaq_f32(a2, LOAD4(w2 + k), x0);
    a3 = vfmaq_f32(a3, LOAD4(w3 + k), x0);
  }
  float r0 = hsum(vaddq_f32(a0, b0)), r1 = hsum(vaddq_f32(a1, b1));
  float r2 = hsum(vaddq_f32(a2, b2)), r3 = hsum(vaddq_f32(a3, b3));
  for (; k < K; ++k) {
    r0 += x[k] * WSCALAR(w0, k);
    r1 += x[k] * WSCALAR(w1, k);
    r2 += x[k] * WSCALAR(w2, k);
    r3 += x[k] * WSCALAR(w3, k);
  }
  c->y[n] = r0;
  c->y[n + 1] = r1;
  c->y[n + 2] = r2;
  c->y[n + 3] = r3;
}

/* Prompt: two rows of x against four rows of W. */
DSC_INLINE void gemm4x2(const KCTX *c, int64_t n, int64_t s) {
  int64_t K = c->K;
  const float *x0 = c->x + s * K, *x1 = x0 + K;
  const WTYPE *w0 = c->w + n * K, *w1 = w0 + K, *w2 = w1 + K, *w3 = w2 + K;
  float32x4_t a00 = vdupq_n_f32(0.0f), a10 = a00, a20 = a00, a30 = a00;
  float32x4_t a01 = a00, a11 = a00, a21 = a00, a31 = a00;
  int64_t k = 0;
  for (; k + 4 <= K; k += 4) {
    float32x4_t v0 = vld1q_f32(x0 + k), v1 = vld1q_f32(x1 + k);
    float32x4_t w;
    w = LOAD4(w0 + k);
    a00 = vfmaq_f32(a00, w, v0);
    a01 = vfmaq_f32(a01, w, v1);
    w = LOAD4(w1 + k);
    a10 = vfmaq_f32(a10, w, v0);
    a11 = vfmaq_f32(a11, w, v1);
    w = LOAD4(w2 + k);
    a20 = vfmaq_f32(a20, w, v0);
    a21 = vfmaq_f32(a21, w, v1);
    w = LOAD4(w3 + k);
    a30 = vfmaq_f32(a30, w, v0);
    a31 = vfmaq_f32(a31, w, v1);
  }
  float r[8] = {hsum(a00), hsum(a10), hsum(a20), hsum(a30),
                hsum(a01), hsum(a11), hsum(a21), hsum(a31)};
  for (; k < K; ++k)
    for (int j = 0; j < 4; ++j) {
      float wv = WSCALAR(c->w + (n + j) * K, k);
      r[j] += x0[k] * wv;
      r[4 + j] += x1[k] * wv;
    }
  for (int j = 0; j < 4; ++j) {
    c->y[s * c->N + n + j] = r[j];
    c->y[(s + 1) * c->N + n + j] = r[4 + j];
  }
}

/* Any leftover row of W against one row of x. */
DSC_INLINE float dot1(const float *x, const WTYPE *w, int64_t K) {
  float32x4_t a = vdupq_n_f32(0.0f);
  int64_t k = 0;
  for (; k + 4 <= K; k += 4)
    a = vfmaq_f32(a, LOAD4(w + k), vld1q_f32(x + k));
  float r = hsum(a);
  for (; k < K; ++k)
    r += x[k] * WSCALAR(w, k);
  return r;
}

/* Task i covers rows [4i, 4i + 4) of W, the last one the leftover rows. */
static void KROWS(void *p, int64_t begin, int64_t end) {
  const KCTX *c = (const KCTX *)p;
  int64_t full = c->N / 4;
  for (int64_t t = begin; t < end; ++t) {
    if (t < full) {
      int64_t n = 4 * t;
      if (c->S == 1) {
        gemv4(c, n);
        continue;
      }
      int64_t s = 0;
      for (; s + 2 <= c->S; s += 2)
        gemm4x2(c, n, s);
      for (; s < c->S; ++s)
        for (int j = 0; j < 4; ++j)
          c->y[s * c->N + n + j] =
              dot1(c->x + s * c->K, c->w + (n + j) * c->K, c->K);
    } else {
      for (int64_t n = 4 * full; n < c->N; ++n)
        for (int64_t s = 0; s < c->S; ++s)
          c->y[s * c->N + n] = dot1(c->x + s * c->K, c->w + n * c->K, c->K);
    }
  }
}

void KNAME(const float *x, const WTYPE *w, float *y, int64_t S, int64_t K,
           int64_t N) {
  KCTX c = {x, w, y, S, K, N};
  int64_t tasks = N / 4 + (N % 4 != 0);
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    KROWS(&c, 0, tasks);
  else
    dsc_parallel_for(tasks, KROWS, &c);
}
