/*===- kernels.h - declarations of the micro-kernel ABI ------------*- C -*-===*
 *
 * Declares every kernel and runtime entry listed in kernels.def. Kernel
 * files define them as DSC_UK(name), so that the symbol names are spelled
 * only by this header.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_ABI_KERNELS_H
#define DSC_ABI_KERNELS_H

#include <stdint.h>

/* Work below this many multiply-adds (rows x columns x tokens) runs on the
 * calling thread only: splitting it costs more than it saves. The kernels
 * test it, and dsc advise's cost model (CostModel.cpp) counts the same.
 * At 32768 (stories260K's classifier) two threads decoded that model at
 * 9.1k tok/s against 12.3k on one (docs/advise.md): waking a worker and
 * joining it costs a few microseconds, the time of about 10^5 multiply-adds
 * on one core. */
#define DSC_PARALLEL_MIN_WORK (1 << 17)

#define DSC_UK(name) dsc_uk_##name
#define DSC_RT(name) dsc_rt_##name

#ifdef __cplusplus
extern "C" {
#endif

#define DSC_KERNEL(name, params) void DSC_UK(name) params;
#define DSC_RUNTIME_ENTRY(name, params) void DSC_RT(name) params;
#include "dsc/abi/kernels.def"
#undef DSC_KERNEL
#undef DSC_RUNTIME_ENTRY

#ifdef __cplusplus
}
#endif

#endif /* DSC_ABI_KERNELS_H */
