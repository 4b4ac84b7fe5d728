/*===- linear_f32_avx2.c - f32 weights, AVX2 + FMA --------------------------===*/
#define WTYPE float
#define LOAD8(p) _mm256_loadu_ps(p)
#define WSCALAR(p, i) ((p)[i])
#define KCTX linear_f32_ctx
#define KROWS linear_f32_rows
#define KNAME dsc_uk_linear_f32
#include "linear_avx2.h"
