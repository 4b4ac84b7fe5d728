/*===- linear_tiled_bf16_products_avx512.c - prompt products in bf16 -------===*
 *
 * Float weights tiled 4x16 whose dsc.linear allows bf16 products for
 * prompts (prefill_products = bf16): prompts go to the vdpbf16ps GEMM of
 * gemm_f_avx512.c; decoding's few rows, which are bound by reading the
 * weights, not by multiplies, stay on the kind's exact kernel.
 *
 *===---------------------------------------------------------------------===*/
#include "gemm.h"

void DSC_UK(linear_t4x16_bf16_products)(const float *x, const void *w, float *y,
                                        int64_t S, int64_t K, int64_t N,
                                        int64_t kind) {
  if (S >= DSC_GEMM_MIN_ROWS) {
    dsc_gemm_f_t4x16_bf16(x, w, y, S, K, N, kind);
    return;
  }
  if (kind == 0)
    DSC_UK(linear_f32_t4x16)(x, (const float *)w, y, S, K, N);
  else if (kind == 1)
    DSC_UK(linear_f16_t4x16)(x, (const uint16_t *)w, y, S, K, N);
  else
    DSC_UK(linear_bf16_t4x16)(x, (const uint16_t *)w, y, S, K, N);
}
