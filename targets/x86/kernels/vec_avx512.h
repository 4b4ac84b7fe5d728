/*===- vec_avx512.h - vector operations of the float kernels ------*- C -*-===*/
#include <immintrin.h>

#include "prefetch_x86.h"
#define VEC __m512
#define V 16
#define VZERO() _mm512_setzero_ps()
#define VLOADX(p) _mm512_loadu_ps(p)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VHSUM(v) _mm512_reduce_add_ps(v)
/* Where it pays (prefetch_x86.h): PREFETCH_ON() once before a loop,
 * PREFETCH(p) in it where that said yes (not a load and a branch per
 * line). */
#define PREFETCH_ON() dsc_sw_prefetch()
#define PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#define XROWS 2
/* Untiled weights: four row streams, which the prefetcher alone does
 * not keep ahead of AVX-512 FMAs. */
#define ROW_PREFETCH_AHEAD 1024
