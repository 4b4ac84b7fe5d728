/*===- parallel.c - the kernels' runtime entries in the C library -------===*
 *
 * The library has no thread pool: its threads would be the application's
 * to manage, and a pool shared by contexts would be global state. Kernels'
 * parallel loops run on the thread that evaluates.
 *
 *===---------------------------------------------------------------------===*/
#include "dsc/parallel.h"
#include "dsc/base.h"

int dsc_num_threads(void) { return 1; }

void dsc_parallel_for(int64_t n, dsc_range_fn fn, void *ctx) { fn(ctx, 0, n); }

void *dsc_kernel_alloc(uint64_t bytes) { return malloc(bytes); }
void dsc_kernel_free(void *p) { free(p); }
