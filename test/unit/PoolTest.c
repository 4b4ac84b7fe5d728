/*===- PoolTest.c - the runtime's thread pool (runtime/exe/threads.c) ------===*
 *
 * Built with the hosted system layer (pthreads), run by ctest:
 *  - every index of every job is run exactly once, for many thread counts
 *    and job sizes, job after job (a worker that wakes late must not run a
 *    chunk of the next job);
 *  - a worker that stalls does not stall the job: the calling thread takes
 *    the chunks the worker has not claimed, so it runs all but the one the
 *    worker is stuck in.
 *
 *===---------------------------------------------------------------------===*/
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "dsc/parallel.h"

int dsc_pool_start(int n);

static pthread_t caller;

struct visits {
  int *count;
  int64_t n;
  int stall_ms;      /* workers sleep this long in each chunk */
  int64_t by_caller; /* indices the calling thread ran */
};

static void visit(void *p, int64_t begin, int64_t end) {
  struct visits *v = p;
  int mine = pthread_equal(pthread_self(), caller);
  if (!mine && v->stall_ms) {
    struct timespec ts = {v->stall_ms / 1000, (v->stall_ms % 1000) * 1000000L};
    nanosleep(&ts, 0);
  }
  for (int64_t i = begin; i < end; ++i)
    __atomic_add_fetch(&v->count[i], 1, __ATOMIC_RELAXED);
  if (mine)
    __atomic_add_fetch(&v->by_caller, end - begin, __ATOMIC_RELAXED);
}

static int check_once(struct visits *v, const char *what) {
  for (int64_t i = 0; i < v->n; ++i)
    if (v->count[i] != 1) {
      fprintf(stderr, "FAIL %s: index %lld of %lld ran %d times\n", what,
              (long long)i, (long long)v->n, v->count[i]);
      return 1;
    }
  return 0;
}

int dsc_main(int argc, char **argv) {
  (void)argc;
  (void)argv;
  caller = pthread_self();
  int threads = dsc_pool_start(4);
  if (threads != 4) {
    fprintf(stderr, "FAIL: started %d threads of 4\n", threads);
    return 1;
  }
  /* Around the even split's limits (4 threads: 32 chunks) and the graded
   * split's (256 indices), and beyond. */
  static const int64_t sizes[] = {1,   2,   3,   5,    7,    8,     9,
                                  15,  16,  17,  31,   32,   33,    64,
                                  255, 256, 257, 1000, 4099, 100003};
  int *count = malloc(sizeof(int) * 100003);
  for (int rep = 0; rep < 200; ++rep)
    for (unsigned s = 0; s < sizeof sizes / sizeof *sizes; ++s) {
      struct visits v = {count, sizes[s], 0, 0};
      for (int64_t i = 0; i < v.n; ++i)
        count[i] = 0;
      dsc_parallel_for(v.n, visit, &v);
      char what[64];
      snprintf(what, sizeof what, "job of %lld, round %d", (long long)v.n, rep);
      if (check_once(&v, what))
        return 1;
    }
  /* Workers that take 300 ms per chunk: 4 threads, a share of 64 each,
   * cut into chunks of 16, 16, 16, 8, 4, 2, 1 and 1 (threads.c). Each
   * worker claims at most one chunk, its first (16), before the caller has
   * taken the rest (the caller's chunks take microseconds), so the caller
   * runs at least 208 of the 256 indices. A static split would leave it
   * its own 64. */
  struct visits v = {count, 256, 300, 0};
  for (int64_t i = 0; i < v.n; ++i)
    count[i] = 0;
  dsc_parallel_for(v.n, visit, &v);
  if (check_once(&v, "stalled workers"))
    return 1;
  if (v.by_caller < 256 - 3 * 16) {
    fprintf(stderr,
            "FAIL: with stalled workers the caller ran %lld of 256 indices; "
            "it should take every chunk they have not claimed\n",
            (long long)v.by_caller);
    return 1;
  }
  printf("pool: ok (caller ran %lld of 256 with stalled workers)\n",
         (long long)v.by_caller);
  free(count);
  return 0;
}
