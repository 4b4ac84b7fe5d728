/*===- linear_tiled_bf16_avx2.c - 4x16-tiled bf16 weights -------------------===*/
#include "vec_avx2.h"
#define WTYPE uint16_t
#define VLOADW(p)                                                              \
  _mm256_castsi256_ps(_mm256_slli_epi32(                                       \
      _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 16))
#define KCTX tiled_bf16_ctx
#define KROWS tiled_bf16_rows
#define KNAME DSC_UK(linear_bf16_t4x16)
#define GEMM_KIND 2
#include "linear_tiled.h"
