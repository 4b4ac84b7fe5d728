/*===- device.h - the accelerator of an executable, if it has one -------===*
 *
 * Executables for a GPU target (docs/cuda.md) open the device before they
 * run the model: runtime/cuda/cuda_device.c loads the CUDA driver at run
 * time and the device code compiled into the executable, and sets up the
 * forward pass on the device (cuda_forward.c). CPU executables link
 * device_none.c, where no forward pass is on a device.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_RUNTIME_CUDA_DEVICE_H
#define DSC_RUNTIME_CUDA_DEVICE_H

#include "exe/load.h"

/* Opens the device and gives it the payload's weights; 0 on success, else
 * non-zero after a one-line error naming what failed. */
int dsc_device_start(const dsc_payload *pl);

/* Whether the forward pass runs on the device (else dsc_forward on the
 * CPU). */
bool dsc_device_forward_active(void);

/* The KV cache and tables for `positions` positions; 0, or 1 after an
 * error. Does nothing when the forward pass is not on the device. */
int dsc_device_reserve(int64_t positions);

/* Sampling on the device (targets/cuda/kernels/sample.mlir), the
 * kernel's parameters: the sampler's settings (top-k as a float) and the
 * coin the host drew from the sampler's generator for this token, as
 * dsc_sample would. */
typedef struct {
  float temperature, top_p, top_k, coin;
} dsc_device_sampling;

/* The largest top-k the device samples with. */
#define DSC_DEVICE_TOP_K 64

/* Whether the device samples with these settings as dsc_sample does:
 * temperature above 0 and top-k on (1 to DSC_DEVICE_TOP_K, below the
 * vocabulary). Otherwise the logits come back to the CPU's sampler. */
static inline bool dsc_device_can_sample(float temperature, int64_t top_k,
                                         int64_t vocab) {
  return temperature > 0.0f && top_k > 0 && top_k <= DSC_DEVICE_TOP_K &&
         top_k < vocab;
}

/* tokens[0 .. n) at positions pos..: the logits of the last n_out into
 * logits (rows x vocab), or, when next is not NULL, the next token after
 * the last position into *next (only that crosses the bus): its largest
 * logit's index, or, with sampling, drawn with those settings. 0, or 1
 * after an error. */
int dsc_device_forward(const int32_t *tokens, int64_t n, int64_t pos,
                       int64_t n_out, float *logits, int32_t *next,
                       const dsc_device_sampling *sampling);

#endif
