/*===- linear_bf16_avx512.c - bf16 weights, AVX-512F ------------------------===*/
#include "vec_avx512.h"
#define WTYPE uint16_t
#define VLOADW(p)                                                              \
  _mm512_castsi512_ps(_mm512_slli_epi32(                                       \
      _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p))), 16))
#define WSCALAR(p, i) dsc_bf16_to_f32((p)[i])
#define KCTX linear_bf16_ctx
#define KROWS linear_bf16_rows
#define KNAME DSC_UK(linear_bf16)
#include "linear_plain.h"
