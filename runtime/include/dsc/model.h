/*===- model.h - the interface between generated code and the runtime -*- C -*-===*
 *
 * dsc-codegen-lower emits `dsc_forward` (through MLIR's C interface,
 * `_mlir_ciface_dsc_forward`) and the constant array `dsc_model_desc`.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_MODEL_H
#define DSC_MODEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Indices into dsc_model_desc. */
enum {
  DSC_DESC_VERSION = 0,
  DSC_DESC_VOCAB = 1,
  DSC_DESC_DIM = 2,
  DSC_DESC_LAYERS = 3,
  DSC_DESC_HEADS = 4,
  DSC_DESC_KV_HEADS = 5,
  DSC_DESC_HEAD_DIM = 6,
  DSC_DESC_MAX_SEQ = 7,
  DSC_DESC_WEIGHTS_SIZE = 8,
  DSC_DESC_MODEL_ID = 9,
  DSC_DESC_COUNT = 16
};

extern const int64_t dsc_model_desc[DSC_DESC_COUNT];

/* MLIR's memref descriptors for ranks 1 and 2. */
typedef struct {
  void *allocated, *aligned;
  int64_t offset, size, stride;
} dsc_memref1;

typedef struct {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} dsc_memref2;

/* Runs the model on tokens[0 .. n) at positions pos .. pos + n - 1, storing
 * their keys and values in the cache ([layers][2][kv_heads][ctx][head_dim]
 * floats), and writes the logits of the last n_out tokens. */
void _mlir_ciface_dsc_forward(dsc_memref1 *weights, dsc_memref1 *tokens,
                              int64_t pos, int64_t n_out, dsc_memref1 *cache,
                              dsc_memref2 *logits);

/* Called by calibration builds (dsc.observe) with the rows x cols floats an
 * observation point sees. The runtime writes each call to the --observe
 * file as three little-endian int64 (id, rows, cols) and then the floats. */
void dsc_rt_observe(int64_t id, const float *x, int64_t rows, int64_t cols);

#ifdef __cplusplus
}
#endif

#endif /* DSC_MODEL_H */
