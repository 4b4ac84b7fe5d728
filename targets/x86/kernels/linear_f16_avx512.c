/*===- linear_f16_avx512.c - f16 weights, AVX-512F -----------------===*/
#include "vec_avx512.h"
#define WTYPE uint16_t
#define VLOADW(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define WSCALAR(p, i) dsc_f16_to_f32((p)[i])
#define KCTX linear_f16_ctx
#define KROWS linear_f16_rows
#define KNAME DSC_UK(linear_f16)
#include "linear_plain.h"
