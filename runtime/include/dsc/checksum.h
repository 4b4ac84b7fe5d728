/*===- checksum.h - the payload's checksum ------------------------*- C -*-===*
 *
 * XXH64 (seed 0), streaming: fast enough to hash weights as they are read
 * (several GB/s on one core) and a published algorithm, so that the value
 * can be checked with other tools (`xxhsum -H64`). Header-only so that the
 * compiler, the freestanding runtime and the tests share one copy.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_CHECKSUM_H
#define DSC_CHECKSUM_H

#include "dsc/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  uint64_t v[4];
  uint64_t total;
  uint8_t buf[32];
  uint32_t buffered;
} dsc_hash;

#define DSC_XXH_P1 0x9E3779B185EBCA87ull
#define DSC_XXH_P2 0xC2B2AE3D27D4EB4Full
#define DSC_XXH_P3 0x165667B19E3779F9ull
#define DSC_XXH_P4 0x85EBCA77C2B2AE63ull
#define DSC_XXH_P5 0x27D4EB2F165667C5ull

static inline uint64_t dsc_hash_rotl(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

static inline uint64_t dsc_hash_round(uint64_t acc, uint64_t input) {
  acc += input * DSC_XXH_P2;
  return dsc_hash_rotl(acc, 31) * DSC_XXH_P1;
}

static inline void dsc_hash_init(dsc_hash *h) {
  h->v[0] = DSC_XXH_P1 + DSC_XXH_P2;
  h->v[1] = DSC_XXH_P2;
  h->v[2] = 0;
  h->v[3] = 0 - DSC_XXH_P1;
  h->total = 0;
  h->buffered = 0;
}

static inline void dsc_hash_stripe(dsc_hash *h, const uint8_t *p) {
  h->v[0] = dsc_hash_round(h->v[0], dsc_load_u64(p));
  h->v[1] = dsc_hash_round(h->v[1], dsc_load_u64(p + 8));
  h->v[2] = dsc_hash_round(h->v[2], dsc_load_u64(p + 16));
  h->v[3] = dsc_hash_round(h->v[3], dsc_load_u64(p + 24));
}

static inline void dsc_hash_update(dsc_hash *h, const void *data, size_t n) {
  const uint8_t *p = (const uint8_t *)data;
  h->total += n;
  if (h->buffered) {
    while (n && h->buffered < 32) {
      h->buf[h->buffered++] = *p++;
      --n;
    }
    if (h->buffered < 32)
      return;
    dsc_hash_stripe(h, h->buf);
    h->buffered = 0;
  }
  /* Local accumulators: the compiler keeps them in registers. */
  uint64_t v0 = h->v[0], v1 = h->v[1], v2 = h->v[2], v3 = h->v[3];
  for (; n >= 32; n -= 32, p += 32) {
    v0 = dsc_hash_round(v0, dsc_load_u64(p));
    v1 = dsc_hash_round(v1, dsc_load_u64(p + 8));
    v2 = dsc_hash_round(v2, dsc_load_u64(p + 16));
    v3 = dsc_hash_round(v3, dsc_load_u64(p + 24));
  }
  h->v[0] = v0;
  h->v[1] = v1;
  h->v[2] = v2;
  h->v[3] = v3;
  while (n--)
    h->buf[h->buffered++] = *p++;
}

static inline uint64_t dsc_hash_merge(uint64_t acc, uint64_t v) {
  acc ^= dsc_hash_round(0, v);
  return acc * DSC_XXH_P1 + DSC_XXH_P4;
}

static inline uint64_t dsc_hash_final(const dsc_hash *h) {
  uint64_t r;
  if (h->total >= 32) {
    r = dsc_hash_rotl(h->v[0], 1) + dsc_hash_rotl(h->v[1], 7) +
        dsc_hash_rotl(h->v[2], 12) + dsc_hash_rotl(h->v[3], 18);
    for (int i = 0; i < 4; ++i)
      r = dsc_hash_merge(r, h->v[i]);
  } else {
    r = DSC_XXH_P5; /* seed 0 */
  }
  r += h->total;
  const uint8_t *p = h->buf;
  uint32_t n = h->buffered;
  for (; n >= 8; n -= 8, p += 8) {
    r ^= dsc_hash_round(0, dsc_load_u64(p));
    r = dsc_hash_rotl(r, 27) * DSC_XXH_P1 + DSC_XXH_P4;
  }
  if (n >= 4) {
    r ^= (uint64_t)dsc_load_u32(p) * DSC_XXH_P1;
    r = dsc_hash_rotl(r, 23) * DSC_XXH_P2 + DSC_XXH_P3;
    n -= 4;
    p += 4;
  }
  for (; n; --n, ++p) {
    r ^= *p * DSC_XXH_P5;
    r = dsc_hash_rotl(r, 11) * DSC_XXH_P1;
  }
  r ^= r >> 33;
  r *= DSC_XXH_P2;
  r ^= r >> 29;
  r *= DSC_XXH_P3;
  r ^= r >> 32;
  return r;
}

static inline uint64_t dsc_hash_bytes(const void *data, size_t n) {
  dsc_hash h;
  dsc_hash_init(&h);
  dsc_hash_update(&h, data, n);
  return dsc_hash_final(&h);
}

#ifdef __cplusplus
}
#endif

#endif /* DSC_CHECKSUM_H */
