/*===- ggml_k_x86.h - GGUF blocks unpacked with AVX2 --------------*- C -*-===*
 *
 * The blocks' and super-blocks' values and scales as bytes and floats (Q2_K
 * to Q6_K, IQ4_NL, IQ4_XS, Q5_0, Q4_1, Q5_1), shared by the
 * matrix-vector loops (linear_ggml_avx2.c) and the prompt GEMM's panel
 * packing (gemm_q_x86.h), so that both read one decoding of the layouts
 * dsc/abi/quant_layout.h defines.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_X86_GGML_K_X86_H
#define DSC_X86_GGML_K_X86_H

#include "kernel.h"

#include "dsc/abi/ggml_decode.h"

#include <immintrin.h>

/* Whether a type's 32-value blocks have minimums (Q4_K, Q5_K: dmin * m
 * subtracted; Q4_1, Q5_1: m added), rather than values offset by a constant
 * (Q3_K, Q6_K) or none. */
DSC_INLINE int k_has_mins(unsigned type) {
  return type == DSC_GGML_TYPE_Q4_K || type == DSC_GGML_TYPE_Q5_K ||
         type == DSC_GGML_TYPE_Q4_1 || type == DSC_GGML_TYPE_Q5_1;
}

/* The bits of the values a K-quant type's integer loops multiply (the
 * GEMM's are k_gemm_bits')
 * (Q2_K 0..3, Q3_K -4..3, Q4_K 0..15, Q5_K 0..31, Q6_K -32..31: 2 to 6),
 * for the ISA's choice of loop and activation offset; 0 for a type they do
 * not take. */
DSC_INLINE int k_value_bits(int64_t type) {
  switch (type) {
  case DSC_GGML_TYPE_Q2_K:
    return 2;
  case DSC_GGML_TYPE_Q3_K:
    return 3;
  case DSC_GGML_TYPE_Q4_K:
    return 4;
  case DSC_GGML_TYPE_Q5_K:
    return 5;
  case DSC_GGML_TYPE_Q6_K:
    return 6;
  default:
    return 0;
  }
}

/* The GGUF types that the prompt GEMM (gemm_q_x86.h's dsc_gemm_q_ggml_k)
 * packs from their blocks, and the bits of the values it multiplies: the
 * K-quants' (k_value_bits), IQ4_NL's and IQ4_XS's levels (-127..113, as
 * int8 values), Q5_0's (-16..15), Q4_1's and Q5_1's (0..15, 0..31); 0 for
 * a type it does not take. */
DSC_INLINE int k_gemm_bits(int64_t type) {
  switch (type) {
  case DSC_GGML_TYPE_IQ4_NL:
  case DSC_GGML_TYPE_IQ4_XS:
    return 8;
  case DSC_GGML_TYPE_Q4_1:
    return 4;
  case DSC_GGML_TYPE_Q5_0:
  case DSC_GGML_TYPE_Q5_1:
    return 5;
  default:
    return k_value_bits(type);
  }
}

/* An f16 at p (F16C). */
DSC_INLINE float k_f16(const uint8_t *p) {
  uint16_t h;
  __builtin_memcpy(&h, p, 2);
  return _cvtsh_ss(h);
}

/* Half h of a Q6_K block as its 6-bit values (0..63): v[i] holds values
 * 128h + 32i .. 128h + 32i + 31, the low nibbles from ql and the two high
 * bits from qh. */
DSC_INLINE void k_q6k_values(const uint8_t *b, int h, __m256i v[4]) {
  const __m256i m4 = _mm256_set1_epi8(0xF), m3 = _mm256_set1_epi8(3);
  const uint8_t *ql = b, *qh = b + 128;
  __m256i l0 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h));
  __m256i l1 = _mm256_loadu_si256((const __m256i *)(ql + 64 * h + 32));
  __m256i hb = _mm256_loadu_si256((const __m256i *)(qh + 32 * h));
  __m256i lo[4] = {_mm256_and_si256(l0, m4), _mm256_and_si256(l1, m4),
                   _mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                   _mm256_and_si256(_mm256_srli_epi16(l1, 4), m4)};
  for (int i = 0; i < 4; ++i)
    v[i] = _mm256_or_si256(
        lo[i], _mm256_slli_epi16(
                   _mm256_and_si256(_mm256_srli_epi16(hb, 2 * i), m3), 4));
}

/* Half h of a Q3_K block as its 3-bit values offset by 4 (0..7, the
 * stored value q - 4h of quant_layout.h plus 4): v[i] holds values
 * 128h + 32i .. 128h + 32i + 31, the two low bits from qs and the third
 * from hmask (bit 4h + i of byte l). */
