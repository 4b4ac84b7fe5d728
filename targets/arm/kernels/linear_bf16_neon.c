/*===- linear_bf16_neon.c - bf16 weights, NEON ------------------------===*/
#include "vec_neon.h"
#define WTYPE uint16_t
#define VLOADW(p) vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16))
#define WSCALAR(p, i) dsc_bf16_to_f32((p)[i])
#define KCTX linear_bf16_ctx
#define KROWS linear_bf16_rows
#define KNAME DSC_UK(linear_bf16)
#include "linear_plain.h"
