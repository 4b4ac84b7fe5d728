/*===- linear_q_generic.c - quantized weights, float accumulation ----------===*
 *
 * y = x W^T for W in the tiled quantized layout, any group size: per group,
 * sum x * u for each row, and once sum x, so that
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

static void qf_rows(void *ctx, int64_t begin, int64_t end) {
  const qf_ctx *c = (const qf_ctx *)ctx;
  const qtile_t *t = &c->t;
  for (int64_t b = begin; b < end; ++b)
    for (int64_t s = 0; s < c->S; ++s) {
      const float *x = c->x + s * c->K;
      float acc[4] = {0, 0, 0, 0};
      const uint8_t *tile = c->w + (uint64_t)b * (uint64_t)t->groups * t->tile;
      int64_t sg = qtile_scale_cols(t);
      for (int64_t g = 0; g < t->groups; ++g, tile += t->tile)
        for (int64_t k = 0; k < t->G / sg; ++k) {
          /* Per scale group: with two levels, each 32 columns of a tile. */
          const float *xg = x + g * t->G + k * sg;
          float xs = 0.0f;
          for (int64_t j = 0; j < sg; ++j)
            xs += xg[j];
          for (int r = 0; r < 4; ++r) {
            float dot = 0.0f;
            for (int64_t j = 0; j < sg; ++j)
              dot += xg[j] * (float)qtile_value(t, tile, r, k * sg + j);
            acc[r] += qtile_block_scale(t, tile, r, k) *
                      (dot - (float)qtile_block_zero(t, tile, r, k) * xs);
          }
        }
      for (int r = 0; r < 4; ++r)
        c->y[s * c->N + 4 * b + r] = acc[r];
    }
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
