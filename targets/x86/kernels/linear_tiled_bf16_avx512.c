/*===- linear_tiled_bf16_avx512.c - 4x16-tiled bf16 weights -----------------===*/
#include "vec_avx512.h"
#define WTYPE uint16_t
#define VLOADW(p)                                                              \
  _mm512_castsi512_ps(_mm512_slli_epi32(                                       \
      _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(p))), 16))
#define KCTX tiled_bf16_ctx
#define KROWS tiled_bf16_rows
#define KNAME DSC_UK(linear_bf16_t4x16)
#define GEMM_KIND 2
#include "linear_tiled.h"
