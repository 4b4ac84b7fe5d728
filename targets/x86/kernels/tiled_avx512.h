/*===- tiled_avx512.h - vector operations for linear_tiled.h -----*- C -*-===*/
#include <immintrin.h>
#define VEC __m512
#define V 16
#define VZERO() _mm512_setzero_ps()
#define VLOADX(p) _mm512_loadu_ps(p)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VHSUM(v) _mm512_reduce_add_ps(v)
#define PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#define XROWS 2
