/*===- mathf.h - exp, sin and cos without libm ------------------*- C -*-===*
 *
 * Shared by the micro-kernels and the runtime (sampler), which have no libm.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_MATHF_H
#define DSC_MATHF_H

#include "dsc/half.h"

#include <stdint.h>

#ifndef DSC_INLINE
#define DSC_INLINE static inline __attribute__((always_inline))
#endif

/* exp(x) in float, about 1 ulp (Cody-Waite reduction, Cephes polynomial). */
DSC_INLINE float dsc_expf(float x) {
  /* No branches: the out-of-range cases are selects on a clamped argument,
   * so that loops of exponentials (softmax, attention) vectorize. */
  float c = x > 88.7228f ? 88.7228f : x;
  c = c < -103.97f ? -103.97f : c;
  /* Round to nearest by the 1.5 * 2^23 trick: no rintf libcall on CPUs
   * without a rounding instruction. Valid here since |c * log2(e)| < 150. */
  float n = (c * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = c - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.0f;
  int32_t e = (int32_t)n;
  /* 2^e in two steps so that results near the denormal range are right. */
  int32_t e1 = e / 2, e2 = e - e1;
  y *= dsc_bits_f32((uint32_t)(e1 + 127) << 23);
  y *= dsc_bits_f32((uint32_t)(e2 + 127) << 23);
  y = x > 88.7228f ? dsc_bits_f32(0x7F800000u) : y;
  return x < -103.97f ? 0.0f : y;
}

/* sin and cos of a double, to about 1e-16 relative, for |x| < 1e9. */
DSC_INLINE void dsc_sincos(double x, double *s, double *c) {
  /* x = k * pi/2 + r, |r| <= pi/4, pi/2 in three parts (Cody-Waite). */
  double k = (x * 0.63661977236758134308 + 6755399441055744.0) -
             6755399441055744.0;
  double r = x - k * 1.57079632673412561417;
  r -= k * 6.07710050650619224932e-11;
  r -= k * 2.02226624879595063154e-21;
  double r2 = r * r;
  double sn = r * (1.0 + r2 * (-1.66666666666666324348e-01 +
                   r2 * (8.33333333332248946124e-03 +
                   r2 * (-1.98412698298579493134e-04 +
                   r2 * (2.75573137070700676789e-06 +
                   r2 * (-2.50507602534068634195e-08 +
                   r2 * 1.58969099521155010221e-10))))));
  double cs = 1.0 - 0.5 * r2 + r2 * r2 * (4.16666666666666019037e-02 +
              r2 * (-1.38888888888741095749e-03 +
              r2 * (2.48015872894767294178e-05 +
              r2 * (-2.75573143513906633035e-07 +
              r2 * (2.08757232129817482790e-09 +
              r2 * -1.13596475577881948265e-11)))));
  int64_t q = (int64_t)k & 3;
  switch (q) {
  case 0: *s = sn; *c = cs; break;
  case 1: *s = cs; *c = -sn; break;
  case 2: *s = -sn; *c = -cs; break;
  default: *s = -cs; *c = sn; break;
  }
}

#endif /* DSC_MATHF_H */
