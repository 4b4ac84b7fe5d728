/*===- kv_cache.h - layout of the key/value cache -----------------*- C -*-===*
 *
 * One definition of the cache layout, used by the runtime (which allocates
 * it, on the CPU and on a CUDA device), the attention kernels (which read
 * it) and code generation (which stores each block's keys and values into
 * it and derives the context length from its size):
 *
 *   [layers][2: keys, values][kv_heads][ctx][head_dim] elements (f32).
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_ABI_KV_CACHE_H
#define DSC_ABI_KV_CACHE_H

#include <stdint.h>

/* Elements one position takes across all layers, keys and values. */
static inline int64_t dsc_kv_per_position(int64_t layers, int64_t kv_heads,
                                          int64_t head_dim) {
  return layers * 2 * kv_heads * head_dim;
}

/* Elements of a cache for `ctx` positions. */
static inline int64_t dsc_kv_elements(int64_t layers, int64_t kv_heads,
                                      int64_t ctx, int64_t head_dim) {
  return dsc_kv_per_position(layers, kv_heads, head_dim) * ctx;
}

/* Offset of the keys (which = 0) or values (which = 1) of `layer`: a
 * [kv_heads][ctx][head_dim] block. */
static inline int64_t dsc_kv_block(int64_t layer, int which, int64_t kv_heads,
                                   int64_t ctx, int64_t head_dim) {
  return (layer * 2 + which) * kv_heads * ctx * head_dim;
}

#endif /* DSC_ABI_KV_CACHE_H */
