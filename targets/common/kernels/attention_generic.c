/*===- attention_generic.c - causal attention over the KV cache -------------===*
 *
 * The cache is laid out as dsc/abi/kv_cache.h says, the new keys and
 * values (rows s = 0..S-1 at positions pos + s) already in it (the
 * generated code stores them, dsc-codegen-lower). Each query row attends to
 * positions [max(0, p - window + 1), p] with p = pos + s, query head h reading
 * KV head h / (n_heads / n_kv).
 *
 * A prompt (S > 1) is attended in blocks, flash-attention style: a task
 * takes ATT_BQ query rows of all the query heads that share one KV head
 * and walks the keys in tiles of ATT_BK, keeping each query's running
 * maximum, sum of exponentials and weighted sum of values (online
 * softmax), so that each key and value tile is read once per task from
 * cache instead of once per query row and head: its tile of keys
 * transposed once, so that a query's 64 scores are lanes, and 64 columns of
 * the weighted sum kept in registers across the tile's values. Decoding
 * (S = 1) attends a task per head, its scores four keys at a time and its
 * weighted sum four values at a time. Both take their exponentials as a
 * loop of their own. All of it vectorizes; no sum is one serial chain,
 * which waited on each addition (another order of the same terms).
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

/* Dot product in eight partial sums, which the vectorizer can keep in
 * lanes. */
DSC_INLINE float dot8(const float *a, const float *b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j)
      acc[j] += a[i + j] * b[i + j];
  float r = 0.0f;
  for (; i < n; ++i)
    r += a[i] * b[i];
  for (int j = 0; j < 8; ++j)
    r += acc[j];
  return r;
}

/* The prompt's blocks: query rows, keys per tile. */
#define ATT_BQ 16
#define ATT_BK 64
#define ATT_NEG (-3.0e38f)

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

/* Scores of one query against keys k[0..n) (rows D apart), four keys at a
 * time, each key's dot product in eight partial sums: 32 independent chains
 * that the vectorizer keeps in lanes. (One serial sum per key waited on
 * every multiply-add's latency.) */
static void scores_of(const float *q, const float *k, int64_t n, int64_t D,
                      float scale, float *out) {
  int64_t t = 0;
  for (; t + 4 <= n; t += 4) {
    const float *k0 = k + t * D, *k1 = k0 + D, *k2 = k1 + D, *k3 = k2 + D;
    float a0[8] = {0}, a1[8] = {0}, a2[8] = {0}, a3[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= D; i += 8)
      for (int j = 0; j < 8; ++j) {
        float x = q[i + j];
        a0[j] += x * k0[i + j];
        a1[j] += x * k1[i + j];
        a2[j] += x * k2[i + j];
        a3[j] += x * k3[i + j];
      }
    float r0 = 0.0f, r1 = 0.0f, r2 = 0.0f, r3 = 0.0f;
    for (; i < D; ++i) {
      r0 += q[i] * k0[i];
      r1 += q[i] * k1[i];
      r2 += q[i] * k2[i];
      r3 += q[i] * k3[i];
    }
    for (int j = 0; j < 8; ++j) {
      r0 += a0[j];
      r1 += a1[j];
      r2 += a2[j];
      r3 += a3[j];
    }
    out[t] = r0 * scale;
    out[t + 1] = r1 * scale;
    out[t + 2] = r2 * scale;
    out[t + 3] = r3 * scale;
  }
  for (; t < n; ++t)
    out[t] = dot8(q, k + t * D, D) * scale;
}

/* o[0..width) += sum over t of w[t] v[t] (rows `stride` apart), four
 * values at a time. */
static void weighted_sum(const float *w, const float *v, int64_t n,
                         int64_t stride, int64_t width, float *o) {
  int64_t t = 0;
  for (; t + 4 <= n; t += 4) {
    const float *v0 = v + t * stride, *v1 = v0 + stride, *v2 = v1 + stride,
                *v3 = v2 + stride;
    float w0 = w[t], w1 = w[t + 1], w2 = w[t + 2], w3 = w[t + 3];
    for (int64_t d = 0; d < width; ++d)
      o[d] += (w0 * v0[d] + w1 * v1[d]) + (w2 * v2[d] + w3 * v3[d]);
  }
  for (; t < n; ++t)
    for (int64_t d = 0; d < width; ++d)
      o[d] += w[t] * v[t * stride + d];
}

/* p[t] = exp(p[t] - mx) for t < n; returns their sum. The exponentials
 * first, a loop the vectorizer takes as it is, then the sum in eight
 * partial sums. */
