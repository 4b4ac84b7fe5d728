/*===- linear_f32_neon.c - f32 weights, NEON --------------------------===*/
#include "vec_neon.h"
#define WTYPE float
#define VLOADW(p) vld1q_f32(p)
#define WSCALAR(p, i) ((p)[i])
#define KCTX linear_f32_ctx
#define KROWS linear_f32_rows
#define KNAME DSC_UK(linear_f32)
#include "linear_plain.h"
