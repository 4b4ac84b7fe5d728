/*===- linear_q_generic.c - quantized weights, float accumulation ----------===*
 *
 * y = x W^T for W in the tiled quantized layout, any group size: per
 * 32-column block (or the rest of a group), sum x * u for each row, and
 * once sum x, so that
 *   y += d * (sum x u - z sum x).
 * Portable C; ISA-specific integer kernels call it for shapes they do not
 * handle.
 *
 *===---------------------------------------------------------------------===*/
#include "quant_tile.h"

typedef struct {
  const float *x;
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
  qtile_t t;
} qf_ctx;

/* Up to 32 stored values of one row from p (`bits` a constant where
 * inlined: 8, else one 32-column block) as floats. */
__attribute__((always_inline)) static inline void
qf_unpack(const uint8_t *p, const int bits, int n, float *v) {
  if (bits == 8) {
    for (int i = 0; i < n; ++i)
      v[i] = (float)p[i];
  } else if (bits == 4) { /* dsc_qblock_value's nibbles, as vectors */
    for (int i = 0; i < 16; ++i) {
      v[i] = (float)(p[i] & 15);
      v[i + 16] = (float)(p[i] >> 4);
    }
  } else {
    for (int i = 0; i < 32; ++i)
      v[i] = (float)dsc_qblock_value(p, (unsigned)bits, (unsigned)i);
  }
}

/* sum x[i] * v[i] over n <= 32 in eight running sums, which the compiler
 * can keep in vectors (a float sum in one running total cannot be
 * reordered into lanes). */
__attribute__((always_inline)) static inline float
qf_dot(const float *x, const float *v, const int n) {
  float p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; ++l)
      p[l] += x[i + l] * v[i + l];
  for (; i < n; ++i)
    p[0] += x[i] * v[i];
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

/* Tiles [begin, end): each 32-column block (fewer at the end of an 8-bit
 * group that is not a multiple of 32) of a tile's four rows unpacked once
 * to floats and taken by every row of x, as d * (sum x u - z sum x). The
 * unpacking was once per value and row of x, through qtile_value; this
 * order lets the compiler vectorize both loops (TinyLlama int4:group=32,
 * --target x86_64: 0.6 tokens/s before). */
__attribute__((always_inline)) static inline void
qf_tiles(const qf_ctx *c, int64_t begin, int64_t end, const int bits,
         const int whole) {
  const qtile_t *t = &c->t;
  const int64_t bb = bits == 8 ? 32 : 4 * bits; /* bytes of 32 values */
  float v[4][32], ones[32];
  for (int i = 0; i < 32; ++i)
    ones[i] = 1.0f;
  for (int64_t b = begin; b < end; ++b) {
    for (int64_t s = 0; s < c->S; ++s)
      for (int r = 0; r < 4; ++r)
        c->y[s * c->N + 4 * b + r] = 0.0f;
    const uint8_t *tile = c->w + (uint64_t)b * (uint64_t)t->groups * t->tile;
    for (int64_t g = 0; g < t->groups; ++g, tile += t->tile)
      for (int64_t k = 0; k * 32 < t->G; ++k) {
        /* whole: G a multiple of 32 (every width but 8's), a constant. */
        const int n =
            whole ? 32 : (int)(t->G - k * 32 < 32 ? t->G - k * 32 : 32);
        float d[4], z[4];
        for (int r = 0; r < 4; ++r) {
          qf_unpack(tile + t->valOff + (uint64_t)r * t->rowBytes + k * bb, bits,
                    n, v[r]);
          d[r] = qtile_block_scale(t, tile, r, k);
          z[r] = (float)qtile_block_zero(t, tile, r, k);
        }
        for (int64_t s = 0; s < c->S; ++s) {
          const float *x = c->x + s * c->K + g * t->G + k * 32;
          float xs = qf_dot(x, ones, n);
          float *y = c->y + s * c->N + 4 * b;
          for (int r = 0; r < 4; ++r)
            y[r] += d[r] * (qf_dot(x, v[r], n) - z[r] * xs);
        }
      }
  }
}

static void qf_rows(void *ctx, int64_t begin, int64_t end) {
  const qf_ctx *c = (const qf_ctx *)ctx;
#if !defined(__AVX2__) && !defined(__ARM_NEON)
  /* Where this is the quantized kernel (--target x86_64), the widths the
   * default schemes write specialized; elsewhere, the fallback of the ISA
   * kernels (groups not of 32s), one general copy (the three were 18 KiB
   * of code). */
  if (c->t.bits == 4) {
    qf_tiles(c, begin, end, 4, 1);
    return;
  }
  if (c->t.bits == 8 && c->t.G % 32 == 0) {
    qf_tiles(c, begin, end, 8, 1);
    return;
  }
#endif
  qf_tiles(c, begin, end, c->t.bits, 0);
}

