/*===- linear_q_neon.h - quantized weights, NEON integer dot products -*- C -*-===*
 *
 * y = x W^T with W in the tiled quantized layout (dsc/abi/quant_layout.h)
 * and x quantized on the fly to int8 per 32-column block (scale amax/127),
 * the same arithmetic as the x86 integer kernels (linear_q_int.h): each
 * 32-column block of a row is one integer dot product of the stored weights
 * (less DOT_OFFSET, so that they fit int8) with the activations, scaled by
 * d * dx; the zero point comes out as (z - DOT_OFFSET) * dx * sum(qx),
 * accumulated per group.
 *
 * The including file defines BITS (2 to 6, or 8; widths below 8 unpacked
 * from quant_layout.h's 32-column blocks into bytes in registers) and
 * KNAME, and USE_SDOT for the
 * dot-product extension (sdot); without it, products go through smull and
 * sadalp, which every ARMv8-A core has. Prompts take two rows of x at a
 * time against each block of four weight rows (the GEMM): with USE_I8MM
 * through the int8 matrix multiply (smmla, two rows of x against two
 * weight rows per instruction), otherwise through the same dot products
 * as single tokens with each weight load shared by the two rows.
 *
 *===---------------------------------------------------------------------===*/
#include "quant_tile.h"

#include "neon_armv7.h"

#if BITS == 8
#define DOT_OFFSET 128
#else
#define DOT_OFFSET 0
#endif

typedef struct {
  const int8_t *xq;  /* S x K */
  const float *xd;   /* S x K/32 block scales */
  const int32_t *xs; /* S x K/32 block sums of xq */
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
  qtile_t t;
} qn_ctx;

/* acc + the dot products of 32 weights (w0, w1) with 32 activations, in
 * four int32 lanes. Without sdot the two 16-bit products of a pair sum to
 * at most 2 * 128 * 127 < 2^15 before sadalp widens them. */
DSC_INLINE int32x4_t dot32(int32x4_t acc, int8x16_t w0, int8x16_t w1,
                           int8x16_t x0, int8x16_t x1) {
#ifdef USE_SDOT
  acc = vdotq_s32(acc, w0, x0);
  return vdotq_s32(acc, w1, x1);
#else
  int16x8_t p = vmull_s8(vget_low_s8(w0), vget_low_s8(x0));
  p = vmlal_s8(p, vget_high_s8(w0), vget_high_s8(x0));
  acc = vpadalq_s16(acc, p);
  p = vmull_s8(vget_low_s8(w1), vget_low_s8(x1));
  p = vmlal_s8(p, vget_high_s8(w1), vget_high_s8(x1));
  return vpadalq_s16(acc, p);
#endif
}

#if BITS != 8
/* The fields of quant_layout.h's dsc_qblock*, unpacked to one byte per
 * value: v0 values 0-15, v1 values 16-31. Crumbs: byte j's 2-bit field k
 * is value j + 8k. */
DSC_INLINE void unpack_crumbs(const uint8_t *p, uint8x16_t *v0,
                              uint8x16_t *v1) {
  uint8x8_t d = vld1_u8(p), m = vdup_n_u8(3);
  *v0 = vcombine_u8(vand_u8(d, m), vand_u8(vshr_n_u8(d, 2), m));
  *v1 = vcombine_u8(vand_u8(vshr_n_u8(d, 4), m), vshr_n_u8(d, 6));
}

/* Nibbles: columns 0-15 in the low nibbles, 16-31 in the high ones. */
DSC_INLINE void unpack_nibbles(const uint8_t *p, uint8x16_t *v0,
                               uint8x16_t *v1) {
  uint8x16_t b = vld1q_u8(p);
  *v0 = vandq_u8(b, vdupq_n_u8(0x0F));
  *v1 = vshrq_n_u8(b, 4);
}

