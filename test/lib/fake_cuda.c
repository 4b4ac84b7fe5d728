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
 * block) and per copy to the host (`cuMemcpyDtoH BYTES`). Only the calls
 * dsc's runtime makes exist.
 *
 * Graphs: while a stream captures, launches and device-to-device copies are
 * recorded, not run (a launch's parameter values copied by the sizes
 * NAME_dsc_param_bytes gives), and any other copy fails as on a GPU;
 * cuGraphLaunch runs the recorded work in order and logs
 * `cuGraphLaunch NODES`, then each launch as above.
 * DSC_FAKE_CUDA_REFUSE_CAPTURE=1 makes cuStreamBeginCapture fail, as a
 * driver that cannot capture.
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
  const int32_t *paramBytes; /* each parameter's size, then 0 */
  char name[128];
} function;

/* A recorded launch (fn set) or device-to-device copy. */
typedef struct {
  function *fn;
  unsigned dims[6];
  unsigned char *values; /* the parameters' values, 8 bytes apart */
  CUdeviceptr dst, src;
  size_t bytes;
} node;

typedef struct {
  node *nodes;
  size_t n;
} graph;

static graph *capturing; /* the graph a stream records into, or 0 */

/* A zeroed node at the end of g's, or 0 out of memory. */
static node *append_node(graph *g) {
  node *nodes = realloc(g->nodes, (g->n + 1) * sizeof(node));
  if (!nodes)
    return 0;
  g->nodes = nodes;
  memset(&nodes[g->n], 0, sizeof(node));
  return &nodes[g->n++];
}

/* The parameters a kernel takes (NAME_dsc_param_bytes, 0-terminated). */
static size_t param_count(const function *h) {
  size_t count = 0;
  while (h->paramBytes[count])
    ++count;
  return count;
}

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
/* What bench/gpu.py asks: compute capability 9.0 (attributes 75 and 76),
 * one multiprocessor; the memory clock and bus width (36, 37) unknown. */
CUresult cuDeviceGetAttribute(int *v, int attr, int d) {
  *v = attr == 75 ? 9 : attr == 16 ? 1 : 0;
  return OK;
}
CUresult cuDeviceTotalMem_v2(size_t *bytes, int d) {
  *bytes = (size_t)1 << 30;
  return OK;
}
CUresult cuCtxCreate_v2(void **ctx, unsigned flags, int d) {
  *ctx = (void *)1;
  return OK;
}
/* What a GPU refuses while a stream captures (unsupported during capture). */
enum { STREAM_CAPTURE_UNSUPPORTED = 900 };
#define REFUSED_WHILE_CAPTURING                                                \
  do {                                                                         \
    if (capturing)                                                             \
      return STREAM_CAPTURE_UNSUPPORTED;                                       \
  } while (0)
