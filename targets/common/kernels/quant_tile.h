/*===- quant_tile.h - reading the tiled quantized layout -----------*- C -*-===*
 *
 * Helpers over the tile format of dsc/abi/quant_layout.h shared by the
 * quantized kernels of every ISA.
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_QUANT_TILE_H
#define DSC_QUANT_TILE_H

#include "dsc/abi/quant_layout.h"
#include "kernel.h"

/* The float path for any tiled quantized weight (linear_q_generic.c); ISA
 * kernels fall back to it for shapes their integer path does not take. */
void dsc_linear_qf_t4_portable(const float *x, const uint8_t *w, float *y,
                               int64_t S, int64_t K, int64_t N, int64_t G,
                               int64_t bits, int64_t flags);

typedef struct {
  int64_t G;      /* columns per group (two-level: per super-block) */
  int bits;       /* 8, or 2 to 6 in 32-column blocks */
  int asym, f32;  /* zero points stored; f32 (else f16) scales */
  int super;      /* two-level scales: a code per 32 columns (G / 32) */
  int64_t groups; /* K / G: tiles per 4 rows */
  uint64_t tile;  /* bytes per tile */
  uint64_t valOff;  /* offset of the values in a tile */
  uint64_t rowBytes; /* bytes of one row's values in a tile */
} qtile_t;

DSC_INLINE qtile_t qtile_make(int64_t K, int64_t G, int bits, int flags) {
  qtile_t t;
  t.G = G;
  t.bits = bits;
  t.asym = (flags & DSC_QFLAG_ASYM) != 0;
  t.f32 = (flags & DSC_QFLAG_F32_SCALE) != 0;
  t.super = (flags & DSC_QFLAG_SUPER) != 0;
  t.groups = K / G;
  if (t.super) {
    t.f32 = 0;
    t.tile = dsc_qsuper_tile_bytes((uint64_t)G, (unsigned)bits, t.asym);
    t.valOff = dsc_qsuper_val_offset((uint64_t)G, t.asym);
  } else {
    t.tile =
        dsc_qtile_bytes((uint64_t)G, (unsigned)bits, t.f32 ? 4 : 2, t.asym);
    t.valOff = 4 * (t.f32 ? 4 : 2) + (t.asym ? 4 : 0);
  }
  t.rowBytes = (uint64_t)G * (uint64_t)bits / 8;
  return t;
}

/* Columns sharing one scale (and zero point): 32 with two-level scales. */
DSC_INLINE int64_t qtile_scale_cols(const qtile_t *t) {
  return t->super ? 32 : t->G;
}

DSC_INLINE float qtile_scale(const qtile_t *t, const uint8_t *tile, int r) {
  if (t->f32) {
    float d;
    __builtin_memcpy(&d, tile + 4 * r, 4);
    return d;
  }
  return dsc_f16_to_f32((uint16_t)(tile[2 * r] | (tile[2 * r + 1] << 8)));
}

/* The zero point of row r; symmetric values carry the offset 2^(bits-1). */
DSC_INLINE int qtile_zero(const qtile_t *t, const uint8_t *tile, int r) {
  if (t->asym)
    return tile[4 * (t->f32 ? 4 : 2) + r];
  return 1 << (t->bits - 1);
}

/* The scale and zero point of row r's values in 32-column block k of a
 * tile (k < G / 32): the tile's with one level, group k's with two. */
DSC_INLINE float qtile_block_scale(const qtile_t *t, const uint8_t *tile, int r,
                                   int64_t k) {
  if (!t->super)
    return qtile_scale(t, tile, r);
  int64_t n = t->G / 32;
  uint8_t c = tile[dsc_qsuper_sc_offset() + (uint64_t)(r * n + k)];
  float code = t->asym ? (float)c : (float)(int8_t)c;
  return qtile_scale(t, tile, r) * code;
}

DSC_INLINE int qtile_block_zero(const qtile_t *t, const uint8_t *tile, int r,
                                int64_t k) {
  if (!t->super || !t->asym)
    return qtile_zero(t, tile, r);
  int64_t n = t->G / 32;
  uint8_t z =
      tile[dsc_qsuper_zero_offset((uint64_t)t->G) + (uint64_t)(r * n + k) / 2];
  return (z >> (4 * (k % 2))) & 15;
}

/* Two-level tiles: the four rows' scales and zero points in 32-column
 * block k, from their super-block scales D (qtile_scale's). */
DSC_INLINE void qtile_super_block(const qtile_t *t, const uint8_t *tile,
                                  int64_t k, const float D[4], float d[4],
                                  int z[4]) {
  int64_t n = t->G / 32;
  const uint8_t *sc = tile + dsc_qsuper_sc_offset();
  for (int r = 0; r < 4; ++r) {
    uint8_t c = sc[r * n + k];
    d[r] = D[r] * (t->asym ? (float)c : (float)(int8_t)c);
    z[r] = qtile_block_zero(t, tile, r, k);
  }
}

/* Stored (unsigned) value j of row r. */
DSC_INLINE int qtile_value(const qtile_t *t, const uint8_t *tile, int r,
                           int64_t j) {
  const uint8_t *v = tile + t->valOff + (uint64_t)r * t->rowBytes;
  if (t->bits == 8)
    return v[j];
  return (int)dsc_qblock_value(v + (j / 32) * 4 * t->bits, (unsigned)t->bits,
                               (unsigned)(j % 32));
}

/* Activations quantized to int8 per 32-column block, as the integer kernels
 * of every ISA take them: S x K values, and per block its scale and the sum
 * of its values. One allocation (from the runtime), freed by qact_free. */
typedef struct {
  int8_t *q;    /* S x K */
  float *d;     /* S x K/32 */
  int32_t *sum; /* S x K/32 */
} qact_t;

DSC_INLINE qact_t qact_alloc(int64_t S, int64_t K) {
  int64_t kb = K / 32;
  char *mem = (char *)dsc_kernel_alloc((uint64_t)S * (uint64_t)K +
                                       (uint64_t)S * (uint64_t)kb * 8 + 64);
  qact_t a;
  a.q = (int8_t *)mem;
  a.d = (float *)(mem + ((S * K + 15) & ~(int64_t)15));
  a.sum = (int32_t *)(a.d + S * kb);
  return a;
}

DSC_INLINE void qact_free(qact_t a) { dsc_kernel_free(a.q); }

#endif
