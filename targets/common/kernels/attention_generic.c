/*===- attention_generic.c - causal attention over the KV cache -------------===*
 *
 * The cache is laid out as dsc/abi/kv_cache.h says. New keys and
 * values (rows s = 0..S-1 at positions pos + s) are stored first; then each
 * query row attends to positions [max(0, p - window + 1), p] with
 * p = pos + s, query head h reading KV head h / (n_heads / n_kv).
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"

typedef struct {
  const float *q;
  float *out;
  const float *kc, *vc; /* this layer's K and V caches */
  int64_t S, pos, ctx, H, KV, D, window;
  float scale;
} attn_ctx;

DSC_INLINE float dot(const float *a, const float *b, int64_t n) {
  float acc = 0.0f;
  for (int64_t i = 0; i < n; ++i)
    acc += a[i] * b[i];
  return acc;
}

/* Scores of one query row live on the stack up to this many positions. */
#define DSC_ATTN_STACK_POSITIONS 16384

static void attend_range(const attn_ctx *c, int64_t begin, int64_t end,
                         float *scores);

static void attend(void *p, int64_t begin, int64_t end) {
  const attn_ctx *c = (const attn_ctx *)p;
  if (c->ctx <= DSC_ATTN_STACK_POSITIONS) {
    float scores[DSC_ATTN_STACK_POSITIONS];
    attend_range(c, begin, end, scores);
  } else {
    float *scores = (float *)dsc_kernel_alloc((uint64_t)c->ctx * 4);
    attend_range(c, begin, end, scores);
    dsc_kernel_free(scores);
  }
}

static void attend_range(const attn_ctx *c, int64_t begin, int64_t end,
                         float *scores) {
  int64_t group = c->H / c->KV;
  for (int64_t task = begin; task < end; ++task) {
    int64_t h = task % c->H, s = task / c->H;
    int64_t g = h / group;
    int64_t last = c->pos + s;
    int64_t first = c->window > 0 ? dsc_max64(0, last - c->window + 1) : 0;
    const float *q = c->q + s * c->H * c->D + h * c->D;
    const float *kh = c->kc + g * c->ctx * c->D;
    const float *vh = c->vc + g * c->ctx * c->D;
    float *sc = scores;
    float mx = -3.0e38f;
    for (int64_t t = first; t <= last; ++t) {
      float v = dot(q, kh + t * c->D, c->D) * c->scale;
      sc[t] = v;
      mx = v > mx ? v : mx;
    }
    float sum = 0.0f;
    for (int64_t t = first; t <= last; ++t) {
      sc[t] = dsc_expf(sc[t] - mx);
      sum += sc[t];
    }
    float inv = 1.0f / sum;
    float *o = c->out + s * c->H * c->D + h * c->D;
    for (int64_t d = 0; d < c->D; ++d)
      o[d] = 0.0f;
    for (int64_t t = first; t <= last; ++t) {
      float w = sc[t] * inv;
      const float *v = vh + t * c->D;
      for (int64_t d = 0; d < c->D; ++d)
        o[d] += w * v[d];
    }
  }
}

DSC_GENERIC void DSC_UK(attention)(const float *q, const float *k,
                                  const float *v, float *out, float *cache,
                                  int64_t layer, int64_t S, int64_t pos,
                                  int64_t ctx, int64_t n_layers, int64_t H,
                                  int64_t KV, int64_t D, float scale,
                                  int64_t window) {
  (void)n_layers;
  float *kc = cache + dsc_kv_block(layer, 0, KV, ctx, D);
  float *vc = cache + dsc_kv_block(layer, 1, KV, ctx, D);
  for (int64_t s = 0; s < S; ++s)
    for (int64_t g = 0; g < KV; ++g)
      for (int64_t d = 0; d < D; ++d) {
        kc[(g * ctx + pos + s) * D + d] = k[(s * KV + g) * D + d];
        vc[(g * ctx + pos + s) * D + d] = v[(s * KV + g) * D + d];
      }
  int64_t tasks = S * H;
  attn_ctx c = {q, out, kc, vc, S, pos, ctx, H, KV, D, window, scale};
  if (tasks * (pos + S) * D < DSC_PARALLEL_MIN_WORK)
    attend(&c, 0, tasks);
  else
    dsc_parallel_for(tasks, attend, &c);
}
