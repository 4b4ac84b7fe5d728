/*===- linear_generic.c - y = x W^T, portable C ----------------------------===*
 *
 * y[s, n] = sum_k x[s, k] * w[n, k] for f32, f16 and bf16 weights. Portable
 * code the compiler vectorizes; targets override it with intrinsics.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"

typedef struct {
  const float *x;
  const void *w;
  float *y;
  int64_t S, K, N;
  int kind; /* 0 f32, 1 f16, 2 bf16 */
} linear_ctx;

DSC_INLINE float wval(const void *w, int kind, int64_t i) {
  if (kind == 0)
    return ((const float *)w)[i];
  uint16_t h = ((const uint16_t *)w)[i];
  return kind == 1 ? dsc_f16_to_f32(h) : dsc_bf16_to_f32(h);
}

static void linear_rows(void *p, int64_t begin, int64_t end) {
  const linear_ctx *c = (const linear_ctx *)p;
  for (int64_t n = begin; n < end; ++n)
    for (int64_t s = 0; s < c->S; ++s) {
      const float *x = c->x + s * c->K;
      float acc = 0.0f;
      for (int64_t k = 0; k < c->K; ++k)
        acc += x[k] * wval(c->w, c->kind, n * c->K + k);
      c->y[s * c->N + n] = acc;
    }
}

static void linear(const float *x, const void *w, float *y, int64_t S,
                   int64_t K, int64_t N, int kind) {
  linear_ctx c = {x, w, y, S, K, N, kind};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    linear_rows(&c, 0, N);
  else
    dsc_parallel_for(N, linear_rows, &c);
}

DSC_GENERIC void DSC_UK(linear_f32)(const float *x, const float *w, float *y,
                                   int64_t S, int64_t K, int64_t N) {
  linear(x, w, y, S, K, N, 0);
}

DSC_GENERIC void DSC_UK(linear_f16)(const float *x, const uint16_t *w,
                                   float *y, int64_t S, int64_t K, int64_t N) {
  linear(x, w, y, S, K, N, 1);
}

DSC_GENERIC void DSC_UK(linear_bf16)(const float *x, const uint16_t *w,
                                    float *y, int64_t S, int64_t K,
                                    int64_t N) {
  linear(x, w, y, S, K, N, 2);
}