static float exp_sum(float *p, int64_t n, float mx) {
  for (int64_t t = 0; t < n; ++t)
    p[t] = dsc_expf(p[t] - mx);
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t t = 0;
  for (; t + 8 <= n; t += 8)
    for (int j = 0; j < 8; ++j)
      acc[j] += p[t + j];
  float r = 0.0f;
  for (; t < n; ++t)
    r += p[t];
  for (int j = 0; j < 8; ++j)
    r += acc[j];
  return r;
}

static void attend_range(const attn_ctx *c, int64_t begin, int64_t end,
                         float *scores) {
  int64_t group = c->H / c->KV;
  for (int64_t task = begin; task < end; ++task) {
    int64_t h = task % c->H, s = task / c->H;
    int64_t g = h / group;
    int64_t last = c->pos + s;
    int64_t first = c->window > 0 ? dsc_max64(0, last - c->window + 1) : 0;
    int64_t n = last - first + 1;
    const float *q = c->q + s * c->H * c->D + h * c->D;
    const float *kh = c->kc + (g * c->ctx + first) * c->D;
    const float *vh = c->vc + (g * c->ctx + first) * c->D;
    scores_of(q, kh, n, c->D, c->scale, scores);
    float mx = -3.0e38f;
    for (int64_t t = 0; t < n; ++t)
      mx = scores[t] > mx ? scores[t] : mx;
    float inv = 1.0f / exp_sum(scores, n, mx);
    for (int64_t t = 0; t < n; ++t)
      scores[t] *= inv;
    float *o = c->out + s * c->H * c->D + h * c->D;
    for (int64_t d = 0; d < c->D; ++d)
      o[d] = 0.0f;
    weighted_sum(scores, vh, n, c->D, c->D, o);
  }
}

/* A tile of nt keys transposed, kt[i * ATT_BK + j] = key j's element i
 * (zero past nt), so that a query's scores against the tile are ATT_BK
 * lanes. */
static void transpose_tile(const float *k, int64_t nt, int64_t D, float *kt) {
  for (int64_t i = 0; i < D; ++i)
    for (int64_t j = 0; j < ATT_BK; ++j)
      kt[i * ATT_BK + j] = j < nt ? k[j * D + i] : 0.0f;
}

/* A query's scores against a transposed tile: each element of q
 * broadcast, times a row of kt, into ATT_BK sums that stay in registers
 * (each key's sum in q's order). */
DSC_INLINE void tile_scores(const float *q, const float *kt, int64_t D,
                            float scale, float *row) {
  float s[ATT_BK];
  for (int j = 0; j < ATT_BK; ++j)
    s[j] = 0.0f;
  for (int64_t i = 0; i < D; ++i) {
    float x = q[i];
    for (int j = 0; j < ATT_BK; ++j)
      s[j] += x * kt[i * ATT_BK + j];
  }
  for (int j = 0; j < ATT_BK; ++j)
    row[j] = s[j] * scale;
}

/* o += sum over j < n of p[j] v[j] (rows D apart): 64 of o's columns at a
 * time held in registers across the values, the rest by weighted_sum. */
static void tile_values(const float *p, const float *v, int64_t n, int64_t D,
                        float *o) {
  int64_t d0 = 0;
  for (; d0 + 64 <= D; d0 += 64) {
    float a[64];
    for (int d = 0; d < 64; ++d)
      a[d] = o[d0 + d];
    for (int64_t j = 0; j < n; ++j) {
      float w = p[j];
      const float *vj = v + j * D + d0;
      /* Unrolled, so that a[] becomes registers (then vectors). */
#pragma clang loop unroll(full)
      for (int d = 0; d < 64; ++d)
        a[d] += w * vj[d];
    }
    for (int d = 0; d < 64; ++d)
      o[d0 + d] = a[d];
  }
  if (d0 < D)
    weighted_sum(p, v + d0, n, D, D - d0, o + d0);
}

/* Task -> query block: blocks alternate from both ends of the prompt, so
 * that the contiguous ranges dsc_parallel_for hands to threads get early
 * (short) and late (long) blocks alike. */
DSC_INLINE int64_t block_of(int64_t idx, int64_t blocks) {
  return idx % 2 == 0 ? idx / 2 : blocks - 1 - idx / 2;
}

