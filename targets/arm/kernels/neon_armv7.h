/*===- neon_armv7.h - AArch64 NEON intrinsics on 32-bit ARM ------*- C -*-===*
 *
 * The NEON kernels use a few intrinsics that only AArch64 has (across-lane
 * sums and maxima, conversion rounding to nearest). On ARMv7 they are
 * defined here from the instructions it has, with the same results, so
 * that one source serves both.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_NEON_ARMV7_H
#define DSC_NEON_ARMV7_H

#include <arm_neon.h>

#if !defined(__aarch64__)
static inline float vaddvq_f32(float32x4_t v) {
  float32x2_t s = vadd_f32(vget_low_f32(v), vget_high_f32(v));
  return vget_lane_f32(vpadd_f32(s, s), 0);
}
static inline int32_t vaddvq_s32(int32x4_t v) {
  int32x2_t s = vadd_s32(vget_low_s32(v), vget_high_s32(v));
  return vget_lane_s32(vpadd_s32(s, s), 0);
}
static inline float vmaxvq_f32(float32x4_t v) {
  float32x2_t m = vpmax_f32(vget_low_f32(v), vget_high_f32(v));
  return vget_lane_f32(vpmax_f32(m, m), 0);
}
/* Round to nearest, ties to even, for |v| < 2^22 (the kernels convert
 * values scaled to +-127): adding 1.5 * 2^23 leaves the rounded integer in
 * the low mantissa bits, as ARMv8's fcvtns would give it. */
static inline int32x4_t vcvtnq_s32_f32(float32x4_t v) {
  const float32x4_t magic = vdupq_n_f32(12582912.0f);
  int32x4_t r = vreinterpretq_s32_f32(vaddq_f32(v, magic));
  return vsubq_s32(r, vreinterpretq_s32_f32(magic));
}
#endif

#endif /* DSC_NEON_ARMV7_H */