/* Bitmask: bit i % 8 of byte i / 8 is value i's; `one` where set. */
DSC_INLINE void unpack_bits(const uint8_t *p, uint8_t one, uint8x16_t *v0,
                            uint8x16_t *v1) {
  static const uint8_t bit[16] = {1, 2, 4, 8, 16, 32, 64, 128,
                                  1, 2, 4, 8, 16, 32, 64, 128};
  uint8x16_t b = vld1q_u8(bit), o = vdupq_n_u8(one);
  *v0 = vandq_u8(vtstq_u8(vcombine_u8(vdup_n_u8(p[0]), vdup_n_u8(p[1])), b),
                 o);
  *v1 = vandq_u8(vtstq_u8(vcombine_u8(vdup_n_u8(p[2]), vdup_n_u8(p[3])), b),
                 o);
}
#endif

/* The 32 stored weights of row r, block k of a tile, less DOT_OFFSET. */
DSC_INLINE void load_block(const qtile_t *t, const uint8_t *vals, int r,
                           int64_t k, int8x16_t *w0, int8x16_t *w1) {
  const uint8_t *p = vals + (uint64_t)r * t->rowBytes + k * (4 * BITS);
#if BITS == 8
  const uint8x16_t off = vdupq_n_u8(0x80);
  *w0 = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(p), off));
  *w1 = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(p + 16), off));
#else
  uint8x16_t v0, v1;
#if BITS <= 3
  unpack_crumbs(p, &v0, &v1);
#else
  unpack_nibbles(p, &v0, &v1);
#endif
#if BITS == 3 || BITS == 5
  uint8x16_t h0, h1;
  unpack_bits(p + (BITS == 3 ? 8 : 16), BITS == 3 ? 4 : 16, &h0, &h1);
  v0 = vorrq_u8(v0, h0);
  v1 = vorrq_u8(v1, h1);
#elif BITS == 6
  uint8x16_t h0, h1;
  unpack_crumbs(p + 16, &h0, &h1);
  v0 = vorrq_u8(v0, vshlq_n_u8(h0, 4));
  v1 = vorrq_u8(v1, vshlq_n_u8(h1, 4));
#endif
  *w0 = vreinterpretq_s8_u8(v0);
  *w1 = vreinterpretq_s8_u8(v1);
#endif
}

/* Two-level tiles: the scales and zero points (less the dot product's
 * offset) of the four rows' 32-column block k. */
DSC_INLINE void super_scales(const qtile_t *t, const uint8_t *tile, int64_t k,
                             const float D[4], float d[4], int zoff[4]) {
  qtile_super_block(t, tile, k, D, d, zoff);
  for (int r = 0; r < 4; ++r)
    zoff[r] -= DOT_OFFSET;
}

/* One row of x against the four rows of one block of tiles. */
DSC_INLINE void tile_row_dot(const qn_ctx *c, int64_t s, const uint8_t *tiles,
                             float out[4]) {
  const qtile_t *t = &c->t;
  int64_t blocks = t->G / 32, kb = c->K / 32;
  const int8_t *xq = c->xq + s * c->K;
  const float *xd = c->xd + s * kb;
  const int32_t *xs = c->xs + s * kb;
  float32x4_t acc[4];
  float corr[4] = {0, 0, 0, 0};
  for (int r = 0; r < 4; ++r)
    acc[r] = vdupq_n_f32(0.0f);
  const uint8_t *tile = tiles;
  for (int64_t g = 0; g < t->groups; ++g, tile += t->tile) {
    __builtin_prefetch(tile + 2048);
    float d[4], D[4];
    int zoff[4];
    for (int r = 0; r < 4; ++r) {
      d[r] = D[r] = qtile_scale(t, tile, r);
      zoff[r] = qtile_zero(t, tile, r) - DOT_OFFSET;
    }
    const uint8_t *vals = tile + t->valOff;
    float gsum = 0.0f;
    for (int64_t k = 0; k < blocks; ++k) {
      int64_t blk = g * blocks + k;
      if (t->super) {
        /* Two levels: each block its own scales. */
        super_scales(t, tile, k, D, d, zoff);
        gsum = 0.0f;
      }
      int8x16_t x0 = vld1q_s8(xq + blk * 32), x1 = vld1q_s8(xq + blk * 32 + 16);
      float dx = xd[blk];
      gsum += dx * (float)xs[blk];
      for (int r = 0; r < 4; ++r) {
        int8x16_t w0, w1;
        load_block(t, vals, r, k, &w0, &w1);
        int32x4_t p = dot32(vdupq_n_s32(0), w0, w1, x0, x1);
        acc[r] = vfmaq_n_f32(acc[r], vcvtq_f32_s32(p), d[r] * dx);
      }
      if (t->super)
        for (int r = 0; r < 4; ++r)
          corr[r] += d[r] * (float)zoff[r] * gsum;
    }
    if (!t->super)
      for (int r = 0; r < 4; ++r)
        corr[r] += d[r] * (float)zoff[r] * gsum;
  }
  for (int r = 0; r < 4; ++r)
    out[r] = vaddvq_f32(acc[r]) - corr[r];
}

