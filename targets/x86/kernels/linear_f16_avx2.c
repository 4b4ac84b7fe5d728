/*===- linear_f16_avx2.c - f16 weights, AVX2 + FMA + F16C -----------------===*/
#include "vec_avx2.h"
#define WTYPE uint16_t
#define VLOADW(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define WSCALAR(p, i) dsc_f16_to_f32((p)[i])
#define KCTX linear_f16_ctx
#define KROWS linear_f16_rows
#define KNAME DSC_UK(linear_f16)
#include "linear_plain.h"
