/*===- linear_tiled_f16_avx2.c - 4x16-tiled f16 weights, F16C ---------------===*/
#include "vec_avx2.h"
#define WTYPE uint16_t
#define VLOADW(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
#define KCTX tiled_f16_ctx
#define KROWS tiled_f16_rows
#define KNAME DSC_UK(linear_f16_t4x16)
#define GEMM_KIND 1
#include "linear_tiled.h"
