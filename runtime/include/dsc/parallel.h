/*===- parallel.h - work splitting for micro-kernels --------------*- C -*-===*
 *
 * Kernels split their work with dsc_parallel_for, which the runtime's
 * thread pool implements (a serial version is used by host-side tests).
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_PARALLEL_H
#define DSC_PARALLEL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Calls fn(ctx, begin, end) on disjoint ranges covering [0, n), possibly
 * from several threads at once, and returns when all have finished. */
typedef void (*dsc_range_fn)(void *ctx, int64_t begin, int64_t end);
void dsc_parallel_for(int64_t n, dsc_range_fn fn, void *ctx);

/* Number of threads dsc_parallel_for uses. */
int dsc_num_threads(void);

/* Scratch memory for kernels, freed with dsc_kernel_free. */
void *dsc_kernel_alloc(uint64_t bytes);
void dsc_kernel_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* DSC_PARALLEL_H */
