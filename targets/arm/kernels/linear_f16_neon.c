/*===- linear_f16_neon.c - f16 weights, NEON -----------------===*/
#include "vec_neon.h"
#define WTYPE uint16_t
#define VLOADW(p) vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)))
#define WSCALAR(p, i) dsc_f16_to_f32((p)[i])
#define KCTX linear_f16_ctx
#define KROWS linear_f16_rows
#define KNAME DSC_UK(linear_f16)
#include "linear_plain.h"
