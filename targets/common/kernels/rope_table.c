/*===- rope_table.c - cos/sin of RoPE angles -------------------------------===*
 *
 * cos/sin[s, i] of angle (pos + s) * freqs[i], the angle rounded to float as
 * the reference implementations compute it, the functions in double.
 *
 *===---------------------------------------------------------------------===*/
#include "kernel.h"

DSC_GENERIC void DSC_UK(rope_table)(const float *freqs, float *cosT,
                                   float *sinT, int64_t S, int64_t pos,
                                   int64_t half) {
  for (int64_t s = 0; s < S; ++s)
    for (int64_t i = 0; i < half; ++i) {
      float angle = (float)(pos + s) * freqs[i];
      double sn, cs;
      dsc_sincos((double)angle, &sn, &cs);
      cosT[s * half + i] = (float)cs;
      sinT[s * half + i] = (float)sn;
    }
}
