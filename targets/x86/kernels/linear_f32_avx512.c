/*===- linear_f32_avx512.c - f32 weights, AVX-512F --------------------------===*/
#include "vec_avx512.h"
#define WTYPE float
#define VLOADW(p) _mm512_loadu_ps(p)
#define WSCALAR(p, i) ((p)[i])
#define KCTX linear_f32_ctx
#define KROWS linear_f32_rows
#define KNAME DSC_UK(linear_f32)
#include "linear_plain.h"