#if !defined(USE_I8MM) && defined(__aarch64__)
#define ROWS2_DOT 1
/* Prompts without smmla: two rows of x (s, s + 1) against the four rows of
 * one block of tiles, each block of weights loaded (and, for 4 bits,
 * unpacked) once for both rows. ARMv7's 16 vector registers hold one row's
 * accumulators and operands, not two: it keeps to tile_row_dot. */
DSC_INLINE void tile_rows2_dot(const qn_ctx *c, int64_t s,
                               const uint8_t *tiles, float out[2][4]) {
  const qtile_t *t = &c->t;
  int64_t blocks = t->G / 32, kb = c->K / 32;
  const int8_t *xa = c->xq + s * c->K, *xb = xa + c->K;
  const float *da = c->xd + s * kb, *db = da + kb;
  const int32_t *sa = c->xs + s * kb, *sb = sa + kb;
  float32x4_t acc[2][4];
  float corr[2][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}};
  for (int i = 0; i < 2; ++i)
    for (int r = 0; r < 4; ++r)
      acc[i][r] = vdupq_n_f32(0.0f);
  const uint8_t *tile = tiles;
  for (int64_t g = 0; g < t->groups; ++g, tile += t->tile) {
    float d[4], D[4];
    int zoff[4];
    for (int r = 0; r < 4; ++r) {
      d[r] = D[r] = qtile_scale(t, tile, r);
      zoff[r] = qtile_zero(t, tile, r) - DOT_OFFSET;
    }
    const uint8_t *vals = tile + t->valOff;
    float gsum[2] = {0.0f, 0.0f};
    for (int64_t k = 0; k < blocks; ++k) {
      int64_t blk = g * blocks + k;
      if (t->super) {
        super_scales(t, tile, k, D, d, zoff);
        gsum[0] = gsum[1] = 0.0f;
      }
      int8x16_t a0 = vld1q_s8(xa + blk * 32), a1 = vld1q_s8(xa + blk * 32 + 16);
      int8x16_t b0 = vld1q_s8(xb + blk * 32), b1 = vld1q_s8(xb + blk * 32 + 16);
      float dxa = da[blk], dxb = db[blk];
      gsum[0] += dxa * (float)sa[blk];
      gsum[1] += dxb * (float)sb[blk];
      for (int r = 0; r < 4; ++r) {
        int8x16_t w0, w1;
        load_block(t, vals, r, k, &w0, &w1);
        int32x4_t pa = dot32(vdupq_n_s32(0), w0, w1, a0, a1);
        int32x4_t pb = dot32(vdupq_n_s32(0), w0, w1, b0, b1);
        acc[0][r] = vfmaq_n_f32(acc[0][r], vcvtq_f32_s32(pa), d[r] * dxa);
        acc[1][r] = vfmaq_n_f32(acc[1][r], vcvtq_f32_s32(pb), d[r] * dxb);
      }
      if (t->super)
        for (int i = 0; i < 2; ++i)
          for (int r = 0; r < 4; ++r)
            corr[i][r] += d[r] * (float)zoff[r] * gsum[i];
    }
    if (!t->super)
      for (int i = 0; i < 2; ++i)
        for (int r = 0; r < 4; ++r)
          corr[i][r] += d[r] * (float)zoff[r] * gsum[i];
  }
  for (int i = 0; i < 2; ++i)
    for (int r = 0; r < 4; ++r)
      out[i][r] = vaddvq_f32(acc[i][r]) - corr[i][r];
}
#endif