void dsc_linear_qf_t4_portable(const float *x, const uint8_t *w, float *y,
                         int64_t S, int64_t K, int64_t N, int64_t G,
                         int64_t bits, int64_t flags) {
  qf_ctx c = {x, w, y, S, K, N, qtile_make(K, G, (int)bits, (int)flags)};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    qf_rows(&c, 0, N / 4);
  else
    dsc_parallel_for(N / 4, qf_rows, &c);
}

DSC_GENERIC void DSC_UK(linear_q8_t4)(const float *x, const uint8_t *w,
                                     float *y, int64_t S, int64_t K,
                                     int64_t N, int64_t G, int64_t flags) {
  dsc_linear_qf_t4_portable(x, w, y, S, K, N, G, 8, flags);
}

DSC_GENERIC void DSC_UK(linear_q4_t4)(const float *x, const uint8_t *w,
                                     float *y, int64_t S, int64_t K,
                                     int64_t N, int64_t G, int64_t flags) {
  dsc_linear_qf_t4_portable(x, w, y, S, K, N, G, 4, flags);
}

/* The narrower widths (quant_layout.h's dsc_qblock*). */
#define DSC_QF_WIDTH(b)                                                        \
  DSC_GENERIC void DSC_UK(linear_q##b##_t4)(                                   \
      const float *x, const uint8_t *w, float *y, int64_t S, int64_t K,        \
      int64_t N, int64_t G, int64_t flags) {                                   \
    dsc_linear_qf_t4_portable(x, w, y, S, K, N, G, b, flags);                  \
  }
DSC_QF_WIDTH(2)
DSC_QF_WIDTH(3)
DSC_QF_WIDTH(5)
DSC_QF_WIDTH(6)

/* Embedding rows from a quantized table. */
DSC_GENERIC void DSC_UK(embedding_q_t4)(const uint8_t *w, const int32_t *ids,
                                       float *out, int64_t S, int64_t K,
                                       int64_t G, int64_t bits,
                                       int64_t flags) {
  qtile_t t = qtile_make(K, G, (int)bits, (int)flags);
  for (int64_t s = 0; s < S; ++s) {
    int64_t id = ids[s], b = id / 4;
    int r = (int)(id % 4);
    const uint8_t *tile = w + (uint64_t)b * (uint64_t)t.groups * t.tile;
    int64_t sg = qtile_scale_cols(&t);
    for (int64_t g = 0; g < t.groups; ++g, tile += t.tile)
      for (int64_t j = 0; j < G; ++j) {
        float d = qtile_block_scale(&t, tile, r, j / sg);
        int z = qtile_block_zero(&t, tile, r, j / sg);
        out[s * K + g * G + j] = d * (float)(qtile_value(&t, tile, r, j) - z);
      }
  }
}

/* Row-interleaved int4:group=32 blocks (quant_layout.h's DSC_QR16_*), in
 * float: per block and row, d * (sum x u - 8 sum x). */
typedef struct {
  const float *x;
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
} qr16_ctx;

static void qr16_bands(void *ctx, int64_t begin, int64_t end) {
  const qr16_ctx *c = (const qr16_ctx *)ctx;
  int64_t kb = c->K / DSC_QR16_COLS;
  for (int64_t b = begin; b < end; ++b)
    for (int64_t s = 0; s < c->S; ++s) {
      float acc[DSC_QR16_ROWS] = {0};
      const uint8_t *blk =
          c->w + (uint64_t)b * (uint64_t)kb * DSC_QR16_BLOCK_BYTES;
      for (int64_t g = 0; g < kb; ++g, blk += DSC_QR16_BLOCK_BYTES) {
        const float *xg = c->x + s * c->K + g * DSC_QR16_COLS;
        float xs = 0.0f;
        for (unsigned j = 0; j < DSC_QR16_COLS; ++j)
          xs += xg[j];
        for (unsigned r = 0; r < DSC_QR16_ROWS; ++r) {
          float dot = 0.0f;
          for (unsigned j = 0; j < DSC_QR16_COLS; ++j)
            dot += xg[j] * (float)dsc_qr16_value(blk, r, j);
          float d =
              dsc_f16_to_f32((uint16_t)(blk[2 * r] | (blk[2 * r + 1] << 8)));
          acc[r] += d * (dot - 8.0f * xs);
        }
      }
      for (unsigned r = 0; r < DSC_QR16_ROWS; ++r)
        c->y[s * c->N + DSC_QR16_ROWS * b + r] = acc[r];
    }
}

DSC_GENERIC void DSC_UK(linear_q4_r16)(const float *x, const uint8_t *w,
                                       float *y, int64_t S, int64_t K,
                                       int64_t N) {
  qr16_ctx c = {x, w, y, S, K, N};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    qr16_bands(&c, 0, N / DSC_QR16_ROWS);
  else
    dsc_parallel_for(N / DSC_QR16_ROWS, qr16_bands, &c);
}
