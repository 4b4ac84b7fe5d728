/*===- vec_neon.h - vector operations of the float kernels --------*- C -*-===*/
#include "neon_armv7.h"
#define VEC float32x4_t
#define V 4
#define VZERO() vdupq_n_f32(0.0f)
#define VLOADX(p) vld1q_f32(p)
#define VFMA(a, b, c) vfmaq_f32(c, a, b)
#define VADD(a, b) vaddq_f32(a, b)
#define VHSUM(v) vaddvq_f32(v)
#define PREFETCH_ON() 1
#define PREFETCH(p) __builtin_prefetch(p)
#define XROWS 2
