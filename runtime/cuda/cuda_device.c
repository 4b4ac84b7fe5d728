/*===- cuda_device.c - the GPU of a CUDA executable ----------------------===*
 *
 * Executables for the cuda-* targets are linked against the C library only:
 * the driver (libcuda.so.1) is opened with dlopen when the executable
 * starts (runtime/cuda/driver.c), so that they build without CUDA and say
 * plainly what is missing on a machine without the driver or a GPU. The
 * device code, PTX for the target's chip, is compiled by dsc into the
 * executable; the driver compiles it for the GPU when the module is loaded,
 * which checks it against the device. Then the forward pass is set up on
 * the device (cuda_forward.c): weights copied once with cuMemAlloc (no
 * managed memory).
 *
 *===---------------------------------------------------------------------===*/
#include "cuda/device.h"
#include "cuda/driver.h"
#include "dsc/sys.h"
#include "exe/io.h"

int dsc_cuda_forward_start(const uint8_t *blob); /* cuda_forward.c */

int dsc_device_start(const dsc_payload *pl) {
  /* Launches are enqueued; the runtime waits when it reads a result. */
  dsc_mgpu_defer_sync(1);
  if (dsc_cu_start())
    return dsc_fail("%s", dsc_mgpu_error());
  double t0 = dsc_sys_now();
  if (dsc_cuda_forward_start(pl->data + pl->weights->offset))
    return 1;
  if (dsc_device_forward_active()) {
    char name[128] = "?";
    int d = 0;
    dsc_cu.deviceGet(&d, 0);
    dsc_cu.deviceGetName(name, sizeof(name), d);
    /* The set-up's time: the weights' copy from the payload (bench/gpu.py
     * reports it). */
    dsc_eprintf("%s: note: the forward pass runs on %s (weights on the "
                "device in %.2f s)\n",
                dsc_prog, name, dsc_sys_now() - t0);
  }
  return 0;
}
