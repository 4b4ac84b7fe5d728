/*===- linear_tiled_f32_neon.c - 4x16-tiled f32 weights ---------------------===*/
#include "vec_neon.h"
#define WTYPE float
#define VLOADW(p) vld1q_f32(p)
#define KCTX tiled_f32_ctx
#define KROWS tiled_f32_rows
#define KNAME DSC_UK(linear_f32_t4x16)
#include "linear_tiled.h"
