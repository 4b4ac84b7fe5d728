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
 * block), per copy to the host (`cuMemcpyDtoH BYTES`), per allocation
 * (`cuMemAlloc BYTES`: what the run keeps in device memory) and per lookup
 * of a function (`cuModuleGetFunction NAME`). Only the calls
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
 * Tensor cores: a kernel with mma.sync has a host form for one thread
 * (NAME_dsc_lane); its NAME_dsc_launch calls dsc_host_run_lanes, which
 * runs each warp's 32 threads as coroutines (ucontext). A thread that
 * reaches an mma.sync (dsc_host_mma_m16n8k16_f16_f32) leaves its
 * fragments and yields; once all 32 have, the product is computed from the
 * fragments as the PTX ISA lays them over the lanes and each thread goes
 * on with its own part of it. Threads of a warp that do not all reach the
 * same mma.sync (each call names its place in the kernel) abort the run,
 * as that would be undefined on a GPU. DSC_FAKE_CUDA_REVERSE_LANES=1 runs
 * a warp's threads in reverse order between two mma.sync (the semantics
 * test's reversed run), so that lanes that depend on each other's stores
 * give different results in the two orders.
 *
 * Device memory ends against an inaccessible page (each allocation is
 * rounded up to 16 bytes and mapped so that its end is a page's), so that
 * a kernel reading or writing past a buffer faults instead of reading the
 * heap: the results of such reads are often thrown away (rows past the
 * last of a tile), which comparing results cannot show.
 *
 *===---------------------------------------------------------------------===*/
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

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

/* A warp of a lane kernel: 32 coroutines and what they leave at an
 * mma.sync. */
enum { LANES = 32, LANE_STACK = 256 << 10 };
enum { RUNNING, AT_MMA, DONE };
static struct {
  ucontext_t sched, lane[LANES];
  char *stacks;
  int state[LANES];
  int cur;
  long long site[LANES]; /* which mma.sync a lane waits at */
  float in[LANES][16]; /* a0..a7 (A's four f16 pairs), b0..b3, c0..c3 */
  float out[LANES][4];
  void (*fn)(void **params, int64_t *dims, int64_t *ids);
  void **params;
  int64_t *dims;
  int64_t ids[LANES][6];
} warp;

static void lane_main(int l) {
  warp.fn(warp.params, warp.dims, warp.ids[l]);
  warp.state[l] = DONE;
}

/* D = A B + C for the fragments the 32 lanes left (lane = 4 g + t):
 * A [16][16] row-major, lane holds A[g][2t..2t+1], A[g+8][2t..],
 * A[g][2t+8..], A[g+8][2t+8..]; B [16][8], lane holds B[2t..2t+1][g],
 * B[2t+8..2t+9][g]; C and D [16][8], lane holds [g][2t], [g][2t+1],
 * [g+8][2t], [g+8][2t+1]. Products of f16 values are exact in float; the
 * sum is in double, then rounded (a tensor core's order of additions is
 * its own). */
static void mma_m16n8k16(void) {
  float a[16][16], b[16][8], c[16][8];
  for (int l = 0; l < LANES; ++l) {
    int g = l / 4, t = l % 4;
    const float *v = warp.in[l];
    for (int h = 0; h < 2; ++h) {
      a[g][2 * t + h] = v[0 + h];
      a[g + 8][2 * t + h] = v[2 + h];
      a[g][2 * t + 8 + h] = v[4 + h];
      a[g + 8][2 * t + 8 + h] = v[6 + h];
      b[2 * t + h][g] = v[8 + h];
      b[2 * t + 8 + h][g] = v[10 + h];
      c[g][2 * t + h] = v[12 + h];
      c[g + 8][2 * t + h] = v[14 + h];
    }
  }
  for (int l = 0; l < LANES; ++l) {
    int g = l / 4, t = l % 4;
    for (int e = 0; e < 4; ++e) {
      int r = g + 8 * (e / 2), col = 2 * t + e % 2;
      double d = c[r][col];
      for (int k = 0; k < 16; ++k)
        d += (double)a[r][k] * b[k][col];
      warp.out[l][e] = (float)d;
    }
  }
}

/* mma.sync.m16n8k16.row.col.f32.f16.f16.f32 for the running lane: the
 * host form passes A's and B's f16 values as floats, then C, which mma.sync
 * of the kernel it is, then its result buffer (a memref<4xf32>: allocated,
 * aligned, offset, size, stride). */
void dsc_host_mma_m16n8k16_f16_f32(float a0, float a1, float a2, float a3,
                                   float a4, float a5, float a6, float a7,
                                   float b0, float b1, float b2, float b3,
                                   float c0, float c1, float c2, float c3,
                                   int64_t site, float *allocated,
                                   float *aligned, int64_t offset, int64_t size,
                                   int64_t stride) {
  int l = warp.cur;
  float v[16] = {a0, a1, a2, a3, a4, a5, a6, a7,
                 b0, b1, b2, b3, c0, c1, c2, c3};
  memcpy(warp.in[l], v, sizeof(v));
  warp.site[l] = site;
  warp.state[l] = AT_MMA;
  swapcontext(&warp.lane[l], &warp.sched);
  for (int e = 0; e < 4; ++e)
    aligned[offset + e * stride] = warp.out[l][e];
}

/* A launch of a lane kernel: every block, a warp at a time. */
void dsc_host_run_lanes(void (*fn)(void **, int64_t *, int64_t *),
                        void **params, int64_t *dims) {
  int64_t threads = dims[3] * dims[4] * dims[5];
  if (threads % LANES) {
    fprintf(stderr,
            "fake_cuda: an mma.sync kernel's block of %lld threads "
            "is not whole warps\n",
            (long long)threads);
    abort();
  }
  if (!warp.stacks && !(warp.stacks = malloc((size_t)LANES * LANE_STACK)))
    abort();
  warp.fn = fn;
  warp.params = params;
  warp.dims = dims;
  const char *rev = getenv("DSC_FAKE_CUDA_REVERSE_LANES");
  int reverse = rev && rev[0] == '1';
  for (int64_t bz = 0; bz < dims[2]; ++bz)
    for (int64_t by = 0; by < dims[1]; ++by)
      for (int64_t bx = 0; bx < dims[0]; ++bx)
        for (int64_t w = 0; w < threads / LANES; ++w) {
          for (int l = 0; l < LANES; ++l) {
            int64_t id = w * LANES + l, *ids = warp.ids[l];
            ids[0] = bx, ids[1] = by, ids[2] = bz;
            ids[3] = id % dims[3];
            ids[4] = id / dims[3] % dims[4];
            ids[5] = id / (dims[3] * dims[4]);
            getcontext(&warp.lane[l]);
            warp.lane[l].uc_stack.ss_sp = warp.stacks + (size_t)l * LANE_STACK;
            warp.lane[l].uc_stack.ss_size = LANE_STACK;
            warp.lane[l].uc_link = &warp.sched;
            makecontext(&warp.lane[l], (void (*)(void))lane_main, 1, l);
            warp.state[l] = RUNNING;
          }
          for (;;) {
            for (int i = 0; i < LANES; ++i) {
              int l = reverse ? LANES - 1 - i : i;
              if (warp.state[l] == RUNNING) {
                warp.cur = l;
                swapcontext(&warp.sched, &warp.lane[l]);
              }
            }
            int done = 0, waiting = 0, same = 1;
            for (int l = 0; l < LANES; ++l) {
              done += warp.state[l] == DONE;
              waiting += warp.state[l] == AT_MMA;
              same &= warp.site[l] == warp.site[0];
            }
            if (done == LANES)
              break;
            if (waiting != LANES || !same) {
              fprintf(stderr,
                      "fake_cuda: the threads of a warp do not all reach "
                      "the same mma.sync (%d of %d wait at one)\n",
                      waiting, LANES);
              abort();
            }
            mma_m16n8k16();
            for (int l = 0; l < LANES; ++l)
              warp.state[l] = RUNNING;
          }
        }
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
  if (log_file())
    fprintf(log_file(), "cuModuleGetFunction %s\n", name);
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

/* An allocation's mapping, kept in the 16 bytes before it. */
typedef struct {
  void *base;
  size_t len;
} mapping;
_Static_assert(sizeof(mapping) == 16, "the header fills 16 bytes");

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  REFUSED_WHILE_CAPTURING;
  size_t page = (size_t)sysconf(_SC_PAGESIZE), padded = (bytes + 15) / 16 * 16;
  size_t data = (padded + sizeof(mapping) + page - 1) / page * page;
  size_t len = data + page;
  char *base =
      mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED)
    return OUT_OF_MEMORY;
  if (mprotect(base + data, page, PROT_NONE)) {
    munmap(base, len);
    return OUT_OF_MEMORY;
  }
  char *m = base + data - padded;
  mapping mp = {base, len};
  memcpy(m - sizeof(mapping), &mp, sizeof(mp));
  *p = (CUdeviceptr)(uintptr_t)m;
  if (log_file())
    fprintf(log_file(), "cuMemAlloc %zu\n", bytes);
  return OK;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  if (!p)
    return OK;
  mapping mp;
  memcpy(&mp, (char *)(uintptr_t)p - sizeof(mapping), sizeof(mp));
  munmap(mp.base, mp.len);
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
