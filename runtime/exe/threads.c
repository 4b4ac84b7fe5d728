/*===- threads.c - the thread pool behind dsc_parallel_for ---------------===*
 *
 * Workers are raw clone() threads that wait on a futex for the next job.
 * Workers spin briefly before sleeping, since decoding issues a few hundred
 * jobs per token.
 *
 * A job's [0, n) is cut into a few chunks per thread and each thread owns a
 * contiguous run of them, so that a thread streams one range of weights as a
 * static split would. A thread that has run its own chunks takes the
 * remaining ones of the others. Without that, one worker that the OS has
 * not scheduled (another process on its core, a slow core of a big.LITTLE
 * phone) stalls every job until it runs: on a 2-core machine with one other
 * busy process, a static split decoded stories260K at a seventh of its
 * one-thread speed. The calling thread never waits for a worker that has
 * not claimed a chunk, only for chunks already being run.
 *
 * A claim is a compare-and-swap on the owner's word (generation << 32 |
 * next chunk << 16 | end chunk), one word so that its three fields change
 * together: a worker that wakes after its job has finished cannot claim a
 * chunk of the next one with the old job's function, because the
 * generation in the word no longer matches the one it read.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/parallel.h"
#include "dsc/sys.h"

enum {
  MAX_THREADS = 256,
  STACK_BYTES = 8 << 20,
  SPIN = 20000,
  CHUNKS_PER_THREAD = 8
};

static inline void cpu_relax(void) {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ volatile("yield");
#endif
}

/* One thread's run of chunks; a cache line each, so that claims on one do
 * not slow the others. */
struct share {
  uint64_t word; /* generation << 32 | next chunk << 16 | end chunk */
  char pad[64 - 8];
};
_Static_assert(MAX_THREADS *CHUNKS_PER_THREAD < 1 << 16,
               "chunk numbers fit 16 bits");

static struct {
  int n;
  volatile int generation; /* bumped for each job */
  volatile int done;       /* chunks of the job that have been run */
  volatile int quit;
  volatile int sleepers;     /* workers blocked in futex_wait */
  volatile int caller_waits; /* the caller sleeps until done == chunks */
  dsc_range_fn fn;
  void *ctx;
  int64_t total;
  int chunks;
  struct share shares[MAX_THREADS];
} pool = {.n = 1};

/* Where chunk k of a thread's share ends, in 64ths of the share: three
 * quarters in chunks of a quarter, then halving. A worker that the OS has
 * stopped holds at most a quarter of its share, as with four equal
 * chunks; the job's tail, where one thread has run out of chunks and waits
 * for the other's last, is a 64th of a share instead of a quarter (while
 * the owners take their own chunks in order; a thief takes the owner's
 * next). Decoding TinyLlama int4 on two threads, this took the calling
 * thread's wait from 2.8-4.1% of the samples to 0.5-1.1%. Jobs of fewer
 * than 64 indices a thread are cut evenly (at most CHUNKS_PER_THREAD a
 * thread, else one an index). */
static const int64_t chunk_end[CHUNKS_PER_THREAD] = {16, 32, 48, 56,
                                                     60, 62, 63, 64};

/* [begin, end) of chunk c of a job of `total` indices in `chunks` chunks:
 * from 64 indices a thread, thread t's share [total * t / n, total * (t +
 * 1) / n) cut at chunk_end; else even. */
static void chunk_range(int64_t total, int chunks, int c, int64_t *begin,
                        int64_t *end) {
  if (total < (int64_t)pool.n * 64) {
    *begin = total * c / chunks;
    *end = total * (c + 1) / chunks;
    return;
  }
  int t = c / CHUNKS_PER_THREAD, k = c % CHUNKS_PER_THREAD;
  int64_t s0 = total * t / pool.n, s1 = total * (t + 1) / pool.n;
  *begin = s0 + (s1 - s0) * (k ? chunk_end[k - 1] : 0) / 64;
  *end = s0 + (s1 - s0) * chunk_end[k] / 64;
}

/* Claims the next chunk of `owner`'s run for job `gen`; -1 when none is
 * left or the job is over. */
