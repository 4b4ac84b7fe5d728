/*===- linear_bf16_avx2.c - bf16 weights, AVX2 + FMA ------------------------===*/
#include "vec_avx2.h"
#define WTYPE uint16_t
#define VLOADW(p)                                                              \
  _mm256_castsi256_ps(_mm256_slli_epi32(                                       \
      _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 16))
#define WSCALAR(p, i) dsc_bf16_to_f32((p)[i])
#define KCTX linear_bf16_ctx
#define KROWS linear_bf16_rows
#define KNAME DSC_UK(linear_bf16)
#include "linear_plain.h"
