/* Streaming read bandwidth of this machine, 1..N threads: the roofline for
 * decoding, which reads every weight once per token. Each thread sums its
 * share of a buffer much larger than the caches; the best of several passes
 * is reported, in GB/s (10^9 bytes).
 *
 * The buffer is in transparent huge pages where the kernel gives them, as
 * dsc's executables hold their weights: on the Zen 4 guest of
 * docs/benchmarks.md one thread read 26.5-26.9 GB/s from 4 KiB pages and
 * 33.3-34.3 from 2 MiB ones (each 4 KiB page a TLB miss and a restart of
 * the hardware prefetcher), so a buffer of small pages understated the
 * roofline and overstated every share of it. The share of the buffer in
 * huge pages is printed ("unknown" where /proc does not say).
 *
 * Loads are 32 bytes on x86-64 with AVX2 (as the decode kernels') and
 * vectors of the compiler's choosing elsewhere. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

enum { MAX_THREADS = 64 };

static size_t total;
static float *buf;
static int nthreads;
static volatile float sink;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Eight floats; unaligned loads through memcpy. */
typedef float v8 __attribute__((vector_size(32)));

static void *reader(void *arg) {
  intptr_t t = (intptr_t)arg;
  size_t n = total / sizeof(float);
  size_t b = n * t / nthreads, e = n * (t + 1) / nthreads;
  v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
  for (size_t i = b; i + 32 <= e; i += 32) {
    v8 x0, x1, x2, x3;
    memcpy(&x0, buf + i, 32);
    memcpy(&x1, buf + i + 8, 32);
    memcpy(&x2, buf + i + 16, 32);
    memcpy(&x3, buf + i + 24, 32);
    a0 += x0;
    a1 += x1;
    a2 += x2;
    a3 += x3;
  }
  v8 s = (a0 + a1) + (a2 + a3);
  sink += s[0];
  return 0;
}

/* Percent of the buffer in huge pages (AnonHugePages of this process,
 * which holds little else), or -1 where /proc/self/smaps_rollup is absent. */
static int hugePercent(void) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  if (!f)
    return -1;
  char line[256];
  long kb = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
      break;
  fclose(f);
  double p = 100.0 * kb * 1024 / total;
  return p > 100 ? 100 : (int)p;
}

int main(int argc, char **argv) {
  total = (size_t)((argc > 1 ? atof(argv[1]) : 1.0) * (1ull << 30));
  int maxThreads = argc > 2 ? atoi(argv[2]) : 2;
  if (total < (1u << 20) || maxThreads < 1 || maxThreads > MAX_THREADS) {
    fprintf(stderr, "usage: bandwidth [GiB, at least 1/1024] [threads, 1-%d]\n",
            MAX_THREADS);
    return 1;
  }
  buf = mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
             0);
  if (buf == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  madvise(buf, total, MADV_HUGEPAGE);
  memset(buf, 1, total);
  int huge = hugePercent();
  if (huge < 0)
    printf("huge pages: unknown\n");
  else
    printf("huge pages: %d%%\n", huge);
  for (nthreads = 1; nthreads <= maxThreads; ++nthreads) {
    double best = 0;
    /* The best of ten: this VM's bandwidth swings with its neighbours. */
    for (int rep = 0; rep < 10; ++rep) {
      pthread_t th[MAX_THREADS];
      double t0 = now();
      for (intptr_t t = 0; t < nthreads; ++t)
        pthread_create(&th[t], 0, reader, (void *)t);
      for (int t = 0; t < nthreads; ++t)
        pthread_join(th[t], 0);
      double gbs = total / (now() - t0) / 1e9;
      if (gbs > best)
        best = gbs;
    }
    printf("threads %d bandwidth %.2f GB/s\n", nthreads, best);
  }
  return 0;
}
