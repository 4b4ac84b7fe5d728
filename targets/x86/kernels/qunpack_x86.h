/*===- qunpack_x86.h - 2- to 6-bit blocks unpacked to bytes -------*- C -*-===*
 *
 * The fields of quant_layout.h's dsc_qblock* (32 values of 2 to 6 bits a
 * block), unpacked to one byte per value in a ymm. Shared by the
 * matrix-vector loops (linear_q_int.h), which unpack for every row of x,
 * and the prompt GEMM (gemm_q_x86.h), which unpacks each weight once into
 * its packed panels.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_QUNPACK_X86_H
#define DSC_QUNPACK_X86_H

#include "kernel.h"

#include <immintrin.h>

/* Crumbs: byte j's 2-bit field k is value j + 8k, so each 64-bit lane k of
 * the broadcast 8 bytes is shifted right by 2k. */
DSC_INLINE __m256i unpack_crumbs(const uint8_t *p) {
  int64_t b;
  __builtin_memcpy(&b, p, 8);
  __m256i v =
      _mm256_srlv_epi64(_mm256_set1_epi64x(b), _mm256_set_epi64x(6, 4, 2, 0));
  return _mm256_and_si256(v, _mm256_set1_epi8(3));
}

/* Nibbles: byte j holds values j (low) and j + 16 (high). */
DSC_INLINE __m256i unpack_nibbles(const uint8_t *p) {
  __m128i b = _mm_loadu_si128((const __m128i *)p);
  __m128i m = _mm_set1_epi8(0x0F);
  __m128i lo = _mm_and_si128(b, m);
  __m128i hi = _mm_and_si128(_mm_srli_epi16(b, 4), m);
  return _mm256_set_m128i(hi, lo);
}

/* Bitmask: bit i % 8 of byte i / 8 is value i's; `one` where it is set,
 * else 0. Byte i of the register gets byte i / 8 of the mask, then the
 * test of its bit i % 8. */
DSC_INLINE __m256i unpack_bits(const uint8_t *p, char one) {
  int32_t b;
  __builtin_memcpy(&b, p, 4);
  __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(b),
                                  _mm256_set_epi64x(0x0303030303030303,
                                                    0x0202020202020202,
                                                    0x0101010101010101, 0));
  __m256i bit = _mm256_set1_epi64x((int64_t)0x8040201008040201ull);
  v = _mm256_cmpeq_epi8(_mm256_and_si256(v, bit), bit);
  return _mm256_and_si256(v, _mm256_set1_epi8(one));
}

/* The 32 values of one block of `bits` (2 to 6) bits at p, as bytes. A
 * constant `bits` (the matrix-vector loops) leaves one case. */
DSC_INLINE __m256i dsc_unpack_block(int bits, const uint8_t *p) {
  switch (bits) {
  case 2:
    return unpack_crumbs(p);
  case 3:
    return _mm256_or_si256(unpack_crumbs(p), unpack_bits(p + 8, 4));
  case 4:
    return unpack_nibbles(p);
  case 5:
    return _mm256_or_si256(unpack_nibbles(p), unpack_bits(p + 16, 16));
  default:
    return _mm256_or_si256(unpack_nibbles(p),
                           _mm256_slli_epi16(unpack_crumbs(p + 16), 4));
  }
}

#endif
