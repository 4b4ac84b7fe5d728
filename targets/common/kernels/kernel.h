/*===- kernel.h - what micro-kernels may use ----------------------*- C -*-===*
 *
 * Micro-kernels are compiled per target to LLVM bitcode and inlined into the
 * generated code. They use no libc: only this header, dsc/half.h and the
 * runtime's dsc_parallel_for.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_KERNEL_H
#define DSC_KERNEL_H

#include "dsc/abi/kernels.h"
#include "dsc/abi/kv_cache.h"
#include "dsc/half.h"
#include "dsc/mathf.h"
#include "dsc/parallel.h"

#include <stddef.h>
#include <stdint.h>

/* Generic versions are weak: a target's ISA-specific file overrides them. */
#define DSC_GENERIC __attribute__((weak))
#define DSC_INLINE static inline __attribute__((always_inline))

/* DSC_PARALLEL_MIN_WORK: dsc/abi/kernels.h. */

DSC_INLINE int64_t dsc_min64(int64_t a, int64_t b) { return a < b ? a : b; }
DSC_INLINE int64_t dsc_max64(int64_t a, int64_t b) { return a > b ? a : b; }

#endif /* DSC_KERNEL_H */