DSC_INLINE void k_q3k_values(const uint8_t *b, int h, __m256i v[4]) {
  const __m256i m3 = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
  __m256i q = _mm256_loadu_si256((const __m256i *)(b + 32 + 32 * h));
  __m256i hm = _mm256_loadu_si256((const __m256i *)b);
  for (int i = 0; i < 4; ++i)
    v[i] = _mm256_or_si256(
        _mm256_and_si256(_mm256_srli_epi16(q, 2 * i), m3),
        _mm256_slli_epi16(
            _mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + i), one), 2));
}

/* The sixteen 6-bit scales of a Q3_K super-block (its bytes 96..107) less
 * 32: scale j's low nibble is byte j's (j < 8) or byte j - 8's high one,
 * its top two bits bits 2(j / 4) of byte 8 + j % 4. */
DSC_INLINE void k_q3k_scales(const uint8_t *s, int8_t sc[16]) {
  uint32_t w0, w1, w2, o[4];
  __builtin_memcpy(&w0, s, 4);
  __builtin_memcpy(&w1, s + 4, 4);
  __builtin_memcpy(&w2, s + 8, 4);
  o[0] = (w0 & 0x0F0F0F0Fu) | ((w2 & 0x03030303u) << 4);
  o[1] = (w1 & 0x0F0F0F0Fu) | (((w2 >> 2) & 0x03030303u) << 4);
  o[2] = ((w0 >> 4) & 0x0F0F0F0Fu) | (((w2 >> 4) & 0x03030303u) << 4);
  o[3] = ((w1 >> 4) & 0x0F0F0F0Fu) | (((w2 >> 6) & 0x03030303u) << 4);
  uint8_t u[16];
  __builtin_memcpy(u, o, 16);
  for (int j = 0; j < 16; ++j)
    sc[j] = (int8_t)((int)u[j] - 32);
}

/* The eight 6-bit scales and minimums of a Q4_K super-block (its bytes
 * 4..15, dsc_ggml_k4_scale's packing) as bytes, four at a time: j < 4 are
 * the low six bits of bytes j and j + 4; j >= 4 take the nibbles of byte
 * j + 4 and, as bits 4-5, the top two bits of bytes j - 4 and j. */
DSC_INLINE void k_q4k_scales(const uint8_t *s, uint8_t sc[8], uint8_t m[8]) {
  uint32_t w0, w1, w2;
  __builtin_memcpy(&w0, s, 4);
  __builtin_memcpy(&w1, s + 4, 4);
  __builtin_memcpy(&w2, s + 8, 4);
  uint32_t s03 = w0 & 0x3F3F3F3Fu, m03 = w1 & 0x3F3F3F3Fu;
  uint32_t s47 = (w2 & 0x0F0F0F0Fu) | (((w0 >> 6) & 0x03030303u) << 4);
  uint32_t m47 = ((w2 >> 4) & 0x0F0F0F0Fu) | (((w1 >> 6) & 0x03030303u) << 4);
  __builtin_memcpy(sc, &s03, 4);
  __builtin_memcpy(sc + 4, &s47, 4);
  __builtin_memcpy(m, &m03, 4);
  __builtin_memcpy(m + 4, &m47, 4);
}

/* Sub-blocks 2p and 2p + 1 of a Q4_K (five = 0) or Q5_K (five = 1, a
 * constant where inlined) super-block as bytes: the low and high nibbles
 * of qs's 32 bytes p, and Q5_K's fifth bits from qh (bit j of byte l for
 * value 32j + l). */
DSC_INLINE void k_q45k_pair(const uint8_t *b, int p, const int five,
                            __m256i *lo, __m256i *hi) {
  const __m256i m4 = _mm256_set1_epi8(0xF);
  __m256i q =
      _mm256_loadu_si256((const __m256i *)(b + (five ? 48 : 16) + 32 * p));
  *lo = _mm256_and_si256(q, m4);
  *hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
  if (five) {
    const __m256i one = _mm256_set1_epi8(1);
    __m256i qh = _mm256_loadu_si256((const __m256i *)(b + 16));
    /* Each byte's bit (0 or 1) shifted to bit 4 within its 16-bit lane. */
    *lo = _mm256_or_si256(
        *lo, _mm256_slli_epi16(
                 _mm256_and_si256(_mm256_srli_epi16(qh, 2 * p), one), 4));
    *hi = _mm256_or_si256(
        *hi, _mm256_slli_epi16(
                 _mm256_and_si256(_mm256_srli_epi16(qh, 2 * p + 1), one), 4));
  }
}

