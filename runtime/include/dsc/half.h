/*===- half.h - f16 and bf16 conversions --------------------------*- C -*-===*
 *
 * Exact software conversions (round to nearest even), for code that cannot
 * rely on F16C or NEON: the compiler, generic kernels and tests.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_HALF_H
#define DSC_HALF_H

#include <stdint.h>

static inline uint32_t dsc_f32_bits(float f) {
  union {
    float f;
    uint32_t u;
  } v;
  v.f = f;
  return v.u;
}

static inline float dsc_bits_f32(uint32_t u) {
  union {
    float f;
    uint32_t u;
  } v;
  v.u = u;
  return v.f;
}

static inline float dsc_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  uint32_t exp = (h >> 10) & 0x1F;
  uint32_t man = h & 0x3FF;
  if (exp == 0x1F)
    return dsc_bits_f32(sign | 0x7F800000u | (man << 13));
  if (exp == 0) {
    if (man == 0)
      return dsc_bits_f32(sign);
    /* Subnormal: value = man * 2^-24. */
    float v = (float)man * 5.9604644775390625e-8f;
    return sign ? -v : v;
  }
  return dsc_bits_f32(sign | ((exp + 112) << 23) | (man << 13));
}

static inline uint16_t dsc_f32_to_f16(float f) {
  uint32_t x = dsc_f32_bits(f);
  uint32_t sign = (x >> 16) & 0x8000;
  uint32_t exp = (x >> 23) & 0xFF;
  uint32_t man = x & 0x7FFFFF;
  if (exp == 0xFF)
    return (uint16_t)(sign | 0x7C00 | (man ? 0x200 | (man >> 13) : 0));
  int32_t e = (int32_t)exp - 127 + 15;
  if (e >= 0x1F)
    return (uint16_t)(sign | 0x7C00);
  if (e <= 0) {
    if (e < -10)
      return (uint16_t)sign;
    man |= 0x800000;
    uint32_t shift = (uint32_t)(14 - e);
    uint32_t half = man >> shift;
    uint32_t rem = man & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1)))
      half++;
    return (uint16_t)(sign | half);
  }
  uint32_t half = ((uint32_t)e << 10) | (man >> 13);
  uint32_t rem = man & 0x1FFF;
  if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
    half++; /* may carry into the exponent, which is correct */
  return (uint16_t)(sign | half);
}

static inline float dsc_bf16_to_f32(uint16_t h) {
  return dsc_bits_f32((uint32_t)h << 16);
}

static inline uint16_t dsc_f32_to_bf16(float f) {
  uint32_t x = dsc_f32_bits(f);
  if ((x & 0x7FFFFFFF) > 0x7F800000)
    return (uint16_t)((x >> 16) | 0x40);
  x += 0x7FFF + ((x >> 16) & 1);
  return (uint16_t)(x >> 16);
}

#endif /* DSC_HALF_H */
