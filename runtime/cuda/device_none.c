/*===- device_none.c - executables without an accelerator ---------------===*/
#include "cuda/device.h"

int dsc_device_start(const dsc_payload *pl) { return 0; }

bool dsc_device_forward_active(void) { return false; }

int dsc_device_reserve(int64_t positions) { return 0; }

int dsc_device_forward(const int32_t *tokens, int64_t n, int64_t pos,
                       int64_t n_out, float *logits, int32_t *next,
                       const dsc_device_sampling *sampling) {
  return 1;
}
