/*===- ggml_decode.h - ggml weight blocks to floats ----------------*- C -*-===*
 *
 * The one decoder of each ggml block format of quant_layout.h, shared by the
 * compiler (dequantizing a checkpoint's tensors, calibration) and the
 * kernels (which decode a block, then use its floats), so that both give a
 * weight the same value. Blocks are read byte by byte: a tensor's rows need
 * not be aligned for the block structs.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_ABI_GGML_DECODE_H
#define DSC_ABI_GGML_DECODE_H

#include "dsc/abi/quant_layout.h"
#include "dsc/half.h"

#include <stdint.h>

static inline float dsc_ggml_f16(const uint8_t *p) {
  return dsc_f16_to_f32((uint16_t)(p[0] | (p[1] << 8)));
}

/* IQ4_NL's and IQ4_XS's 16 levels (a scaled, non-uniform 4-bit grid). */
static const int8_t dsc_iq4_levels[16] = {
    -127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

/* 32 values of two nibbles per byte: byte j holds value j (low nibble) and
 * j + 16 (high), as Q4_0, Q4_1, IQ4_NL and IQ4_XS's sub-blocks store them. */
static inline void dsc_ggml_nibbles32(const uint8_t *qs, uint8_t *q) {
  for (int j = 0; j < 16; ++j) {
    q[j] = qs[j] & 0xF;
    q[j + 16] = qs[j] >> 4;
  }
}

/* Sub-block j's 6-bit scale and min of Q4_K and Q5_K. */
static inline void dsc_ggml_k4_scale(const uint8_t *s, int j, int *sc, int *m) {
  if (j < 4) {
    *sc = s[j] & 63;
    *m = s[j + 4] & 63;
  } else {
    *sc = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

/* Decodes one block of `type` (dsc_ggml_block_elems values) at `b`. Returns
 * 0 for a type that is not a block format. */
static inline __attribute__((always_inline)) int
dsc_ggml_decode_block(unsigned type, const uint8_t *b, float *out) {
  uint8_t q[32];
  switch (type) {
  case DSC_GGML_TYPE_Q8_0: {
    float d = dsc_ggml_f16(b);
    for (int j = 0; j < 32; ++j)
      out[j] = d * (float)(int8_t)b[2 + j];
    return 1;
  }
  case DSC_GGML_TYPE_Q4_0: {
    float d = dsc_ggml_f16(b);
    dsc_ggml_nibbles32(b + 2, q);
    for (int j = 0; j < 32; ++j)
      out[j] = d * (float)(q[j] - 8);
    return 1;
  }
  case DSC_GGML_TYPE_Q4_1: {
    float d = dsc_ggml_f16(b), m = dsc_ggml_f16(b + 2);
    dsc_ggml_nibbles32(b + 4, q);
    for (int j = 0; j < 32; ++j)
      out[j] = d * (float)q[j] + m;
    return 1;
  }
  case DSC_GGML_TYPE_Q5_0:
  case DSC_GGML_TYPE_Q5_1: {
    int hasMin = type == DSC_GGML_TYPE_Q5_1;
    float d = dsc_ggml_f16(b), m = hasMin ? dsc_ggml_f16(b + 2) : 0.0f;
    const uint8_t *qh = b + (hasMin ? 4 : 2);
    uint32_t h = (uint32_t)qh[0] | ((uint32_t)qh[1] << 8) |
                 ((uint32_t)qh[2] << 16) | ((uint32_t)qh[3] << 24);
    dsc_ggml_nibbles32(qh + 4, q);
    for (int j = 0; j < 32; ++j) {
      int v = q[j] | (int)(((h >> j) & 1) << 4);
      out[j] = hasMin ? d * (float)v + m : d * (float)(v - 16);
    }
    return 1;
  }
  case DSC_GGML_TYPE_IQ4_NL: {
    float d = dsc_ggml_f16(b);
    dsc_ggml_nibbles32(b + 2, q);
    for (int j = 0; j < 32; ++j)
      out[j] = d * (float)dsc_iq4_levels[q[j]];
    return 1;
  }
  case DSC_GGML_TYPE_Q2_K:
  case DSC_GGML_TYPE_Q3_K: {
    /* Both keep 2 low bits per value, value 128h + 32i + l at bits 2i of
     * qs[32h + l], and a scale per 16 values; loops with l innermost
     * vectorize. */
    int three = type == DSC_GGML_TYPE_Q3_K;
    const uint8_t *qs = b + (three ? 32 : 16), *hm = b;
    float d = dsc_ggml_f16(b + (three ? 108 : 80));
    float dmin = three ? 0.0f : dsc_ggml_f16(b + 82);
    float dl[16], ml[16];
    for (int j = 0; j < 16; ++j) {
      if (three) {
        const uint8_t *sc = b + 96;
        int lo = j < 8 ? sc[j] & 0xF : sc[j - 8] >> 4;
        int hi = (sc[8 + j % 4] >> (2 * (j / 4))) & 3;
        dl[j] = d * (float)((lo | (hi << 4)) - 32);
        ml[j] = 0.0f;
      } else {
        dl[j] = d * (float)(b[j] & 0xF);
        ml[j] = dmin * (float)(b[j] >> 4);
      }
    }
    for (int h = 0; h < 2; ++h)
      for (int i = 0; i < 4; ++i)
        for (int k = 0; k < 2; ++k) {
          /* 16 values of one scale. */
          const uint8_t *p = qs + 32 * h + 16 * k, *hp = hm + 16 * k;
          float *o = out + 128 * h + 32 * i + 16 * k;
          float a = dl[8 * h + 2 * i + k], m = ml[8 * h + 2 * i + k];
          int bit = 4 * h + i;
          if (three)
            for (int l = 0; l < 16; ++l)
              o[l] = a * (float)(((p[l] >> (2 * i)) & 3) -
                                 4 * (1 - ((hp[l] >> bit) & 1)));
          else
            for (int l = 0; l < 16; ++l)
              o[l] = a * (float)((p[l] >> (2 * i)) & 3) - m;
        }
    return 1;
  }
  case DSC_GGML_TYPE_Q4_K:
  case DSC_GGML_TYPE_Q5_K: {
    int five = type == DSC_GGML_TYPE_Q5_K;
    float d = dsc_ggml_f16(b), dmin = dsc_ggml_f16(b + 2);
    const uint8_t *sc = b + 4, *qh = b + 16, *qs = b + (five ? 48 : 16);
    for (int j = 0; j < 8; ++j) {
      int s, m;
      dsc_ggml_k4_scale(sc, j, &s, &m);
      float dl = d * (float)s, ml = dmin * (float)m;
      const uint8_t *p = qs + 32 * (j / 2);
      int shift = 4 * (j % 2);
      float *o = out + 32 * j;
      if (five)
        for (int l = 0; l < 32; ++l)
          o[l] = dl * (float)(((p[l] >> shift) & 0xF) |
                              (((qh[l] >> j) & 1) << 4)) -
                 ml;
      else
        for (int l = 0; l < 32; ++l)
          o[l] = dl * (float)((p[l] >> shift) & 0xF) - ml;
    }
    return 1;
  }
  case DSC_GGML_TYPE_Q6_K: {
    const uint8_t *ql = b, *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    float d = dsc_ggml_f16(b + 208);
    for (int h = 0; h < 2; ++h)
      for (int i = 0; i < 4; ++i) {
        const uint8_t *lp = ql + 64 * h + 32 * (i & 1), *hp = qh + 32 * h;
        float *o = out + 128 * h + 32 * i;
        float d0 = d * (float)sc[8 * h + 2 * i],
              d1 = d * (float)sc[8 * h + 2 * i + 1];
        for (int l = 0; l < 32; ++l) {
          int lo = i >= 2 ? lp[l] >> 4 : lp[l] & 0xF;
          int hi = (hp[l] >> (2 * i)) & 3;
          o[l] = (l < 16 ? d0 : d1) * (float)((lo | (hi << 4)) - 32);
        }
      }
    return 1;
  }
  case DSC_GGML_TYPE_Q8_K: {
    float d = dsc_bits_f32((uint32_t)b[0] | ((uint32_t)b[1] << 8) |
                           ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24));
    for (int j = 0; j < 256; ++j)
      out[j] = d * (float)(int8_t)b[4 + j];
    return 1;
  }
  case DSC_GGML_TYPE_IQ4_XS: {
    float d = dsc_ggml_f16(b);
    unsigned sh = (unsigned)(b[2] | (b[3] << 8));
    const uint8_t *sl = b + 4, *qs = b + 8;
    for (int i = 0; i < 8; ++i) {
      int s =
          ((sl[i / 2] >> (4 * (i % 2))) & 0xF) | (((sh >> (2 * i)) & 3) << 4);
      float dl = d * (float)(s - 32);
      dsc_ggml_nibbles32(qs + 16 * i, q);
      for (int j = 0; j < 32; ++j)
        out[32 * i + j] = dl * (float)dsc_iq4_levels[q[j]];
    }
    return 1;
  }
  default:
    return 0;
  }
}

#endif /* DSC_ABI_GGML_DECODE_H */
