/*===- linear_tiled_generic.c - 4x16-tiled weights, portable C --------------===*/
#include "kernel.h"

static inline float tile_dot_float(const float *x, const float *p, int r) {
  float acc = 0.0f;
  for (int j = 0; j < 16; ++j)
    acc += x[j] * p[r * 16 + j];
  return acc;
}
static inline float tile_dot_f16_t(const float *x, const uint16_t *p, int r) {
  float acc = 0.0f;
  for (int j = 0; j < 16; ++j)
    acc += x[j] * dsc_f16_to_f32(p[r * 16 + j]);
  return acc;
}
static inline float tile_dot_bf16_t(const float *x, const uint16_t *p, int r) {
  float acc = 0.0f;
  for (int j = 0; j < 16; ++j)
    acc += x[j] * dsc_bf16_to_f32(p[r * 16 + j]);
  return acc;
}

typedef struct {
  const float *x;
  const void *w;
  float *y;
  int64_t S, K, N;
  int kind;
} tiled_ctx;

static void tiled_rows(void *ctx, int64_t begin, int64_t end) {
  const tiled_ctx *c = (const tiled_ctx *)ctx;
  for (int64_t b = begin; b < end; ++b)
    for (int64_t s = 0; s < c->S; ++s) {
      float acc[4] = {0, 0, 0, 0};
      for (int64_t kt = 0; kt < c->K; kt += 16) {
        int64_t tile = (b * (c->K / 16) + kt / 16) * 64;
        const float *x = c->x + s * c->K + kt;
        for (int r = 0; r < 4; ++r) {
          if (c->kind == 0)
            acc[r] += tile_dot_float(x, (const float *)c->w + tile, r);
          else if (c->kind == 1)
            acc[r] += tile_dot_f16_t(x, (const uint16_t *)c->w + tile, r);
          else
            acc[r] += tile_dot_bf16_t(x, (const uint16_t *)c->w + tile, r);
        }
      }
      for (int r = 0; r < 4; ++r)
        c->y[s * c->N + 4 * b + r] = acc[r];
    }
}

static void tiled(const float *x, const void *w, float *y, int64_t S,
                  int64_t K, int64_t N, int kind) {
  tiled_ctx c = {x, w, y, S, K, N, kind};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    tiled_rows(&c, 0, N / 4);
  else
    dsc_parallel_for(N / 4, tiled_rows, &c);
}

DSC_GENERIC void DSC_UK(linear_f32_t4x16)(const float *x, const float *w,
                                         float *y, int64_t S, int64_t K,
                                         int64_t N) {
  tiled(x, w, y, S, K, N, 0);
}
DSC_GENERIC void DSC_UK(linear_f16_t4x16)(const float *x, const uint16_t *w,
                                         float *y, int64_t S, int64_t K,
                                         int64_t N) {
  tiled(x, w, y, S, K, N, 1);
}
DSC_GENERIC void DSC_UK(linear_bf16_t4x16)(const float *x, const uint16_t *w,
                                          float *y, int64_t S, int64_t K,
                                          int64_t N) {
  tiled(x, w, y, S, K, N, 2);
}
