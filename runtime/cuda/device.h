/*===- device.h - the accelerator of an executable, if it has one -------===*
 *
 * Executables for a GPU target (docs/cuda.md) open the device before they
 * run the model: runtime/cuda/cuda_device.c loads the CUDA driver at run
 * time, loads the device code compiled into the executable and copies the
 * weights to device memory once. CPU executables link device_none.c.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_RUNTIME_CUDA_DEVICE_H
#define DSC_RUNTIME_CUDA_DEVICE_H

#include "exe/load.h"

/* Opens the device and gives it the payload's weights; 0 on success, else
 * non-zero after a one-line error naming what failed. */
int dsc_device_start(const dsc_payload *pl);

#endif
