/*===- mgpu.c - MLIR's GPU runtime calls on a driver loaded at run time -===*
 *
 * Host code that MLIR's gpu-to-llvm lowering emits for gpu.launch_func
 * calls mgpuModuleLoadJIT, mgpuModuleGetFunction, mgpuLaunchKernel and the
 * stream functions (the ABI of MLIR's CudaRuntimeWrappers). This file
 * implements them on libcuda.so.1 opened with dlopen, so that the CUDA
 * kernels' host side runs with nothing of CUDA at build time; with
 * dsc_mgpu_alloc/copy/free/error for test programs (scripts/gpu-check.sh,
 * test/lib/check_cuda_kernels.py --device). Hosted C (libc's dlopen).
 *
 * MLIR's wrappers return nothing from these calls: a failure is recorded
 * (dsc_mgpu_error) and later calls do nothing, so that the caller reports
 * it once.
 *
 *===---------------------------------------------------------------------===*/
#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int CUresult;
typedef void *CUhandle;
typedef unsigned long long CUdeviceptr;

static struct {
  CUresult (*init)(unsigned);
  CUresult (*deviceGet)(int *, int);
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
  CUresult (*getErrorString)(CUresult, const char **);
} cu;

static char error[512];
static int ready;

static int fail(const char *call, CUresult rc) {
  if (!error[0]) {
    const char *why = 0;
    if (cu.getErrorString)
      cu.getErrorString(rc, &why);
    snprintf(error, sizeof(error), "%s failed with CUDA error %d%s%s%s", call,
             rc, why ? " (" : "", why ? why : "", why ? ")" : "");
  }
  return 1;
}

#define CALL(f, ...)                                                           \
  ((!error[0] && (rc = cu.f(__VA_ARGS__))) ? fail(#f, rc) : (error[0] != 0))

static int start(void) {
  if (ready || error[0])
    return error[0] != 0;
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    snprintf(error, sizeof(error), "cannot load the NVIDIA driver: %s",
             dlerror());
    return 1;
  }
  static const struct {
    const char *name;
    size_t offset;
  } syms[] = {
#define SYM(field, name) {name, offsetof(__typeof__(cu), field)}
      SYM(init, "cuInit"),
      SYM(deviceGet, "cuDeviceGet"),
      SYM(ctxCreate, "cuCtxCreate_v2"),
      SYM(ctxSynchronize, "cuCtxSynchronize"),
      SYM(moduleLoadData, "cuModuleLoadData"),
      SYM(moduleUnload, "cuModuleUnload"),
      SYM(moduleGetFunction, "cuModuleGetFunction"),
      SYM(launchKernel, "cuLaunchKernel"),
      SYM(streamCreate, "cuStreamCreate"),
      SYM(streamSynchronize, "cuStreamSynchronize"),
      SYM(streamDestroy, "cuStreamDestroy_v2"),
      SYM(memAlloc, "cuMemAlloc_v2"),
      SYM(memFree, "cuMemFree_v2"),
      SYM(memcpyHtoD, "cuMemcpyHtoD_v2"),
      SYM(memcpyDtoH, "cuMemcpyDtoH_v2"),
      SYM(getErrorString, "cuGetErrorString"),
#undef SYM
  };
  for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); ++i) {
    void *f = dlsym(lib, syms[i].name);
    if (!f) {
      snprintf(error, sizeof(error), "libcuda.so.1 has no %s", syms[i].name);
      return 1;
    }
    memcpy((char *)&cu + syms[i].offset, &f, sizeof(f));
  }
  CUresult rc;
  int dev;
  CUhandle ctx;
  if (CALL(init, 0) || CALL(deviceGet, &dev, 0) ||
      CALL(ctxCreate, &ctx, 0, dev))
    return 1;
  ready = 1;
  return 0;
}

const char *dsc_mgpu_error(void) { return error[0] ? error : 0; }

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  CUhandle m = 0;
  CUresult rc;
  if (start() || CALL(moduleLoadData, &m, data))
    return 0;
  return m;
}

void mgpuModuleUnload(void *module) {
  /* At exit, after a failure or without a driver: nothing was loaded. */
  if (ready && module)
    cu.moduleUnload(module);
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  CUhandle f = 0;
  CUresult rc;
  if (start() || !module || CALL(moduleGetFunction, &f, module, name))
    return 0;
  return f;
}

void *mgpuStreamCreate(void) {
  CUhandle s = 0;
  CUresult rc;
  if (start() || CALL(streamCreate, &s, 0))
    return 0;
  return s;
}

void mgpuStreamSynchronize(void *stream) {
  CUresult rc;
  if (stream)
    CALL(streamSynchronize, stream);
}

void mgpuStreamDestroy(void *stream) {
  if (ready && stream)
    cu.streamDestroy(stream);
}

void mgpuLaunchKernel(void *function, intptr_t gx, intptr_t gy, intptr_t gz,
                      intptr_t bx, intptr_t by, intptr_t bz, int32_t smem,
                      void *stream, void **params, void **extra,
                      size_t paramsCount) {
  CUresult rc;
  if (!function || !stream) /* the failure is recorded already */
    return;
  CALL(launchKernel, function, (unsigned)gx, (unsigned)gy, (unsigned)gz,
       (unsigned)bx, (unsigned)by, (unsigned)bz, (unsigned)smem, stream, params,
       extra);
}

/* Device memory for test programs; 0 on failure (see dsc_mgpu_error). */
uint64_t dsc_mgpu_alloc(size_t bytes) {
  CUdeviceptr p = 0;
  CUresult rc;
  if (start() || CALL(memAlloc, &p, bytes ? bytes : 1))
    return 0;
  return p;
}

int dsc_mgpu_copy_in(uint64_t dst, const void *src, size_t bytes) {
  CUresult rc;
  return start() || CALL(memcpyHtoD, dst, src, bytes);
}

int dsc_mgpu_copy_out(void *dst, uint64_t src, size_t bytes) {
  CUresult rc;
  return start() || CALL(ctxSynchronize) || CALL(memcpyDtoH, dst, src, bytes);
}

void dsc_mgpu_free(uint64_t p) {
  if (ready && p)
    cu.memFree(p);
}
