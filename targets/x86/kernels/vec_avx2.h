/*===- vec_avx2.h - vector operations of the float kernels --------*- C -*-===*/
#include <immintrin.h>

#include "prefetch_x86.h"
#define VEC __m256
#define V 8
#define VZERO() _mm256_setzero_ps()
#define VLOADX(p) _mm256_loadu_ps(p)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VADD(a, b) _mm256_add_ps(a, b)
/* Where it pays (prefetch_x86.h): PREFETCH_ON() once before a loop,
 * PREFETCH(p) in it where that said yes (not a load and a branch per
 * line). */
#define PREFETCH_ON() dsc_sw_prefetch()
#define PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
static inline float VHSUM(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
