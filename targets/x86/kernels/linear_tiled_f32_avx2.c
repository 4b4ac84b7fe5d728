/*===- linear_tiled_f32_avx2.c - 4x16-tiled f32 weights ---------------------===*/
#include "vec_avx2.h"
#define WTYPE float
#define VLOADW(p) VLOADX(p)
#define KCTX tiled_f32_ctx
#define KROWS tiled_f32_rows
#define KNAME DSC_UK(linear_f32_t4x16)
#define GEMM_KIND 0
#include "linear_tiled.h"
