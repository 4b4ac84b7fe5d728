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
 * roofline and overstated every share of it. The page size used is
 * printed. */
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static size_t total;
static float *buf;
static int nthreads;
static volatile float sink;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *reader(void *arg) {
  intptr_t t = (intptr_t)arg;
  size_t n = total / sizeof(float);
  size_t b = n * t / nthreads, e = n * (t + 1) / nthreads;
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = b; i + 32 <= e; i += 32) {
    a0 = _mm256_add_ps(a0, _mm256_loadu_ps(buf + i));
    a1 = _mm256_add_ps(a1, _mm256_loadu_ps(buf + i + 8));
    a2 = _mm256_add_ps(a2, _mm256_loadu_ps(buf + i + 16));
    a3 = _mm256_add_ps(a3, _mm256_loadu_ps(buf + i + 24));
  }
  float out[8];
  _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  sink += out[0];
  return 0;
}

/* Whether the buffer got any: AnonHugePages of this process, non-zero. */
static int hugePages(void) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  char line[256];
  long kb = 0;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
      break;
  if (f)
    fclose(f);
  return kb > 0;
}

int main(int argc, char **argv) {
  total = (size_t)(argc > 1 ? atof(argv[1]) : 1.0) * (1ull << 30);
  int maxThreads = argc > 2 ? atoi(argv[2]) : 2;
  buf = mmap(0, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
             0);
  if (buf == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  madvise(buf, total, MADV_HUGEPAGE);
  memset(buf, 1, total);
  printf("huge pages: %s\n", hugePages() ? "yes" : "no");
  for (nthreads = 1; nthreads <= maxThreads; ++nthreads) {
    double best = 0;
    /* The best of ten: this VM's bandwidth swings with its neighbours. */
    for (int rep = 0; rep < 10; ++rep) {
      pthread_t th[64];
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
