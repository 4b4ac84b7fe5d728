/*===- model.h - the interface between generated code and the runtime -*- C -*-===*
 *
 * dsc-codegen-lower emits `dsc_forward` (through MLIR's C interface,
 * `_mlir_ciface_dsc_forward`) and the descriptor `dsc_model_desc`
 * (dsc/abi/model_desc.h).
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_MODEL_H
#define DSC_MODEL_H

#include "dsc/abi/kernels.h"
#include "dsc/abi/kv_cache.h"
#include "dsc/abi/model_desc.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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
 * their keys and values in the cache (dsc/abi/kv_cache.h), and writes the
 * logits of the last n_out tokens. */
void _mlir_ciface_dsc_forward(dsc_memref1 *weights, dsc_memref1 *tokens,
                              int64_t pos, int64_t n_out, dsc_memref1 *cache,
                              dsc_memref2 *logits);

/* Calibration builds call the runtime entry DSC_RT(observe)
 * (dsc/abi/kernels.def), which writes what it sees to the --observe file as
 * the records of dsc/abi/observe.h. */

#ifdef __cplusplus
}
#endif

#endif /* DSC_MODEL_H */
