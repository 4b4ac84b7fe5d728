/*===- cuda_device.c - the CUDA driver, loaded at run time --------------===*
 *
 * Executables for the cuda-* targets are linked against the C library only:
 * the driver (libcuda.so.1) is opened with dlopen when the executable
 * starts, so that they build without CUDA and say plainly what is missing
 * on a machine without the driver or a GPU. The few driver entry points
 * used are declared here (their C signatures are CUDA's stable driver
 * API; the _v2 names are the 64-bit ones every driver since CUDA 4 has).
 *
 * The device code, PTX for the target's chip, is compiled by dsc into the
 * executable (dsc_cuda_ptx); the driver compiles it for the GPU when the
 * module is loaded, which checks it against the device. The weights are
 * copied to device memory once, with cuMemAlloc (no managed memory).
 *
 *===---------------------------------------------------------------------===*/
#include "cuda/device.h"
#include "dsc/model.h"
#include "exe/io.h"

#include <dlfcn.h>

typedef int CUresult;
typedef int CUdevice;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef unsigned long long CUdeviceptr;

/* The PTX modules the compiler put into the executable, each
 * NUL-terminated, then an empty one (compiler/pipeline/CUDAKernels.cpp). */
extern const char dsc_cuda_ptx[];
#define MAX_MODULES 64

static struct {
  CUresult (*init)(unsigned);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*deviceGetName)(char *, int, CUdevice);
  CUresult (*ctxCreate)(CUcontext *, unsigned, CUdevice);
  CUresult (*moduleLoadData)(CUmodule *, const void *);
  CUresult (*memAlloc)(CUdeviceptr *, size_t);
  CUresult (*memcpyHtoD)(CUdeviceptr, const void *, size_t);
  CUresult (*getErrorString)(CUresult, const char **);
} cu;

static struct {
  CUcontext ctx;
  CUmodule modules[MAX_MODULES];
  int nmodules;
  CUdeviceptr weights;
} dev;

/* "cuInit failed: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is
 * detected)". */
static int cu_fail(const char *call, CUresult rc) {
  const char *why = 0;
  if (cu.getErrorString)
    cu.getErrorString(rc, &why);
  return dsc_fail("%s failed with CUDA error %d%s%s%s", call, rc,
                  why ? " (" : "", why ? why : "", why ? ")" : "");
}

static int load_driver(void) {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return dsc_fail("cannot load the NVIDIA driver: %s (this executable "
                    "needs an NVIDIA GPU and its driver)",
                    dlerror());
  static const struct {
    const char *name;
    size_t offset;
  } syms[] = {
#define SYM(field, name) {name, __builtin_offsetof(__typeof__(cu), field)}
      SYM(init, "cuInit"),
      SYM(deviceGet, "cuDeviceGet"),
      SYM(deviceGetName, "cuDeviceGetName"),
      SYM(ctxCreate, "cuCtxCreate_v2"),
      SYM(moduleLoadData, "cuModuleLoadData"),
      SYM(memAlloc, "cuMemAlloc_v2"),
      SYM(memcpyHtoD, "cuMemcpyHtoD_v2"),
      SYM(getErrorString, "cuGetErrorString"),
#undef SYM
  };
  for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); ++i) {
    void *f = dlsym(lib, syms[i].name);
    if (!f)
      return dsc_fail("libcuda.so.1 has no %s: the NVIDIA driver is too old",
                      syms[i].name);
    __builtin_memcpy((char *)&cu + syms[i].offset, &f, sizeof(f));
  }
  return 0;
}

int dsc_device_start(const dsc_payload *pl) {
  if (load_driver())
    return 1;
  CUresult rc;
  CUdevice d;
  if ((rc = cu.init(0)))
    return cu_fail("cuInit", rc);
  if ((rc = cu.deviceGet(&d, 0)))
    return cu_fail("cuDeviceGet", rc);
  if ((rc = cu.ctxCreate(&dev.ctx, 0, d)))
    return cu_fail("cuCtxCreate", rc);
  for (const char *ptx = dsc_cuda_ptx; *ptx; ptx += __builtin_strlen(ptx) + 1) {
    if (dev.nmodules == MAX_MODULES)
      return dsc_fail("this executable has more than %d PTX modules",
                      MAX_MODULES);
    if ((rc = cu.moduleLoadData(&dev.modules[dev.nmodules++], ptx)))
      return cu_fail("cuModuleLoadData (the executable's PTX)", rc);
  }
  size_t bytes = pl->weights->size;
  if ((rc = cu.memAlloc(&dev.weights, bytes ? bytes : 1)))
    return cu_fail("cuMemAlloc (the weights)", rc);
  if (bytes &&
      (rc = cu.memcpyHtoD(dev.weights, pl->data + pl->weights->offset, bytes)))
    return cu_fail("cuMemcpyHtoD (the weights)", rc);
  char name[128] = "?";
  cu.deviceGetName(name, sizeof(name), d);
  dsc_eprintf("%s: note: %s holds the weights and the kernels; this build "
              "runs the forward pass on the CPU (docs/cuda.md)\n",
              dsc_prog, name);
  return 0;
}
