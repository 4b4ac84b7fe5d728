/*===- arm_eabi.c - the run-time helpers of the ARM EABI -------------------===*
 *
 * 32-bit ARM has no instruction for 64-bit division or for conversions
 * between 64-bit integers and floats: the compiler calls the helpers the
 * ARM EABI names (__aeabi_*), which compiler-rt or libgcc provide
 * elsewhere. dsc links no library but its runtime, so here they are. Code
 * for other architectures never calls them.
 *
 *===---------------------------------------------------------------------===*/
#include <stdint.h>

#if defined(__arm__)

/* n / d and n % d by shifts and subtractions (this file must not divide
 * 64-bit numbers: that would call itself). Division by zero gives all ones,
 * as the hardware's 32-bit udiv gives 0; nothing in dsc divides by zero. */
__attribute__((used)) uint64_t dsc_udivmod64(uint64_t n, uint64_t d,
                                             uint64_t *rem) {
  if (d == 0) {
    *rem = n;
    return ~0ull;
  }
  if ((n >> 32) == 0 && (d >> 32) == 0) {
    uint32_t q = (uint32_t)n / (uint32_t)d;
    *rem = (uint32_t)n - q * (uint32_t)d;
    return q;
  }
  if (d > n) {
    *rem = n;
    return 0;
  }
  int shift = __builtin_clzll(d) - __builtin_clzll(n);
  d <<= shift;
  uint64_t q = 0;
  for (int i = 0; i <= shift; ++i, d >>= 1) {
    q <<= 1;
    if (n >= d) {
      n -= d;
      q |= 1;
    }
  }
  *rem = n;
  return q;
}

/* C's truncating division: the remainder takes the dividend's sign. */
__attribute__((used)) int64_t dsc_divmod64(int64_t n, int64_t d, int64_t *rem) {
  uint64_t un = n < 0 ? 0 - (uint64_t)n : (uint64_t)n;
  uint64_t ud = d < 0 ? 0 - (uint64_t)d : (uint64_t)d;
  uint64_t ur;
  uint64_t uq = dsc_udivmod64(un, ud, &ur);
  *rem = n < 0 ? -(int64_t)ur : (int64_t)ur;
  return (n < 0) != (d < 0) ? -(int64_t)uq : (int64_t)uq;
}

/* The EABI returns the quotient in r0:r1 and the remainder in r2:r3, which
 * C cannot say: the C functions above write the remainder to the stack
 * (their fifth word of arguments) and these reload it. */
__asm__(".text\n"
        ".arm\n"
        ".globl __aeabi_uldivmod\n"
        ".type __aeabi_uldivmod,%function\n"
        "__aeabi_uldivmod:\n"
        "  push {r11, lr}\n"
        "  sub sp, sp, #16\n"
        "  add r12, sp, #8\n"
        "  str r12, [sp]\n"
        "  bl dsc_udivmod64\n"
        "  ldr r2, [sp, #8]\n"
        "  ldr r3, [sp, #12]\n"
        "  add sp, sp, #16\n"
        "  pop {r11, pc}\n"
        ".size __aeabi_uldivmod, .-__aeabi_uldivmod\n"
        ".globl __aeabi_ldivmod\n"
        ".type __aeabi_ldivmod,%function\n"
        "__aeabi_ldivmod:\n"
        "  push {r11, lr}\n"
        "  sub sp, sp, #16\n"
        "  add r12, sp, #8\n"
        "  str r12, [sp]\n"
        "  bl dsc_divmod64\n"
        "  ldr r2, [sp, #8]\n"
        "  ldr r3, [sp, #12]\n"
        "  add sp, sp, #16\n"
        "  pop {r11, pc}\n"
        ".size __aeabi_ldivmod, .-__aeabi_ldivmod\n");

/* The EABI's helpers take and return floats in core registers (the base
 * procedure call standard) even where the code calling them passes floats
 * in VFP registers. */
#define AEABI __attribute__((pcs("aapcs")))

/* 64-bit integers to floating point: the high and low words convert
 * exactly, and the sum rounds once. A float goes through double, which
 * rounds twice only above 2^53. */
AEABI double __aeabi_ul2d(uint64_t u) {
  return (double)(uint32_t)(u >> 32) * 4294967296.0 + (double)(uint32_t)u;
}
AEABI double __aeabi_l2d(int64_t x) {
  return x < 0 ? -__aeabi_ul2d(0 - (uint64_t)x) : __aeabi_ul2d((uint64_t)x);
}
AEABI float __aeabi_ul2f(uint64_t u) { return (float)__aeabi_ul2d(u); }
AEABI float __aeabi_l2f(int64_t x) { return (float)__aeabi_l2d(x); }

/* Floating point to 64-bit integers, truncating; out-of-range values are
 * undefined in C and give whatever falls out here. */
AEABI uint64_t __aeabi_d2ulz(double d) {
  if (!(d > 0))
    return 0;
  if (d < 4294967296.0)
    return (uint32_t)d;
  uint32_t hi = (uint32_t)(d * (1.0 / 4294967296.0));
  return ((uint64_t)hi << 32) | (uint32_t)(d - (double)hi * 4294967296.0);
}
AEABI int64_t __aeabi_d2lz(double d) {
  return d < 0 ? -(int64_t)__aeabi_d2ulz(-d) : (int64_t)__aeabi_d2ulz(d);
}
AEABI uint64_t __aeabi_f2ulz(float f) { return __aeabi_d2ulz(f); }
AEABI int64_t __aeabi_f2lz(float f) { return __aeabi_d2lz(f); }

#else
/* An empty translation unit is not ISO C. */
typedef int dsc_arm_eabi_unused;
#endif
