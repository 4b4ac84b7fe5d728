/*===- prefetch_x86.h - software prefetch where it pays -----------*- C -*-===*
 *
 * Decoding streams every weight once from memory. On the Intel Xeon the
 * decode kernels were tuned on, prefetching ahead of the loads (4 KiB for
 * quantized tiles, 1 KiB for float rows) kept decode at 89-97% of the
 * streaming read bandwidth. On an AMD EPYC (Zen 4) the same prefetches
 * made decode 20-30% slower than the hardware prefetcher alone
 * (TinyLlama int8:channel, one thread: 16.9 against 21.3 tokens/s; F16
 * 8.9 against 11.5; docs/benchmarks.md), and a loop that only streams
 * the weights measured 21.6 against 28.1 GB/s. So the kernels prefetch
 * unless CPUID names AMD, decided once per process (each kernel file
 * asks once; threads that ask at the same time write the same answer,
 * through relaxed atomics).
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_PREFETCH_X86_H
#define DSC_PREFETCH_X86_H

#include <cpuid.h>
#include <immintrin.h>

static inline __attribute__((always_inline)) int dsc_sw_prefetch(void) {
  static int state; /* 0: not asked yet, 1: prefetch, 2: do not */
  int s = __atomic_load_n(&state, __ATOMIC_RELAXED);
  if (!s) {
    unsigned a, b, c, d;
    /* "AuthenticAMD" in ebx, edx, ecx. */
    int amd = __get_cpuid(0, &a, &b, &c, &d) && b == 0x68747541u &&
              d == 0x69746e65u && c == 0x444d4163u;
    s = amd ? 2 : 1;
    __atomic_store_n(&state, s, __ATOMIC_RELAXED);
  }
  return s == 1;
}

#endif
