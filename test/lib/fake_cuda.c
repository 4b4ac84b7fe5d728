/*===- fake_cuda.c - a CUDA driver that runs the kernels on the host ----===*
 *
 * For the tests without a GPU (test/lit/targets/cuda/fake-driver.test):
 * built with the kernels' host forms (dsc-cuda-lower format=cpu) into a
 * libcuda.so.1 that the test puts on LD_LIBRARY_PATH. Device memory is
 * host memory (cuMemAlloc is malloc, copies are memcpy); a module is its
 * PTX text; cuModuleGetFunction finds the `.entry NAME(` in it and the host
 * form NAME_dsc_launch in this library; cuLaunchKernel runs it at once with
 * the launch's grid, block and parameters, every block and thread in turn.
 * DSC_FAKE_CUDA_LOG=FILE appends one line per launch (the kernel, grid and
 * block). Only the calls dsc's runtime makes exist.
 *
 *===---------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;
enum { OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, NOT_FOUND = 500 };

typedef struct {
  void (*launch)(void **params, int64_t *dims);
  char name[128];
} function;

static FILE *log_file(void) {
  static FILE *f;
  static int opened;
  if (!opened) {
    opened = 1;
    const char *path = getenv("DSC_FAKE_CUDA_LOG");
    f = path ? fopen(path, "a") : 0;
  }
  return f;
}

CUresult cuInit(unsigned flags) { return OK; }
CUresult cuDeviceGet(int *d, int ordinal) {
  *d = 0;
  return OK;
}
CUresult cuDeviceGetName(char *name, int len, int d) {
  snprintf(name, (size_t)len, "the fake CUDA driver (host)");
  return OK;
}
CUresult cuCtxCreate_v2(void **ctx, unsigned flags, int d) {
  *ctx = (void *)1;
  return OK;
}
CUresult cuCtxSynchronize(void) { return OK; }
CUresult cuModuleLoadData(void **m, const void *ptx) {
  *m = (void *)ptx;
  return OK;
}
CUresult cuModuleUnload(void *m) { return OK; }

CUresult cuModuleGetFunction(void **f, void *module, const char *name) {
  char entry[160];
  snprintf(entry, sizeof(entry), ".entry %s(", name);
  if (!strstr((const char *)module, entry))
    return NOT_FOUND;
  Dl_info self;
  void *lib = 0;
  if (dladdr((void *)cuModuleGetFunction, &self))
    lib = dlopen(self.dli_fname, RTLD_NOW | RTLD_NOLOAD);
  char sym[160];
  snprintf(sym, sizeof(sym), "%s_dsc_launch", name);
  void *fn = lib ? dlsym(lib, sym) : 0;
  if (!fn)
    return NOT_FOUND;
  function *h = calloc(1, sizeof(function));
  if (!h)
    return OUT_OF_MEMORY;
  memcpy(&h->launch, &fn, sizeof(fn));
  snprintf(h->name, sizeof(h->name), "%s", name);
  *f = h;
  return OK;
}

CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *stream, void **params, void **extra) {
  function *h = f;
  if (!h || extra)
    return INVALID_VALUE;
  int64_t dims[6] = {gx, gy, gz, bx, by, bz};
  if (log_file())
    fprintf(log_file(), "%s %u %u %u %u %u %u\n", h->name, gx, gy, gz, bx, by,
            bz);
  h->launch(params, dims);
  return OK;
}

CUresult cuStreamCreate(void **s, unsigned flags) {
  *s = (void *)2;
  return OK;
}
CUresult cuStreamSynchronize(void *s) { return OK; }
CUresult cuStreamDestroy_v2(void *s) { return OK; }

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  void *m = calloc(1, bytes);
  *p = (CUdeviceptr)(uintptr_t)m;
  return m ? OK : OUT_OF_MEMORY;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  free((void *)(uintptr_t)p);
  return OK;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) {
  memcpy((void *)(uintptr_t)d, s, n);
  return OK;
}
CUresult cuMemcpyDtoH_v2(void *d, CUdeviceptr s, size_t n) {
  memcpy(d, (const void *)(uintptr_t)s, n);
  return OK;
}
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n,
                              void *st) {
  return cuMemcpyHtoD_v2(d, s, n);
}
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n,
                              void *st) {
  memmove((void *)(uintptr_t)d, (const void *)(uintptr_t)s, n);
  return OK;
}
CUresult cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, void *st) {
  return cuMemcpyDtoH_v2(d, s, n);
}
CUresult cuGetErrorString(CUresult rc, const char **s) {
  *s = rc == NOT_FOUND ? "CUDA_ERROR_NOT_FOUND" : "fake driver error";
  return OK;
}