static int claim(int owner, uint32_t gen) {
  struct share *s = &pool.shares[owner];
  uint64_t w = __atomic_load_n(&s->word, __ATOMIC_ACQUIRE);
  for (;;) {
    uint32_t c = (uint32_t)(w >> 16) & 0xffff, end = (uint32_t)w & 0xffff;
    if ((uint32_t)(w >> 32) != gen || c >= end)
      return -1;
    if (__atomic_compare_exchange_n(&s->word, &w, w + (1u << 16), 1,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
      return (int)c;
  }
}

/* Runs chunks of job `gen` as thread `t`: its own first, then the others'. */
static void run_chunks(int t, uint32_t gen) {
  /* Read before any claim; a successful claim of this generation proves
   * that the job, and so these fields, are still current. */
  dsc_range_fn fn = __atomic_load_n(&pool.fn, __ATOMIC_RELAXED);
  void *ctx = __atomic_load_n(&pool.ctx, __ATOMIC_RELAXED);
  int64_t total = __atomic_load_n(&pool.total, __ATOMIC_RELAXED);
  int chunks = __atomic_load_n(&pool.chunks, __ATOMIC_RELAXED);
  for (int k = 0; k < pool.n; ++k) {
    int owner = (t + k) % pool.n;
    int c;
    while ((c = claim(owner, gen)) >= 0) {
      int64_t begin, end;
      chunk_range(total, chunks, c, &begin, &end);
      if (begin < end)
        fn(ctx, begin, end);
      if (__atomic_add_fetch(&pool.done, 1, __ATOMIC_SEQ_CST) == chunks &&
          __atomic_load_n(&pool.caller_waits, __ATOMIC_SEQ_CST))
        dsc_sys_futex_wake(&pool.done, 1);
    }
  }
}

static int worker(void *arg) {
  int t = (int)(intptr_t)arg;
  int seen = 0;
  for (;;) {
    int gen;
    int spins = 0;
    while ((gen = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE)) ==
           seen) {
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
    run_chunks(t, (uint32_t)gen);
  }
}

int dsc_pool_start(int n) {
  /* Once: the executable starts the pool before the device (which widens
   * the weights' scales with it), and the run's set-up asks again. */
  static bool started;
  if (started)
    return pool.n;
  started = true;
  if (n < 1)
    n = 1;
  if (n > MAX_THREADS)
    n = MAX_THREADS;
  pool.n = 1;
  for (int t = 1; t < n; ++t) {
    char *stack =
        (char *)dsc_sys_mmap(0, STACK_BYTES, DSC_PROT_READ | DSC_PROT_WRITE,
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
  int chunks = pool.n * CHUNKS_PER_THREAD;
  if (n < chunks)
    chunks = (int)n;
  uint32_t gen = (uint32_t)pool.generation + 1;
  __atomic_store_n(&pool.fn, fn, __ATOMIC_RELAXED);
  __atomic_store_n(&pool.ctx, ctx, __ATOMIC_RELAXED);
  __atomic_store_n(&pool.total, n, __ATOMIC_RELAXED);
  __atomic_store_n(&pool.chunks, chunks, __ATOMIC_RELAXED);
  __atomic_store_n(&pool.done, 0, __ATOMIC_RELAXED);
  for (int t = 0; t < pool.n; ++t) {
    uint64_t begin = (uint64_t)chunks * t / pool.n,
             end = (uint64_t)chunks * (t + 1) / pool.n;
    __atomic_store_n(&pool.shares[t].word,
                     (uint64_t)gen << 32 | begin << 16 | end, __ATOMIC_RELEASE);
  }
  __atomic_store_n(&pool.generation, (int)gen, __ATOMIC_SEQ_CST);
  /* Spinning workers see the new generation; only sleepers need a wake. */
  if (__atomic_load_n(&pool.sleepers, __ATOMIC_SEQ_CST))
    dsc_sys_futex_wake(&pool.generation, pool.n);
  run_chunks(0, gen);
  /* Every chunk is claimed; wait for those that workers are still running. */
  int spins = 0;
  int d;
  while ((d = __atomic_load_n(&pool.done, __ATOMIC_ACQUIRE)) != chunks) {
    if (++spins < SPIN) {
      cpu_relax();
    } else {
      __atomic_store_n(&pool.caller_waits, 1, __ATOMIC_SEQ_CST);
      if (__atomic_load_n(&pool.done, __ATOMIC_SEQ_CST) == d)
        dsc_sys_futex_wait(&pool.done, d);
      __atomic_store_n(&pool.caller_waits, 0, __ATOMIC_SEQ_CST);
    }
  }
}

void *dsc_kernel_alloc(uint64_t bytes) { return malloc(bytes); }
void dsc_kernel_free(void *p) { free(p); }
