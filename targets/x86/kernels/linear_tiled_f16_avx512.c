/*===- linear_tiled_f16_avx512.c - 4x16-tiled f16 weights -------------------===*/
#include "vec_avx512.h"
#define WTYPE uint16_t
#define VLOADW(p) _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(p)))
#define KCTX tiled_f16_ctx
#define KROWS tiled_f16_rows
#define KNAME DSC_UK(linear_f16_t4x16)
#define GEMM_KIND 1
#include "linear_tiled.h"
