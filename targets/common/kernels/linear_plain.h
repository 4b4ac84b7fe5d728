/*===- linear_plain.h - y = x W^T with W row-major ----------------*- C -*-===*
 *
 * The float linear kernel for weights dsc-weights-pack leaves row-major
 * (K not a multiple of 16, or N of 4). Rows of W are taken four at a time
 * so that each load of x feeds four FMAs; for prompts, two rows of x share
 * each weight load.
 *
 * The including file includes its ISA's vec_*.h (VEC, V, VZERO, VLOADX,
 * VFMA, VADD, VHSUM, PREFETCH_ON, PREFETCH, and optionally
 * ROW_PREFETCH_AHEAD: bytes to prefetch ahead in each of the four rows)
 * and defines VLOADW(p) (V weights as floats), WSCALAR(p, i), WTYPE, KCTX,
 * KROWS and KNAME.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"

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
  VEC a0 = VZERO(), a1 = a0, a2 = a0, a3 = a0;
  VEC b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int64_t k = 0;
#ifdef ROW_PREFETCH_AHEAD
  const int pf = PREFETCH_ON();
#endif
  for (; k + 2 * V <= K; k += 2 * V) {
#ifdef ROW_PREFETCH_AHEAD
    if (pf) {
      PREFETCH((const char *)(w0 + k) + ROW_PREFETCH_AHEAD);
      PREFETCH((const char *)(w1 + k) + ROW_PREFETCH_AHEAD);
      PREFETCH((const char *)(w2 + k) + ROW_PREFETCH_AHEAD);
      PREFETCH((const char *)(w3 + k) + ROW_PREFETCH_AHEAD);
    }
#endif
    VEC x0 = VLOADX(x + k), x1 = VLOADX(x + k + V);
    a0 = VFMA(VLOADW(w0 + k), x0, a0);
    a1 = VFMA(VLOADW(w1 + k), x0, a1);
    a2 = VFMA(VLOADW(w2 + k), x0, a2);
    a3 = VFMA(VLOADW(w3 + k), x0, a3);
    b0 = VFMA(VLOADW(w0 + k + V), x1, b0);
    b1 = VFMA(VLOADW(w1 + k + V), x1, b1);
    b2 = VFMA(VLOADW(w2 + k + V), x1, b2);
    b3 = VFMA(VLOADW(w3 + k + V), x1, b3);
  }
  for (; k + V <= K; k += V) {
    VEC x0 = VLOADX(x + k);
    a0 = VFMA(VLOADW(w0 + k), x0, a0);
    a1 = VFMA(VLOADW(w1 + k), x0, a1);
    a2 = VFMA(VLOADW(w2 + k), x0, a2);
    a3 = VFMA(VLOADW(w3 + k), x0, a3);
  }
  float r0 = VHSUM(VADD(a0, b0)), r1 = VHSUM(VADD(a1, b1));
  float r2 = VHSUM(VADD(a2, b2)), r3 = VHSUM(VADD(a3, b3));
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
  VEC a00 = VZERO(), a10 = a00, a20 = a00, a30 = a00;
  VEC a01 = a00, a11 = a00, a21 = a00, a31 = a00;
  int64_t k = 0;
  for (; k + V <= K; k += V) {
    VEC v0 = VLOADX(x0 + k), v1 = VLOADX(x1 + k);
    VEC w;
    w = VLOADW(w0 + k);
    a00 = VFMA(w, v0, a00);
    a01 = VFMA(w, v1, a01);
    w = VLOADW(w1 + k);
    a10 = VFMA(w, v0, a10);
    a11 = VFMA(w, v1, a11);
    w = VLOADW(w2 + k);
    a20 = VFMA(w, v0, a20);
    a21 = VFMA(w, v1, a21);
    w = VLOADW(w3 + k);
    a30 = VFMA(w, v0, a30);
    a31 = VFMA(w, v1, a31);
  }
  float r[8] = {VHSUM(a00), VHSUM(a10), VHSUM(a20), VHSUM(a30),
                VHSUM(a01), VHSUM(a11), VHSUM(a21), VHSUM(a31)};
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
  VEC a = VZERO();
  int64_t k = 0;
  for (; k + V <= K; k += V)
    a = VFMA(VLOADW(w + k), VLOADX(x + k), a);
  float r = VHSUM(a);
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
