/*===- linear_f32_avx2.c - f32 weights, AVX2 + FMA --------------------------===*/
#include "vec_avx2.h"
#define WTYPE float
#define VLOADW(p) _mm256_loadu_ps(p)
#define WSCALAR(p, i) ((p)[i])
#define KCTX linear_f32_ctx
#define KROWS linear_f32_rows
#define KNAME DSC_UK(linear_f32)
#include "linear_plain.h"