#ifdef USE_I8MM
#define ROWS2_DOT 1
/* Two rows of x (s, s + 1) against the four rows of one block of tiles:
 * smmla multiplies a 2x8 block of x by the transpose of a 2x8 block of W,
 * four dot products per instruction; out[i][r] is x row s + i, W row r. */
DSC_INLINE void tile_rows2_dot(const qn_ctx *c, int64_t s,
                               const uint8_t *tiles, float out[2][4]) {
  const qtile_t *t = &c->t;
  int64_t blocks = t->G / 32, kb = c->K / 32;
  const int8_t *xa = c->xq + s * c->K, *xb = xa + c->K;
  const float *da = c->xd + s * kb, *db = da + kb;
  const int32_t *sa = c->xs + s * kb, *sb = sa + kb;
  /* Lanes: (s, r), (s, r + 1), (s + 1, r), (s + 1, r + 1) for r = 0, 2. */
  float32x4_t acc[2] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
  float corr[2][4] = {{0, 0, 0, 0}, {0, 0, 0, 0}};
  const uint8_t *tile = tiles;
  for (int64_t g = 0; g < t->groups; ++g, tile += t->tile) {
    float d[4], D[4];
    int zoff[4];
    for (int r = 0; r < 4; ++r) {
      d[r] = D[r] = qtile_scale(t, tile, r);
      zoff[r] = qtile_zero(t, tile, r) - DOT_OFFSET;
    }
    const uint8_t *vals = tile + t->valOff;
    float gsum[2] = {0.0f, 0.0f};
    for (int64_t k = 0; k < blocks; ++k) {
      int64_t blk = g * blocks + k;
      if (t->super) {
        super_scales(t, tile, k, D, d, zoff);
        gsum[0] = gsum[1] = 0.0f;
      }
      int8x16_t a0 = vld1q_s8(xa + blk * 32), a1 = vld1q_s8(xa + blk * 32 + 16);
      int8x16_t b0 = vld1q_s8(xb + blk * 32), b1 = vld1q_s8(xb + blk * 32 + 16);
      /* x's 8-column chunks of both rows, as smmla's first operand. */
      int8x16_t x[4] = {vcombine_s8(vget_low_s8(a0), vget_low_s8(b0)),
                        vcombine_s8(vget_high_s8(a0), vget_high_s8(b0)),
                        vcombine_s8(vget_low_s8(a1), vget_low_s8(b1)),
                        vcombine_s8(vget_high_s8(a1), vget_high_s8(b1))};
      float dxa = da[blk], dxb = db[blk];
      gsum[0] += dxa * (float)sa[blk];
      gsum[1] += dxb * (float)sb[blk];
      for (int p = 0; p < 2; ++p) {
        int8x16_t u0, u1, v0, v1;
        load_block(t, vals, 2 * p, k, &u0, &u1);
        load_block(t, vals, 2 * p + 1, k, &v0, &v1);
        int32x4_t m = vdupq_n_s32(0);
        m = vmmlaq_s32(m, x[0], vcombine_s8(vget_low_s8(u0), vget_low_s8(v0)));
        m = vmmlaq_s32(m, x[1], vcombine_s8(vget_high_s8(u0), vget_high_s8(v0)));
        m = vmmlaq_s32(m, x[2], vcombine_s8(vget_low_s8(u1), vget_low_s8(v1)));
        m = vmmlaq_s32(m, x[3], vcombine_s8(vget_high_s8(u1), vget_high_s8(v1)));
        float sc[4] = {d[2 * p] * dxa, d[2 * p + 1] * dxa, d[2 * p] * dxb,
                       d[2 * p + 1] * dxb};
        acc[p] = vfmaq_f32(acc[p], vcvtq_f32_s32(m), vld1q_f32(sc));
      }
      if (t->super)
        for (int i = 0; i < 2; ++i)
          for (int r = 0; r < 4; ++r)
            corr[i][r] += d[r] * (float)zoff[r] * gsum[i];
    }
    if (!t->super)
      for (int i = 0; i < 2; ++i)
        for (int r = 0; r < 4; ++r)
          corr[i][r] += d[r] * (float)zoff[r] * gsum[i];
  }
  float lane[2][4];
  vst1q_f32(lane[0], acc[0]);
  vst1q_f32(lane[1], acc[1]);
  for (int i = 0; i < 2; ++i)
    for (int r = 0; r < 4; ++r)
      out[i][r] = lane[r / 2][2 * i + r % 2] - corr[i][r];
}
#endif

