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

/* Bit 1: the float loops prefetch; bit 2: the quantized ones (below). One
 * CPUID probe per process; threads that ask at once write the same answer,
 * through relaxed atomics. */
static inline __attribute__((always_inline)) int dsc_prefetch_policy(void) {
  static int state; /* 0: not asked yet, else the bits + 4 */
  int s = __atomic_load_n(&state, __ATOMIC_RELAXED);
  if (!s) {
    unsigned a, b, c, d;
    /* "AuthenticAMD" in ebx, edx, ecx. */
    int amd = __get_cpuid(0, &a, &b, &c, &d) && b == 0x68747541u &&
              d == 0x69746e65u && c == 0x444d4163u;
    int zen3 = 0;
    if (amd && __get_cpuid(1, &a, &b, &c, &d)) {
      unsigned family = ((a >> 8) & 15) + ((a >> 20) & 255);
      unsigned model = ((a >> 4) & 15) | ((a >> 12) & 0xf0);
      int zen4 = (model >= 0x10 && model <= 0x1f) ||
                 (model >= 0x60 && model <= 0x7f) ||
                 (model >= 0xa0 && model <= 0xaf);
      zen3 = family == 25 && !zen4;
    }
    s = 4 | (amd ? 0 : 1) | (!amd || zen3 ? 2 : 0);
    __atomic_store_n(&state, s, __ATOMIC_RELAXED);
  }
  return s & 3;
}

static inline __attribute__((always_inline)) int dsc_sw_prefetch(void) {
  return dsc_prefetch_policy() & 1;
}

/* The quantized decode loops (linear_q_int.h, linear_q4_r16_avx2.c,
 * linear_q4_r16_avx512_vnni.c): as above, and on Zen 3 too (AMD family 25
 * but for Zen 4's models 0x10-0x1f, 0x60-0x7f and 0xa0-0xaf), where
 * prefetching measured faster for them
 * (TinyLlama, one thread: int8:channel 17.6 against 15.1 tokens/s, int4
 * 28.6 against 26.2) while the float loops stayed faster without it
 * (docs/benchmarks.md). Other AMD families are not measured and keep the
 * hardware prefetcher alone. */
static inline __attribute__((always_inline)) int dsc_sw_prefetch_quant(void) {
  return (dsc_prefetch_policy() & 2) != 0;
}

#endif
