/*===- exe_host.c - what dsc_main links against, for fuzzing -------------===*
 *
 * A generated executable links runtime/exe's command line with the model's
 * dsc_model_desc and dsc_forward and the freestanding thread pool. Here the
 * model is a stand-in whose logits depend only on the tokens, the pool is
 * serial, and what dsc_main leaves behind for exit to release (memory
 * through ASan's allocation hooks; mappings and descriptors through
 * dsc_sys_mmap/munmap/open/close, wrapped with ld --wrap) is released after
 * each run, so that millions of runs in one process stay within limits.
 *
 *===---------------------------------------------------------------------===*/
#include "exe_host.h"

#include "dsc/model.h"
#include "dsc/parallel.h"
#include "dsc/sys.h"

#include <sanitizer/allocator_interface.h>
#include <stdlib.h>
#include <string.h>

int dsc_main(int argc, char **argv);

const dsc_model_desc_t dsc_model_desc = {
    .magic = DSC_MODEL_DESC_MAGIC,
    .version = DSC_MODEL_DESC_VERSION,
    .vocab = FUZZ_VOCAB,
    .dim = 4,
    .layers = 1,
    .heads = 1,
    .kv_heads = 1,
    .head_dim = 4,
    .max_seq = 16,
    .weights_size = FUZZ_WEIGHTS_SIZE,
    .model_id = FUZZ_MODEL_ID,
    .kv_elem_bytes = 4,
};

/* Reads every weight byte and writes the cache rows of the positions it is
 * given, so ASan checks the buffers dsc_main set up; logits come from the
 * tokens alone. */
void _mlir_ciface_dsc_forward(dsc_memref1 *weights, dsc_memref1 *tokens,
                              int64_t pos, int64_t n_out, dsc_memref1 *cache,
                              dsc_memref2 *logits) {
  const uint8_t *w = (const uint8_t *)weights->aligned + weights->offset;
  volatile uint32_t sum = 0;
  for (int64_t i = 0; i < weights->size; ++i)
    sum += w[i];
  const int32_t *tok = (const int32_t *)tokens->aligned + tokens->offset;
  int64_t n = tokens->size, ctx = dsc_model_desc.head_dim
                                      ? cache->size / (2 * dsc_model_desc.head_dim)
                                      : 0;
  float *kv = (float *)cache->aligned + cache->offset;
  for (int64_t i = 0; i < n && pos + i < ctx; ++i)
    for (int64_t d = 0; d < 2 * dsc_model_desc.head_dim; ++d)
      kv[(pos + i) * 2 * dsc_model_desc.head_dim + d] = (float)tok[i];
  float *out = (float *)logits->aligned + logits->offset;
  int64_t vocab = logits->sizes[1];
  for (int64_t r = 0; r < n_out; ++r)
    for (int64_t v = 0; v < vocab; ++v)
      out[r * vocab + v] = (float)((tok[n - n_out + r] * 7 + v * 3) % vocab);
}

int dsc_pool_start(int n) { return 1; }
void dsc_parallel_for(int64_t n, dsc_range_fn fn, void *ctx) { fn(ctx, 0, n); }

/* dsc_main is a process entry point and leaves its memory to exit; LSan's
 * report at exit would fail every run. */
const char *__asan_default_options(void) { return "detect_leaks=0"; }

/*--- what dsc_main leaves allocated, mapped and open ----------------------*/

/* ASan's allocation hooks record the blocks dsc_main allocates and does not
 * free (its tokenizer, sampler, token and logit buffers), which are freed
 * after it returns: held until exit, they would grow the fuzzer past its
 * RSS limit within minutes. The hooks may not allocate.
 *
 * The hooks run on every thread, and libFuzzer has its own (the RSS limit's
 * thread allocates while it reports): only the thread inside dsc_main
 * records, so no other thread's block is freed here and the list is never
 * written by two threads at once. */
enum { kMaxBlocks = 4096 };
static uintptr_t blocks[kMaxBlocks];
static int nBlocks;
static _Thread_local int inMain;

static void on_malloc(const volatile void *p, size_t size) {
  if (inMain && nBlocks < kMaxBlocks)
    blocks[nBlocks++] = (uintptr_t)p;
}

static void on_free(const volatile void *p) {
  if (!inMain)
    return;
  for (int i = nBlocks; i-- > 0;)
    if (blocks[i] == (uintptr_t)p) {
      blocks[i] = blocks[--nBlocks];
      return;
    }
}

enum { kMax = 64 };
static struct {
  void *addr;
  size_t len;
} maps[kMax];
static int fds[kMax];
static int nMaps, nFds;

void *__real_dsc_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
                          long off);
int __real_dsc_sys_munmap(void *addr, size_t len);
int __real_dsc_sys_open(const char *path, int flags, int mode);
int __real_dsc_sys_close(int fd);

void *__wrap_dsc_sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
                          long off) {
  void *p = __real_dsc_sys_mmap(addr, len, prot, flags, fd, off);
  if (p && nMaps < kMax) {
    maps[nMaps].addr = p;
    maps[nMaps++].len = len;
  }
  return p;
}

/* Forgets the unmapped pages: main.c unmaps the weights out of the middle
 * of the payload's mapping, and the hole may be reused before cleanup. */
int __wrap_dsc_sys_munmap(void *addr, size_t len) {
  uintptr_t a = (uintptr_t)addr, b = a + ((len + 4095) & ~(size_t)4095);
  for (int i = 0; i < nMaps; ++i) {
    uintptr_t s = (uintptr_t)maps[i].addr, e = s + ((maps[i].len + 4095) & ~(size_t)4095);
    if (b <= s || a >= e)
      continue;
    if (a > s && b < e && nMaps < kMax) { /* a hole: keep both sides */
      maps[nMaps].addr = (void *)b;
      maps[nMaps++].len = e - b;
      maps[i].len = a - s;
    } else if (a > s) {
      maps[i].len = a - s;
    } else if (b < e) {
      maps[i].addr = (void *)b;
      maps[i].len = e - b;
    } else {
      maps[i--] = maps[--nMaps];
    }
  }
  return __real_dsc_sys_munmap(addr, len);
}

int __wrap_dsc_sys_open(const char *path, int flags, int mode) {
  int fd = __real_dsc_sys_open(path, flags, mode);
  if (fd >= 0 && nFds < kMax)
    fds[nFds++] = fd;
  return fd;
}

int __wrap_dsc_sys_close(int fd) {
  for (int i = 0; i < nFds; ++i)
    if (fds[i] == fd) {
      fds[i] = fds[--nFds];
      break;
    }
  return __real_dsc_sys_close(fd);
}

int fuzz_run_main(int argc, char **argv) {
  static int hooked;
  if (!hooked)
    hooked = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
  inMain = 1;
  int rc = dsc_main(argc, argv);
  inMain = 0;
  /* Only blocks the allocator still owns: freeing one listed twice, or
   * freed where the hooks did not see it, would be the harness's own
   * double free. */
  while (nBlocks > 0) {
    void *p = (void *)blocks[--nBlocks];
    if (__sanitizer_get_ownership(p))
      free(p);
  }
  while (nMaps > 0) {
    --nMaps;
    __real_dsc_sys_munmap(maps[nMaps].addr, maps[nMaps].len);
  }
  while (nFds > 0)
    __real_dsc_sys_close(fds[--nFds]);
  return rc;
}