static void qn_rows(void *ctx, int64_t begin, int64_t end) {
  const qn_ctx *c = (const qn_ctx *)ctx;
  const qtile_t *t = &c->t;
  /* Every row of x against one block of four weight rows before the next:
   * in a prompt the block stays in cache while the rows go by. */
  for (int64_t b = begin; b < end; ++b) {
    const uint8_t *tiles = c->w + (uint64_t)b * (uint64_t)t->groups * t->tile;
    int64_t s = 0;
#ifdef ROWS2_DOT
    for (; s + 2 <= c->S; s += 2) {
      float out2[2][4];
      tile_rows2_dot(c, s, tiles, out2);
      for (int i = 0; i < 2; ++i)
        for (int r = 0; r < 4; ++r)
          c->y[(s + i) * c->N + 4 * b + r] = out2[i][r];
    }
#endif
    for (; s < c->S; ++s) {
      float out[4];
      tile_row_dot(c, s, tiles, out);
      for (int r = 0; r < 4; ++r)
        c->y[s * c->N + 4 * b + r] = out[r];
    }
  }
}

/* Activations to int8 per 32-block: q = round(x * 127 / amax), ties to
 * even as the x86 kernels round. */
static void quantize_rows(const float *x, int64_t S, int64_t K, int8_t *q,
                          float *d, int32_t *sum) {
  for (int64_t s = 0; s < S; ++s)
    for (int64_t b = 0; b < K / 32; ++b) {
      const float *xb = x + s * K + b * 32;
      float32x4_t mx = vdupq_n_f32(0.0f);
      for (int i = 0; i < 32; i += 4)
        mx = vmaxq_f32(mx, vabsq_f32(vld1q_f32(xb + i)));
      float amax = vmaxvq_f32(mx);
      float32x4_t inv = vdupq_n_f32(amax > 0 ? 127.0f / amax : 0.0f);
      int8_t *qb = q + s * K + b * 32;
      int32x4_t total = vdupq_n_s32(0);
      for (int i = 0; i < 32; i += 8) {
        int32x4_t a = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(xb + i), inv));
        int32x4_t c = vcvtnq_s32_f32(vmulq_f32(vld1q_f32(xb + i + 4), inv));
        total = vaddq_s32(total, vaddq_s32(a, c));
        int16x8_t h = vcombine_s16(vqmovn_s32(a), vqmovn_s32(c));
        vst1_s8(qb + i, vqmovn_s16(h));
      }
      d[s * (K / 32) + b] = amax / 127.0f;
      sum[s * (K / 32) + b] = vaddvq_s32(total);
    }
}

void KNAME(const float *x, const uint8_t *w, float *y, int64_t S, int64_t K,
           int64_t N, int64_t G, int64_t flags) {
  if (G % 32 || K % 32) {
    dsc_linear_qf_t4_portable(x, w, y, S, K, N, G, BITS, flags);
    return;
  }
  qact_t a = qact_alloc(S, K);
  quantize_rows(x, S, K, a.q, a.d, a.sum);
  qn_ctx c = {a.q, a.d, a.sum, w, y, S, K, N, qtile_make(K, G, BITS, (int)flags)};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    qn_rows(&c, 0, N / 4);
  else
    dsc_parallel_for(N / 4, qn_rows, &c);
  qact_free(a);
}