static void attend_blocks(void *p, int64_t begin, int64_t end) {
  const attn_ctx *c = (const attn_ctx *)p;
  int64_t group = c->H / c->KV, D = c->D;
  int64_t nq = group * ATT_BQ, blocks = (c->S + ATT_BQ - 1) / ATT_BQ;
  float *acc = (float *)dsc_kernel_alloc(
      (uint64_t)(nq * D + nq * ATT_BK + 2 * nq + D * ATT_BK) * sizeof(float));
  float *sc = acc + nq * D, *m = sc + nq * ATT_BK, *l = m + nq, *kt = l + nq;
  for (int64_t task = begin; task < end; ++task) {
    int64_t g = task % c->KV, s0 = block_of(task / c->KV, blocks) * ATT_BQ;
    int64_t ns = dsc_min64(ATT_BQ, c->S - s0), nv = ns * group;
    const float *kh = c->kc + g * c->ctx * D;
    const float *vh = c->vc + g * c->ctx * D;
    /* Query vector v: row s0 + v / group, head g * group + v % group. */
    for (int64_t v = 0; v < nv; ++v) {
      m[v] = ATT_NEG;
      l[v] = 0.0f;
      for (int64_t d = 0; d < D; ++d)
        acc[v * D + d] = 0.0f;
    }
    int64_t hi = c->pos + s0 + ns - 1;
    int64_t lo = c->window > 0 ? dsc_max64(0, c->pos + s0 - c->window + 1) : 0;
    for (int64_t t0 = lo; t0 <= hi; t0 += ATT_BK) {
      int64_t nt = dsc_min64(ATT_BK, hi - t0 + 1);
      transpose_tile(kh + t0 * D, nt, D, kt);
      for (int64_t v = 0; v < nv; ++v) {
        int64_t s = s0 + v / group, h = g * group + v % group;
        int64_t last = c->pos + s;
        int64_t first = c->window > 0 ? dsc_max64(0, last - c->window + 1) : 0;
        const float *q = c->q + s * c->H * D + h * D;
        float *row = sc + v * ATT_BK, mx = ATT_NEG;
        /* The tile's keys in this row's range, [a, b], the rest masked. */
        int64_t a = dsc_max64(first - t0, 0), b = dsc_min64(last - t0, nt - 1);
        if (a > b)
          continue; /* every key of the tile masked for this row */
        tile_scores(q, kt, D, c->scale, row);
        for (int64_t j = a; j <= b; ++j)
          mx = row[j] > mx ? row[j] : mx;
        float mnew = mx > m[v] ? mx : m[v];
        float corr = m[v] == ATT_NEG ? 0.0f : dsc_expf(m[v] - mnew);
        float *o = acc + v * D;
        if (corr != 1.0f) {
          l[v] *= corr;
          for (int64_t d = 0; d < D; ++d)
            o[d] *= corr;
        }
        l[v] += exp_sum(row + a, b - a + 1, mnew);
        tile_values(row + a, vh + (t0 + a) * D, b - a + 1, D, o);
        m[v] = mnew;
      }
    }
    for (int64_t v = 0; v < nv; ++v) {
      int64_t s = s0 + v / group, h = g * group + v % group;
      float inv = 1.0f / l[v];
      float *o = c->out + s * c->H * D + h * D;
      for (int64_t d = 0; d < D; ++d)
        o[d] = acc[v * D + d] * inv;
    }
  }
  dsc_kernel_free(acc);
}

DSC_GENERIC void DSC_UK(attention)(const float *q, float *out,
                                   const float *cache, int64_t layer, int64_t S,
                                   int64_t pos, int64_t ctx, int64_t n_layers,
                                   int64_t H, int64_t KV, int64_t D,
                                   float scale, int64_t window) {
  (void)n_layers;
  const float *kc = cache + dsc_kv_block(layer, 0, KV, ctx, D);
  const float *vc = cache + dsc_kv_block(layer, 1, KV, ctx, D);
  attn_ctx c = {q, out, kc, vc, S, pos, ctx, H, KV, D, window, scale};
  if (S > 1) {
    int64_t tasks = KV * ((S + ATT_BQ - 1) / ATT_BQ);
    if (S * H * (pos + S) * D < DSC_PARALLEL_MIN_WORK)
      attend_blocks(&c, 0, tasks);
    else
      dsc_parallel_for(tasks, attend_blocks, &c);
    return;
  }
  int64_t tasks = S * H;
  if (tasks * (pos + S) * D < DSC_PARALLEL_MIN_WORK)
    attend(&c, 0, tasks);
  else
    dsc_parallel_for(tasks, attend, &c);
}
