/*===- linear_avx512.h - y = x W^T with AVX-512F --------------*- C -*-===*
 *
 * Shared body of the AVX2 linear kernels; each including file defines
 * LOAD16(w) (8 weights as floats), WSCALAR(w, i) and the kernel name.
 * Rows of W are taken four at a time so that each load of x feeds four
 * FMAs; for prompts, two rows of x share each weight load.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"

#include <immintrin.h>

#ifndef PF_DIST
#define PF_DIST 1024
#endif

DSC_INLINE float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

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
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  __m512 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int64_t k = 0;
  for (; k + 32 <= K; k += 32) {
    _mm_prefetch((const char *)(w0 + k) + PF_DIST, _MM_HINT_T0);
    _mm_prefetch((const char *)(w1 + k) + PF_DIST, _MM_HINT_T0);
    _mm_prefetch((const char *)(w2 + k) + PF_DIST, _MM_HINT_T0);
    _mm_prefetch((const char *)(w3 + k) + PF_DIST, _MM_HINT_T0);
    __m512 x0 = _mm512_loadu_ps(x + k), x1 = _mm512_loadu_ps(x + k + 16);
    a0 = _mm512_fmadd_ps(LOAD16(w0 + k), x0, a0);
    a1 = _mm512_fmadd_ps(LOAD16(w1 + k), x0, a1);
    a2 = _mm512_fmadd_ps(LOAD16(w2 + k), x0, a2);
    a3 = _mm512_fmadd_ps(LOAD16(w3 + k), x0, a3);
    b0 = _mm512_fmadd_ps(LOAD16(w0 + k + 16), x1, b0);
    b1 = _mm512_fmadd_ps(LOAD16(w1 + k + 16), x1, b1);
    b2 = _mm512_fmadd_ps(LOAD16(w2 + k + 16), x1, b2);
    b3 = _mm512_fmadd_ps(LOAD16(w3 + k + 16), x1, b3);
  }
  for (; k + 16 <= K; k += 16) {
    __m512 x0 = _mm512_loadu_ps(x + k);
    a0 = _mm512_fmadd_ps(LOAD16(w0 + k), x0, a0);
    a1 = _mm512_fmadd_ps(LOAD16(w1 + k), x0, a1);
    a2 = _mm512_fmadd_ps(LOAD16(w2 + k), x0, a2);
    a3 = _mm512_fmadd_ps(LOAD16(w3 + k), x0, a3);
  }
  float r0 = hsum(_mm512_add_ps(a0, b0)), r1 = hsum(_mm512_add_ps(a1, b1));
  float r2 = hsum(_mm512_add_ps(a2, b2)), r3 = hsum(_mm512_add_ps(a3, b3));
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
  __m512 a00 = _mm512_setzero_ps(), a10 = a00, a20 = a00, a30 = a00;
  __m512 a01 = a00, a11 = a00, a21 = a00, a31 = a00;
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    __m512 v0 = _mm512_loadu_ps(x0 + k), v1 = _mm512_loadu_ps(x1 + k);
    __m512 w;
    w = LOAD16(w0 + k);
    a00 = _mm512_fmadd_ps(w, v0, a00);
    a01 = _mm512_fmadd_ps(w, v1, a01);
    w = LOAD16(w1 + k);
    a10 = _mm512_fmadd_ps(w, v0, a10);
    a11 = _mm512_fmadd_ps(w, v1, a11);
    w = LOAD16(w2 + k);
    a20 = _mm512_fmadd_ps(w, v0, a20);
    a21 = _mm512_fmadd_ps(w, v1, a21);
    w = LOAD16(w3 + k);
    a30 = _mm512_fmadd_ps(w, v0, a30);
    a31 = _mm512_fmadd_ps(w, v1, a31);
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
  __m512 a = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16)
    a = _mm512_fmadd_ps(LOAD16(w + k), _mm512_loadu_ps(x + k), a);
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