CUresult cuCtxSynchronize(void) {
  REFUSED_WHILE_CAPTURING;
  return OK;
}
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
  snprintf(sym, sizeof(sym), "%s_dsc_param_bytes", name);
  const int32_t *bytes = lib ? dlsym(lib, sym) : 0;
  function *h = calloc(1, sizeof(function));
  if (!h || !bytes) {
    free(h);
    return h ? NOT_FOUND : OUT_OF_MEMORY;
  }
  memcpy(&h->launch, &fn, sizeof(fn));
  h->paramBytes = bytes;
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
  if (capturing) {
    size_t count = param_count(h);
    for (size_t i = 0; i < count; ++i)
      if (h->paramBytes[i] > 8)
        return INVALID_VALUE;
    unsigned char *values = calloc(count ? count : 1, 8);
    node *nd = values ? append_node(capturing) : 0;
    if (!nd) {
      free(values);
      return OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < count; ++i)
      memcpy(values + 8 * i, params[i], (size_t)h->paramBytes[i]);
    nd->values = values;
    nd->fn = h;
    unsigned dims[6] = {gx, gy, gz, bx, by, bz};
    memcpy(nd->dims, dims, sizeof(dims));
    return OK;
  }
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
CUresult cuStreamSynchronize(void *s) {
  REFUSED_WHILE_CAPTURING;
  return OK;
}
CUresult cuStreamDestroy_v2(void *s) { return OK; }

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  REFUSED_WHILE_CAPTURING;
  void *m = calloc(1, bytes);
  *p = (CUdeviceptr)(uintptr_t)m;
  return m ? OK : OUT_OF_MEMORY;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  free((void *)(uintptr_t)p);
  return OK;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void *s, size_t n) {
  REFUSED_WHILE_CAPTURING;
  memcpy((void *)(uintptr_t)d, s, n);
  return OK;
}
CUresult cuMemcpyDtoH_v2(void *d, CUdeviceptr s, size_t n) {
  REFUSED_WHILE_CAPTURING;
  if (log_file())
    fprintf(log_file(), "cuMemcpyDtoH %zu\n", n);
  memcpy(d, (const void *)(uintptr_t)s, n);
  return OK;
}
/* Copies with pageable host memory cannot be captured. */
CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n,
                              void *st) {
  return capturing ? STREAM_CAPTURE_UNSUPPORTED : cuMemcpyHtoD_v2(d, s, n);
}
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n,
                              void *st) {
  if (capturing) {
    node *nd = append_node(capturing);
    if (!nd)
      return OUT_OF_MEMORY;
    *nd = (node){.dst = d, .src = s, .bytes = n};
    return OK;
  }
  memmove((void *)(uintptr_t)d, (const void *)(uintptr_t)s, n);
  return OK;
}
CUresult cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, void *st) {
  return capturing ? STREAM_CAPTURE_UNSUPPORTED : cuMemcpyDtoH_v2(d, s, n);
}
CUresult cuStreamBeginCapture_v2(void *s, int mode) {
  /* DSC_FAKE_CUDA_REFUSE_CAPTURE=1: a driver that cannot capture. */
  const char *refuse = getenv("DSC_FAKE_CUDA_REFUSE_CAPTURE");
  if (capturing || (refuse && refuse[0] == '1'))
    return capturing ? INVALID_VALUE : STREAM_CAPTURE_UNSUPPORTED;
  capturing = calloc(1, sizeof(graph));
  return capturing ? OK : OUT_OF_MEMORY;
}
CUresult cuStreamEndCapture(void *s, void **g) {
  if (!capturing)
    return INVALID_VALUE;
  *g = capturing;
  capturing = 0;
  return OK;
}
static void free_graph(graph *g) {
  for (size_t i = 0; g && i < g->n; ++i)
    free(g->nodes[i].values);
  if (g)
    free(g->nodes);
  free(g);
}
/* The executable graph is a copy: the captured one may be destroyed. */
CUresult cuGraphInstantiateWithFlags(void **exec, void *g,
                                     unsigned long long flags) {
  graph *from = g, *to = calloc(1, sizeof(graph));
  if (!to || !(to->nodes = calloc(from->n ? from->n : 1, sizeof(node)))) {
    free(to);
    return OUT_OF_MEMORY;
  }
  for (size_t i = 0; i < from->n; ++i) {
    node nd = from->nodes[i];
    if (nd.fn) {
      size_t total = 8 * param_count(nd.fn);
      unsigned char *v = malloc(total ? total : 1);
      if (!v) {
        free_graph(to);
        return OUT_OF_MEMORY;
      }
      memcpy(v, nd.values, total);
      nd.values = v;
    }
    to->nodes[to->n++] = nd;
  }
  *exec = to;
  return OK;
}
CUresult cuGraphLaunch(void *exec, void *s) {
  graph *g = exec;
  if (!g || capturing)
    return INVALID_VALUE;
  if (log_file())
    fprintf(log_file(), "cuGraphLaunch %zu\n", g->n);
  for (size_t i = 0; i < g->n; ++i) {
    node *nd = &g->nodes[i];
    if (!nd->fn) {
      cuMemcpyDtoDAsync_v2(nd->dst, nd->src, nd->bytes, s);
      continue;
    }
    void *params[64];
    size_t count = param_count(nd->fn);
    if (count > 64)
      return INVALID_VALUE;
    for (size_t k = 0; k < count; ++k)
      params[k] = nd->values + 8 * k;
    CUresult rc =
        cuLaunchKernel(nd->fn, nd->dims[0], nd->dims[1], nd->dims[2],
                       nd->dims[3], nd->dims[4], nd->dims[5], 0, s, params, 0);
    if (rc)
      return rc;
  }
  return OK;
}
CUresult cuGraphDestroy(void *g) {
  free_graph(g);
  return OK;
}
CUresult cuGraphExecDestroy(void *g) {
  free_graph(g);
  return OK;
}
CUresult cuGetErrorString(CUresult rc, const char **s) {
  *s = rc == NOT_FOUND ? "CUDA_ERROR_NOT_FOUND" : "fake driver error";
  return OK;
}
