/*===- threads.c - the thread pool behind dsc_parallel_for -------------------===*
 *
 * Workers are raw clone() threads that wait on a futex for the next job.
 * A job is split statically into one contiguous range per thread (the
 * kernels' tasks cost the same). Workers spin briefly before sleeping, since
 * decoding issues a few hundred jobs per token.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/parallel.h"
#include "dsc/sys.h"

enum { MAX_THREADS = 256, STACK_BYTES = 8 << 20, SPIN = 20000 };

static inline void cpu_relax(void) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ volatile("yield");
#endif
}

static struct {
  int n;
  volatile int generation; /* bumped for each job */
  volatile int pending;    /* workers still running the job */
  volatile int quit;
  volatile int sleepers; /* workers blocked in futex_wait */
  dsc_range_fn fn;
  void *ctx;
  int64_t total;
} pool = {1};

static void run_share(int t) {
  int64_t begin = pool.total * t / pool.n;
  int64_t end = pool.total * (t + 1) / pool.n;
  if (begin < end)
    pool.fn(pool.ctx, begin, end);
}

static int worker(void *arg) {
  int t = (int)(intptr_t)arg;
  int seen = 0;
  for (;;) {
    int gen;
    int spins = 0;
    while ((gen = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE)) == seen) {
      if (++spins < SPIN) {
        cpu_relax();
      } else {
        __atomic_add_fetch(&pool.sleepers, 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&pool.generation, __ATOMIC_SEQ_CST) == seen)
          dsc_sys_futex_wait(&pool.generation, seen);
        __atomic_sub_fetch(&pool.sleepers, 1, __ATOMIC_SEQ_CST);
      }
    }
    seen = gen;
    if (pool.quit)
      return 0;
    run_share(t);
    if (__atomic_sub_fetch(&pool.pending, 1, __ATOMIC_ACQ_REL) == 0)
      dsc_sys_futex_wake(&pool.pending, 1);
  }
}

int dsc_pool_start(int n) {
  if (n < 1)
    n = 1;
  if (n > MAX_THREADS)
    n = MAX_THREADS;
  pool.n = 1;
  for (int t = 1; t < n; ++t) {
    char *stack = (char *)dsc_sys_mmap(0, STACK_BYTES,
                                       DSC_PROT_READ | DSC_PROT_WRITE,
                                       DSC_MAP_PRIVATE | DSC_MAP_ANONYMOUS, -1, 0);
    if (!stack)
      break;
    if (dsc_sys_thread(worker, stack + STACK_BYTES, (void *)(intptr_t)t) < 0)
      break;
    pool.n = t + 1;
  }
  return pool.n;
}

int dsc_num_threads(void) { return pool.n; }

void dsc_parallel_for(int64_t n, dsc_range_fn fn, void *ctx) {
  if (pool.n == 1 || n == 1) {
    fn(ctx, 0, n);
    return;
  }
  pool.fn = fn;
  pool.ctx = ctx;
  pool.total = n;
  __atomic_store_n(&pool.pending, pool.n - 1, __ATOMIC_RELEASE);
  __atomic_add_fetch(&pool.generation, 1, __ATOMIC_SEQ_CST);
  /* Spinning workers see the new generation; only sleepers need a wake. */
  if (__atomic_load_n(&pool.sleepers, __ATOMIC_SEQ_CST))
    dsc_sys_futex_wake(&pool.generation, pool.n);
  run_share(0);
  int spins = 0;
  int left;
  while ((left = __atomic_load_n(&pool.pending, __ATOMIC_ACQUIRE)) != 0) {
    if (++spins < SPIN)
      cpu_relax();
    else
      dsc_sys_futex_wait(&pool.pending, left);
  }
}

void *dsc_kernel_alloc(uint64_t bytes) { return malloc(bytes); }
void dsc_kernel_free(void *p) { free(p); }
