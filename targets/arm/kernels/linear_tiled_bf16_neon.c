/*===- linear_tiled_bf16_neon.c - 4x16-tiled bf16 weights -------------------===*/
#include "vec_neon.h"
#define WTYPE uint16_t
#define VLOADW(p) vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16))
#define KCTX tiled_bf16_ctx
#define KROWS tiled_bf16_rows
#define KNAME DSC_UK(linear_bf16_t4x16)
#include "linear_tiled.h"