/* A Q4_K or Q5_K super-block's 256 values (0..15 or 0..31) as bytes in
 * order, its sub-blocks' scales d * sc and minimums dmin * m. */
DSC_INLINE void k_q45k_unpack(const uint8_t *b, const int five,
                              uint8_t vals[DSC_QK_K], float scale[8],
                              float min[8]) {
  float d = k_f16(b), dmin = k_f16(b + 2);
  uint8_t sc[8], m[8];
  k_q4k_scales(b + 4, sc, m);
  for (int i = 0; i < 8; ++i) {
    scale[i] = d * (float)sc[i];
    min[i] = dmin * (float)m[i];
  }
  for (int p = 0; p < 4; ++p) {
    __m256i lo, hi;
    k_q45k_pair(b, p, five, &lo, &hi);
    _mm256_storeu_si256((__m256i *)(vals + 64 * p), lo);
    _mm256_storeu_si256((__m256i *)(vals + 64 * p + 32), hi);
  }
}

/* A Q6_K (three = 0) or Q3_K (three = 1) super-block's sixteen signed
 * sub-block scales (Q3_K's less 32) into sc; returns its d. */
DSC_INLINE float k_q36k_scales(const uint8_t *b, const int three,
                               int8_t sc[16]) {
  if (three)
    k_q3k_scales(b + 96, sc);
  else
    __builtin_memcpy(sc, b + 192, 16);
  return k_f16(b + (three ? 108 : 208));
}

/* A Q6_K (three = 0) or Q3_K (three = 1) super-block's 256 values as
 * signed bytes in order (less 32: -32..31, or less 4: -4..3) and its
 * sixteen 16-value sub-blocks' scales (d * sc, or d * (s - 32)). */
DSC_INLINE void k_q36k_unpack(const uint8_t *b, const int three,
                              int8_t vals[DSC_QK_K], float scale[16]) {
  int8_t sc[16];
  float d = k_q36k_scales(b, three, sc);
  for (int i = 0; i < 16; ++i)
    scale[i] = d * (float)sc[i];
  const __m256i off = _mm256_set1_epi8(three ? 4 : 32);
  for (int h = 0; h < 2; ++h) {
    __m256i v[4];
    if (three)
      k_q3k_values(b, h, v);
    else
      k_q6k_values(b, h, v);
    for (int i = 0; i < 4; ++i)
      _mm256_storeu_si256((__m256i *)(vals + 128 * h + 32 * i),
                          _mm256_sub_epi8(v[i], off));
  }
}

/* Q2_K's sixteen 4-bit scales and minimums (bytes 0..15: scale in the low
 * nibble, minimum in the high one), as bytes. */
DSC_INLINE void k_q2k_scales(const uint8_t *b, uint8_t sc[16], uint8_t mn[16]) {
  const __m128i m4 = _mm_set1_epi8(0xF);
  __m128i s = _mm_loadu_si128((const __m128i *)b);
  _mm_storeu_si128((__m128i *)sc, _mm_and_si128(s, m4));
  _mm_storeu_si128((__m128i *)mn, _mm_and_si128(_mm_srli_epi16(s, 4), m4));
}

/* Half h of a Q2_K block as its 2-bit values (0..3): v[i] holds values
 * 128h + 32i .. 128h + 32i + 31, bits 2i of qs's bytes 32h .. 32h + 31. */
DSC_INLINE void k_q2k_values(const uint8_t *b, int h, __m256i v[4]) {
  const __m256i m3 = _mm256_set1_epi8(3);
  __m256i q = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * h));
  for (int i = 0; i < 4; ++i)
    v[i] = _mm256_and_si256(_mm256_srli_epi16(q, 2 * i), m3);
}

/* A Q2_K super-block's 256 values (0..3) as bytes in order, and its sixteen
 * 16-value sub-blocks' scales d * sc and minimums dmin * m. */
DSC_INLINE void k_q2k_unpack(const uint8_t *b, uint8_t vals[DSC_QK_K],
                             float scale[16], float min[16]) {
  uint8_t sc[16], mn[16];
  k_q2k_scales(b, sc, mn);
  float d = k_f16(b + 80), dmin = k_f16(b + 82);
  for (int j = 0; j < 16; ++j) {
    scale[j] = d * (float)sc[j];
    min[j] = dmin * (float)mn[j];
  }
  for (int h = 0; h < 2; ++h) {
    __m256i v[4];
    k_q2k_values(b, h, v);
    for (int i = 0; i < 4; ++i)
      _mm256_storeu_si256((__m256i *)(vals + 128 * h + 32 * i), v[i]);
  }
}

