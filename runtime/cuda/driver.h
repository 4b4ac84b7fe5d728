/*===- driver.h - the CUDA driver, loaded at run time -------------*- C -*-===*
 *
 * One loader of libcuda.so.1 (dlopen, one table of entry points) for
 * everything that talks to the GPU: the executables' device set-up and
 * forward pass (cuda_device.c, cuda_forward.c), and MLIR's mgpu* calls that
 * the kernels' compiler-generated host code makes (driver.c). Nothing of
 * CUDA is needed at build or link time: the few driver entry points used
 * are declared here with CUDA's stable C signatures (the _v2 names are the
 * 64-bit ones every driver since CUDA 4 has).
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_RUNTIME_CUDA_DRIVER_H
#define DSC_RUNTIME_CUDA_DRIVER_H

#include <stddef.h>
#include <stdint.h>

typedef int CUresult;
typedef void *CUhandle; /* context, module, function, stream */
typedef unsigned long long CUdeviceptr;

typedef struct {
  CUresult (*init)(unsigned);
  CUresult (*deviceGet)(int *, int);
  CUresult (*deviceGetName)(char *, int, int);
  CUresult (*ctxCreate)(CUhandle *, unsigned, int);
  CUresult (*ctxSynchronize)(void);
  CUresult (*moduleLoadData)(CUhandle *, const void *);
  CUresult (*moduleUnload)(CUhandle);
  CUresult (*moduleGetFunction)(CUhandle *, CUhandle, const char *);
  CUresult (*launchKernel)(CUhandle, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUhandle, void **,
                           void **);
  CUresult (*streamCreate)(CUhandle *, unsigned);
  CUresult (*streamSynchronize)(CUhandle);
  CUresult (*streamDestroy)(CUhandle);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*memcpyDtoH)(void *, CUdeviceptr, size_t);
  CUresult (*memcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUhandle);
  CUresult (*memcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUhandle);
  CUresult (*memcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUhandle);
  CUresult (*getErrorString)(CUresult, const char **);
  /* CUDA graphs (driver 11.4 and later); NULL where the driver lacks them
   * or DSC_CUDA_GRAPH=0 (dsc_cu_graphs). */
  CUresult (*streamBeginCapture)(CUhandle, int);
  CUresult (*streamEndCapture)(CUhandle, CUhandle *);
  CUresult (*graphInstantiate)(CUhandle *, CUhandle, unsigned long long);
  CUresult (*graphLaunch)(CUhandle, CUhandle);
  CUresult (*graphDestroy)(CUhandle);
  CUresult (*graphExecDestroy)(CUhandle);
} dsc_cu_api;

/* The driver's entry points, valid once dsc_cu_start() returned 0. */
extern dsc_cu_api dsc_cu;

/* Loads the driver, creates a context and the one stream every launch and
 * copy goes to, and loads the PTX modules registered so far by
 * mgpuModuleLoadJIT (the kernels' start-up code). Idempotent; 0 on success,
 * else non-zero with the reason in dsc_mgpu_error(). */
int dsc_cu_start(void);

/* The stream of dsc_cu_start. */
CUhandle dsc_cu_stream(void);

/* Whether the graph entry points are there to use: the driver has them
 * and the environment does not say DSC_CUDA_GRAPH=0. */
int dsc_cu_graphs(void);

/* Records the failure of cu<Call> (`call` is the field of dsc_cu_api) (once:
 * the first failure is the one reported); returns 1. */
int dsc_cu_fail(const char *call, CUresult rc);

/* The first failure, or NULL. */
const char *dsc_mgpu_error(void);

/* The kernels launched so far (the decode profile counts them a step kind:
 * the fusions' effect, measured where the graph hides it). */
uint64_t dsc_mgpu_launches(void);

/* Executables: mgpuStreamSynchronize does nothing, so that the kernels'
 * generated host code enqueues its launches without waiting; the runtime
 * waits once, when it copies a result back. */
void dsc_mgpu_defer_sync(int on);

#endif
