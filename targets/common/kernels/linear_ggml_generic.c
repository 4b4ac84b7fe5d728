/*===- linear_ggml_generic.c - weights in ggml's block formats -------------===*
 *
 * y = x W^T and embedding lookups for W stored as a GGUF file's blocks
 * (dsc/abi/quant_layout.h). Each block is decoded once per call into floats
 * (dsc/abi/ggml_decode.h, the compiler's decoder too) and used for every
 * activation row, so prefill pays the decoding once per weight, and the
 * result is the float product a dequantize-to-float reference computes.
 * Portable C, compiled for every target.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"

#include "dsc/abi/ggml_decode.h"

typedef struct {
  const float *x;
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
  unsigned type;
} ggml_ctx;

/* Eight partial sums, which the vectorizer keeps in one register. */
DSC_INLINE float ggml_dot(const float *a, const float *b, int64_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int64_t i = 0; i < n; i += 8)
    for (int j = 0; j < 8; ++j)
      acc[j] += a[i + j] * b[i + j];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
         ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

/* One body per format (`type` constant), so that its decoder is inlined
 * and specialized. */
DSC_INLINE void ggml_rows_of(const ggml_ctx *c, int64_t begin, int64_t end,
                             unsigned type) {
  float v[DSC_QK_K];
  unsigned elems = dsc_ggml_block_elems(type),
           bytes = dsc_ggml_block_bytes(type);
  int64_t blocks = c->K / elems;
  uint64_t rowBytes = (uint64_t)blocks * bytes;
  for (int64_t n = begin; n < end; ++n) {
    const uint8_t *row = c->w + (uint64_t)n * rowBytes;
    for (int64_t s = 0; s < c->S; ++s)
      c->y[s * c->N + n] = 0.0f;
    for (int64_t b = 0; b < blocks; ++b) {
      dsc_ggml_decode_block(type, row + (uint64_t)b * bytes, v);
      for (int64_t s = 0; s < c->S; ++s)
        c->y[s * c->N + n] += ggml_dot(c->x + s * c->K + b * elems, v, elems);
    }
  }
}

static void ggml_rows(void *ctx, int64_t begin, int64_t end) {
  const ggml_ctx *c = (const ggml_ctx *)ctx;
  switch (c->type) {
#define DSC_GGML_ROWS(T)                                                       \
  case T:                                                                      \
    ggml_rows_of(c, begin, end, T);                                            \
    return;
    DSC_GGML_ROWS(DSC_GGML_TYPE_Q2_K)
    DSC_GGML_ROWS(DSC_GGML_TYPE_Q3_K)
    DSC_GGML_ROWS(DSC_GGML_TYPE_Q4_K)
    DSC_GGML_ROWS(DSC_GGML_TYPE_Q5_K)
    DSC_GGML_ROWS(DSC_GGML_TYPE_Q6_K)
    DSC_GGML_ROWS(DSC_GGML_TYPE_IQ4_NL)
    DSC_GGML_ROWS(DSC_GGML_TYPE_IQ4_XS)
#undef DSC_GGML_ROWS
  default:
    ggml_rows_of(c, begin, end, c->type);
  }
}

DSC_GENERIC void DSC_UK(linear_ggml)(const float *x, const uint8_t *w, float *y,
                                     int64_t S, int64_t K, int64_t N,
                                     int64_t type) {
  ggml_ctx c = {x, w, y, S, K, N, (unsigned)type};
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    ggml_rows(&c, 0, N);
  else
    dsc_parallel_for(N, ggml_rows, &c);
}

DSC_GENERIC void DSC_UK(embedding_ggml)(const uint8_t *w, const int32_t *ids,
                                        float *out, int64_t S, int64_t K,
                                        int64_t type) {
  unsigned elems = dsc_ggml_block_elems((unsigned)type);
  unsigned bytes = dsc_ggml_block_bytes((unsigned)type);
  uint64_t rowBytes = (uint64_t)(K / elems) * bytes;
  for (int64_t s = 0; s < S; ++s) {
    const uint8_t *row = w + (uint64_t)ids[s] * rowBytes;
    for (int64_t b = 0; b < K / elems; ++b)
      dsc_ggml_decode_block((unsigned)type, row + (uint64_t)b * bytes,
                            out + s * K + b * elems);
  }
}
