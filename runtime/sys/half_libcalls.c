/*===- half_libcalls.c - f16 conversions LLVM calls out for ----------------===*
 *
 * On x86-64 without F16C (the portable x86_64 target) LLVM has no
 * instruction for f16 <-> f32 and calls compiler-rt's __extendhfsf2 and
 * __truncsfhf2. dsc links no library but its runtime, so here they are,
 * with the runtime's own bit-exact conversions (half.h). Other targets
 * convert in hardware and never call them.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/half.h"

#if defined(__x86_64__)

/* _Float16 travels in xmm0 (the x86-64 psABI since LLVM 15 and GCC 12). The
 * bits are moved with memcpy: converting a _Float16 here would call these
 * very functions. */
float __extendhfsf2(_Float16 h) {
  uint16_t bits;
  __builtin_memcpy(&bits, &h, sizeof bits);
  return dsc_f16_to_f32(bits);
}

_Float16 __truncsfhf2(float f) {
  uint16_t bits = dsc_f32_to_f16(f);
  _Float16 h;
  __builtin_memcpy(&h, &bits, sizeof h);
  return h;
}

#endif
