/*===- linear_tiled_f16_neon.c - 4x16-tiled f16 weights ---------------------===*/
#include "vec_neon.h"
#define WTYPE uint16_t
#define VLOADW(p) vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)))
#define KCTX tiled_f16_ctx
#define KROWS tiled_f16_rows
#define KNAME DSC_UK(linear_f16_t4x16)
#include "linear_tiled.h"