/* The 32 unsigned values of a Q4_0-ordered block: value j's low four bits
 * are the low (j < 16) or high nibble of qs[j % 16]; with qh (Q5_0, Q5_1),
 * its fifth bit is bit j of qh's 32. The 16 bytes go to both halves of a
 * ymm at once, the upper half's shifted by 4 (vpsrlvq): three instructions
 * where two shifts, two masks and an insert took five. */
DSC_INLINE __m256i k_b32_nibbles(const uint8_t *qs, const uint8_t *qh) {
  __m256i q = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)qs));
  __m256i nib =
      _mm256_and_si256(_mm256_srlv_epi64(q, _mm256_set_epi64x(4, 4, 0, 0)),
                       _mm256_set1_epi8(0xF));
  if (!qh)
    return nib;
  uint32_t h;
  __builtin_memcpy(&h, qh, 4);
  /* Byte j of h's copy holds h's byte j / 8; its bit j % 8 is value j's. */
  __m256i bits = _mm256_shuffle_epi8(
      _mm256_set1_epi32((int)h),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                        0x0101010101010101, 0x0000000000000000));
  const __m256i sel = _mm256_set1_epi64x((long long)0x8040201008040201ull);
  __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(bits, sel), sel);
  return _mm256_or_si256(nib, _mm256_and_si256(set, _mm256_set1_epi8(0x10)));
}

/* The 32 levels of 16 bytes of nibbles in IQ4_NL's order (IQ4_NL's and
 * IQ4_XS's sub-blocks), values 0-15 (low nibbles) then 16-31: one vpshufb
 * of the nibbles into the 16 levels, held in both halves. */
DSC_INLINE __m256i k_iq4_levels32(const uint8_t *qs, __m128i levels) {
  return _mm256_shuffle_epi8(_mm256_broadcastsi128_si256(levels),
                             k_b32_nibbles(qs, 0));
}

/* The eight 6-bit scales of an IQ4_XS super-block less 32: sub-block i's
 * low nibble is scales_l[i / 2]'s (low for even i), its top two bits bits
 * 2i of scales_h. */
DSC_INLINE void k_iq4xs_scales(const uint8_t *b, int8_t ls[8]) {
  uint16_t h;
  __builtin_memcpy(&h, b + 2, 2);
  for (int i = 0; i < 8; ++i)
    ls[i] = (int8_t)((((b[4 + i / 2] >> (4 * (i & 1))) & 0xF) |
                      (((h >> (2 * i)) & 3) << 4)) -
                     32);
}

/* An IQ4_XS super-block's 256 levels as signed bytes in order, and its
 * sub-blocks' scales d * (s - 32). */
DSC_INLINE void k_iq4xs_unpack(const uint8_t *b, int8_t vals[DSC_QK_K],
                               float scale[8]) {
  const __m128i levels = _mm_loadu_si128((const __m128i *)dsc_iq4_levels);
  int8_t ls[8];
  k_iq4xs_scales(b, ls);
  float d = k_f16(b);
  for (int i = 0; i < 8; ++i) {
    scale[i] = d * (float)ls[i];
    _mm256_storeu_si256((__m256i *)(vals + 32 * i),
                        k_iq4_levels32(b + 8 + 16 * i, levels));
  }
}

/* The 32 values of a 32-value block of `type` (a constant where inlined):
 * IQ4_NL's levels and Q5_0's values less 16 (signed), Q4_1's and Q5_1's as
 * stored (unsigned; x = d * q + m). Each has its f16 scale d first. */
DSC_INLINE __m256i k_b32_values(const unsigned type, const uint8_t *blk,
                                __m128i levels) {
  switch (type) {
  case DSC_GGML_TYPE_IQ4_NL:
    return k_iq4_levels32(blk + 2, levels);
  case DSC_GGML_TYPE_Q5_0:
    return _mm256_sub_epi8(k_b32_nibbles(blk + 6, blk + 2),
                           _mm256_set1_epi8(16));
  case DSC_GGML_TYPE_Q4_1:
    return k_b32_nibbles(blk + 4, 0);
  default: /* Q5_1 */
    return k_b32_nibbles(blk + 8, blk + 4);
  }
}

#endif /* DSC_X86_GGML_K_X86_H */
