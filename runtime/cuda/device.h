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

/* tokens[0 .. n) at positions pos..: the logits of the last n_out into
 * logits (rows x vocab), or, when greedy is not NULL, the index of the
 * largest logit of the last position into *greedy (only that crosses the
 * bus). 0, or 1 after an error. */
int dsc_device_forward(const int32_t *tokens, int64_t n, int64_t pos,
                       int64_t n_out, float *logits, int32_t *greedy);

#endif
