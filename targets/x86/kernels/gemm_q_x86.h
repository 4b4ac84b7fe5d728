/*===- gemm_q_x86.h - prompt rows x quantized weights, packed panels -*- C
 * -*-===*
 *
 * y = x W^T for S >= DSC_GEMM_MIN_ROWS rows (gemm.h), shared by the x86
 * ISA files, which define MR (rows per micro-tile), SUM_BYTES4(v) (the
 * signed byte sums of each 4-byte group of v as int32), GEMM_TAKES(bits,
 * flags), X_OFFSET(bits) (128, or 0 where the micro-tile multiplies signed
 * activations) and micro_tile, and include this file after it.
 *
 * The activations are quantized once per call to int8 per 32 columns
 * (scale amax/127, as the matrix-vector kernels do, so both paths give the
 * same sums) and stored offset by X_OFFSET as bytes, packed per MR-row
 * tile so that a micro-tile reads its broadcasts from one stream. Each
 * thread packs a panel of 32 weight columns at a time: per 32-column block
 * of K, eight groups of four consecutive k for the 32 columns (128 bytes
 * each), the weights signed (u - zero, which fits int8 for 2- to 6-bit
 * values, symmetric or not, and for symmetric 8-bit ones; values narrower
 * than 8 bits are unpacked to bytes here, once a panel, by qunpack_x86.h),
 * then the block's column terms -X_OFFSET * sum(u - zero) (u - 128 for
 * asymmetric 8 bits, below) that undo the activations' offset (the integer
 * accumulators start from them), and the
 * columns' scales (with two-level scales, each block's code times its
 * row's super-block scale, and its own zero point). Asymmetric 8-bit
 * values less their zero point span -255..255: they go in as u - 128,
 * and the rest of the zero point as a minimum, d * (zero - 128), taken off
 * times the block's activation sum as GGUF's Q4_1 minimums are (GQ_MINS,
 * below). The panel is
 * walked in slices of KC_BLOCKS blocks (20 KiB; 24 KiB for the PBK-byte
 * blocks below, 28 KiB for Q2_K's PBK2-byte ones: in a 48 KiB L1, at the
 * edge of a 32 KiB one) for all rows before the next slice.
 *
 * GGUF rows (dsc_gemm_q_ggml_k: Q2_K to Q6_K, IQ4_NL, IQ4_XS, Q5_0, Q4_1,
 * Q5_1) are packed from their blocks or super-blocks (ggml_k_x86.h): a
 * Q4_K, Q5_K, Q4_1 or Q5_1 block's values (0..15, 0..31) with its scale
 * (d * sc, d) and its minimum (dmin * m, -m), which the micro-tiles take
 * off times the block's activation sum (xd * sum(q), per row and block:
 * GQ_MINS, PBK-byte blocks); a Q6_K or Q3_K block's values (less 32 or 4:
 * -32..31, -4..3), whose two halves of 16 (quads 0-3 and 4-7) each have
 * their own column terms and scale (GQ_HALVES, PBK bytes), and Q2_K's
 * values (0..3), whose halves also have their own minimums, taken off times
 * each half's activation sum (GQ_HMINS, PBK2 bytes); IQ4_NL's and
 * IQ4_XS's levels (-127..113) and Q5_0's values (-16..15) with one scale a
 * block (d, d * (s - 32): GQ_BLOCK). Their products are then the integer
 * loops' (linear_ggml_avx2.c), so a prompt's rows and the generated ones
 * multiply the same values.
 *
 *===---------------------------------------------------------------------===*/
#include "gemm.h"
#include "ggml_k_x86.h"
#include "qact_avx2.h"
#include "quant_tile.h"
#include "qunpack_x86.h"

#include <immintrin.h>

#define NR 32
#define PB_VALUES 1024          /* 8 quads x 32 columns x 4 bytes */
#define PB_SUMS PB_VALUES        /* 32 int32 offset terms */
#define PB_SCALES (PB_SUMS + 128) /* 32 float scales */
#define PB (PB_SCALES + 128)     /* bytes of one packed block */
#define PB_MINS PB               /* Q4_K, Q5_K: 32 floats dmin * m */
#define PB_SUMS2 PB /* Q3_K, Q6_K: the second half's offset terms */
#define PB_SCALES2 (PB + 128)    /* and scales */
#define PBK (PB + 256)           /* bytes of one packed K-quant block */
#define PB_MINS1 PBK /* Q2_K: the halves' 32 floats dmin * m, the first's */
#define PB_MINS2 (PBK + 128) /* and the second's */
#define PBK2 (PBK + 256)     /* bytes of one packed Q2_K block */

/* How a micro-tile scales a block's integer sums (a constant where
 * inlined): per channel (the scales applied once, at the end), per block,
 * per block less Q4_K's and Q5_K's minimums, per half block (Q3_K, Q6_K),
 * per half block less each half's minimum (Q2_K), and per channel less
 * the channel's minimum (asymmetric int8:channel; an ISA may take it off
 * once, at the end, times the row's sum over all blocks, or per block as
 * GQ_MINS: every block of its panel holds the same minimums). */
enum { GQ_CHAN, GQ_BLOCK, GQ_MINS, GQ_HALVES, GQ_HMINS };
#define GQ_STRIDE(mode)                                                        \
  ((mode) == GQ_HMINS ? PBK2 : (mode) >= GQ_MINS ? PBK : PB)
/* Activation sums (xd * sum(q)) a block and row: GQ_MINS one, GQ_HMINS one a
 * half. */
#define GQ_XS(mode) ((mode) == GQ_HMINS ? 2 : (mode) == GQ_MINS ? 1 : 0)
#define KC_BLOCKS 16

typedef struct {
  const int32_t *xp; /* activations + xoff, packed per MR-row tile (below) */
  const float *xd;   /* their scales, [tile][block][MR] */
  const float *xs;   /* GQ_MINS: xd * the sum of a block's q, as xd;
                        GQ_HMINS: each half's, [tile][block][half][MR] */
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
  qtile_t t;
  int xoff; /* X_OFFSET(bits) */
  int r16;  /* row-interleaved int4 blocks (quant_layout.h's DSC_QR16_*) */
  unsigned ktype; /* GGUF rows of this DSC_GGML_TYPE_* (k_gemm_bits'), else 0 */
} gq_ctx;

/* Asymmetric 8-bit tiles, whose zero points the micro-tiles take off as
 * minimums (GQ_MINS), per channel too: a per-channel variant that took
 * them off once, at the end, measured within the noise of it (TinyLlama
 * int8:channel,asym prompts, AVX-512, one thread: 164.6 tokens/s against
 * 163.2) for another copy of the panel loop. */
DSC_INLINE int gq_asym8(const qtile_t *t) { return t->asym && t->bits == 8; }

/* The 32 stored values of one 32-column block of a tile row. */
DSC_INLINE __m256i load_values(int bits, const uint8_t *p) {
  if (bits == 8)
    return _mm256_loadu_si256((const __m256i *)p);
  return dsc_unpack_block(bits, p);
}

/* Four columns' 32-value blocks v[r] (signed bytes) into a packed block at
 * pj (the block's start plus 4 bytes a column) as a 4 x 8 transpose of
 * 4-byte groups; *lo and *hi get each column's sum of values over quads
 * 0-3 and 4-7. */
DSC_INLINE void put_cols4(uint8_t *pj, const __m256i v[4], __m128i *lo,
                          __m128i *hi) {
  __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]);
  __m256i t1 = _mm256_unpackhi_epi32(v[0], v[1]);
  __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]);
  __m256i t3 = _mm256_unpackhi_epi32(v[2], v[3]);
  __m256i u[4] = {_mm256_unpacklo_epi64(t0, t2), _mm256_unpackhi_epi64(t0, t2),
                  _mm256_unpacklo_epi64(t1, t3), _mm256_unpackhi_epi64(t1, t3)};
  __m256i sum = _mm256_setzero_si256();
  for (int q = 0; q < 4; ++q) {
    _mm_storeu_si128((__m128i *)(pj + q * 128), _mm256_castsi256_si128(u[q]));
    _mm_storeu_si128((__m128i *)(pj + (q + 4) * 128),
                     _mm256_extracti128_si256(u[q], 1));
    sum = _mm256_add_epi32(sum, SUM_BYTES4(u[q]));
  }
  *lo = _mm256_castsi256_si128(sum);
  *hi = _mm256_extracti128_si256(sum, 1);
}

/* Columns n0 .. n0 + nc of W (nc <= 32, a multiple of 4) into `panel`;
 * columns past nc are zero. Four columns are the four rows of a tile: their
 * 32-value blocks go in as a 4 x 8 transpose of 4-byte groups. The panel is
 * filled block by block (all 32 columns of one before the next), so that
 * each of its cache lines is written whole while it is in L1: filling it
 * four columns at a time over all of K wrote every line in eight pieces,
 * each a round trip to L2 once the panel outgrew L1. */
static void pack_panel(const gq_ctx *c, int64_t n0, int nc, uint8_t *panel) {
  const qtile_t *t = &c->t;
  const int mins = gq_asym8(t);
  const int64_t bpg = t->G / 32, stride = mins ? PBK : PB;
  const uint8_t *col = c->w + (uint64_t)(n0 / 4) * t->groups * t->tile;
  for (int64_t g = 0; g < t->groups; ++g)
    for (int64_t k = 0; k < bpg; ++k) {
      uint8_t *pb = panel + (g * bpg + k) * stride;
      for (int j = 0; j < NR; j += 4) {
        if (j >= nc) {
          for (int q = 0; q < 8; ++q)
            _mm_storeu_si128((__m128i *)(pb + q * 128 + j * 4), _mm_setzero_si128());
          _mm_storeu_si128((__m128i *)(pb + PB_SUMS + j * 4), _mm_setzero_si128());
          _mm_storeu_si128((__m128i *)(pb + PB_SCALES + j * 4), _mm_setzero_si128());
          if (mins)
            _mm_storeu_si128((__m128i *)(pb + PB_MINS + j * 4),
                             _mm_setzero_si128());
          continue;
        }
        const uint8_t *tile = col + ((uint64_t)(j / 4) * t->groups + g) * t->tile;
        const uint8_t *vals = tile + t->valOff + k * (32 * t->bits / 8);
        /* The block's scales and zero points: the tile's, or (two-level
         * scales) its codes times the rows' super-block scales. */
        float d[4];
        int z[4];
        if (t->super) {
          float D[4];
          for (int r = 0; r < 4; ++r)
            D[r] = qtile_scale(t, tile, r);
          qtile_super_block(t, tile, k, D, d, z);
        } else {
          _mm_storeu_ps(d, t->f32 ? _mm_loadu_ps((const float *)tile)
                                  : _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)tile)));
          for (int r = 0; r < 4; ++r)
            z[r] = qtile_zero(t, tile, r);
        }
        /* Less the zero point, or (mins) 128. */
        __m256i v[4];
        for (int r = 0; r < 4; ++r)
          v[r] = _mm256_sub_epi8(
              load_values(t->bits, vals + (uint64_t)r * t->rowBytes),
              _mm256_set1_epi8((char)(mins ? 128 : z[r])));
        uint8_t *pj = pb + j * 4;
        __m128i lo, hi;
        put_cols4(pj, v, &lo, &hi);
        __m128i s4 = _mm_add_epi32(lo, hi);
        _mm_storeu_si128((__m128i *)(pj + PB_SUMS),
                         _mm_mullo_epi32(s4, _mm_set1_epi32(-c->xoff)));
        _mm_storeu_ps((float *)(pj + PB_SCALES), _mm_loadu_ps(d));
        if (mins)
          _mm_storeu_ps((float *)(pj + PB_MINS),
                        _mm_setr_ps(d[0] * (float)(z[0] - 128),
                                    d[1] * (float)(z[1] - 128),
                                    d[2] * (float)(z[2] - 128),
                                    d[3] * (float)(z[3] - 128)));
      }
    }
}

/* How the micro-tiles scale a GGUF type's blocks (k_gemm_bits' types). */
DSC_INLINE int k_gemm_mode(unsigned type) {
  if (k_has_mins(type))
    return GQ_MINS;
  if (type == DSC_GGML_TYPE_Q2_K)
    return GQ_HMINS;
  if (type == DSC_GGML_TYPE_Q3_K || type == DSC_GGML_TYPE_Q6_K)
    return GQ_HALVES;
  return GQ_BLOCK;
}

/* One GGUF block (32 values) or super-block (256) of `type` (a constant
 * where inlined) as bytes: its values (signed or not as k_gemm_bits' bits
 * say), each 32-value block's scale (GQ_HALVES, GQ_HMINS: each 16-value
 * half's, sc[2i] and sc[2i + 1]) and minimum (GQ_MINS; GQ_HMINS each
 * half's). */
__attribute__((always_inline)) static inline void
k_unpack(const unsigned type, const uint8_t *blk, uint8_t *vals, float *sc,
         float *mn) {
  switch (type) {
  case DSC_GGML_TYPE_Q2_K:
    k_q2k_unpack(blk, vals, sc, mn);
    break;
  case DSC_GGML_TYPE_Q4_K:
    k_q45k_unpack(blk, 0, vals, sc, mn);
    break;
  case DSC_GGML_TYPE_Q5_K:
    k_q45k_unpack(blk, 1, vals, sc, mn);
    break;
  case DSC_GGML_TYPE_Q3_K:
    k_q36k_unpack(blk, 1, (int8_t *)vals, sc);
    break;
  case DSC_GGML_TYPE_Q6_K:
    k_q36k_unpack(blk, 0, (int8_t *)vals, sc);
    break;
  case DSC_GGML_TYPE_IQ4_XS:
    k_iq4xs_unpack(blk, (int8_t *)vals, sc);
    break;
  default: /* IQ4_NL, Q5_0, Q4_1, Q5_1: GQ_MINS takes -m off */
    _mm256_storeu_si256(
        (__m256i *)vals,
        k_b32_values(type, blk,
                     _mm_loadu_si128((const __m128i *)dsc_iq4_levels)));
    *sc = k_f16(blk);
    if (k_has_mins(type))
      *mn = -k_f16(blk + 2);
  }
}

/* Element k of four rows' scales or minimums, as the four columns' floats
 * at p. */
DSC_INLINE void put_rows4(uint8_t *p, float (*a)[16], int k) {
  _mm_storeu_ps((float *)p, _mm_setr_ps(a[0][k], a[1][k], a[2][k], a[3][k]));
}

/* GGUF rows n0 .. n0 + nc of `type` (k_gemm_bits' types, a constant where
 * inlined; nc <= 32, a multiple of 4) into `panel`: each block's or
 * super-block's 32-value blocks for the panel's columns four at a time,
 * then the next. */
__attribute__((always_inline)) static inline void
pack_panel_as(const gq_ctx *c, int64_t n0, int nc, uint8_t *panel,
              const unsigned type) {
  const int mode = k_gemm_mode(type), stride = GQ_STRIDE(mode);
  const int64_t U = dsc_ggml_block_elems(type), units = c->K / U;
  const uint64_t bb = dsc_ggml_block_bytes(type);
  const uint64_t rowBytes = (uint64_t)units * bb;
  const __m128i xoff = _mm_set1_epi32(-c->xoff);
  if (nc < NR)
    __builtin_memset(panel, 0, (uint64_t)(c->K / 32) * stride);
  uint8_t vals[4][DSC_QK_K] __attribute__((aligned(32)));
  float sc[4][16], mn[4][16];
  for (int64_t s = 0; s < units; ++s) {
    uint8_t *pb = panel + s * (U / 32) * stride;
    for (int j = 0; j < nc; j += 4) {
      for (int r = 0; r < 4; ++r)
        k_unpack(type, c->w + (uint64_t)(n0 + j + r) * rowBytes + s * bb,
                 vals[r], sc[r], mn[r]);
      for (int i = 0; i < U / 32; ++i) {
        uint8_t *pj = pb + i * stride + j * 4;
        __m256i v[4];
        for (int r = 0; r < 4; ++r)
          v[r] = _mm256_load_si256((const __m256i *)(vals[r] + 32 * i));
        __m128i lo, hi;
        put_cols4(pj, v, &lo, &hi);
        if (mode == GQ_HALVES || mode == GQ_HMINS) {
          _mm_storeu_si128((__m128i *)(pj + PB_SUMS),
                           _mm_mullo_epi32(lo, xoff));
          _mm_storeu_si128((__m128i *)(pj + PB_SUMS2),
                           _mm_mullo_epi32(hi, xoff));
          put_rows4(pj + PB_SCALES, sc, 2 * i);
          put_rows4(pj + PB_SCALES2, sc, 2 * i + 1);
          if (mode == GQ_HMINS) {
            put_rows4(pj + PB_MINS1, mn, 2 * i);
            put_rows4(pj + PB_MINS2, mn, 2 * i + 1);
          }
          continue;
        }
        _mm_storeu_si128((__m128i *)(pj + PB_SUMS),
                         _mm_mullo_epi32(_mm_add_epi32(lo, hi), xoff));
        put_rows4(pj + PB_SCALES, sc, i);
        if (mode == GQ_MINS)
          put_rows4(pj + PB_MINS, mn, i);
      }
    }
  }
}

/* Each type's packing specialized. */
static void pack_panel_k(const gq_ctx *c, int64_t n0, int nc, uint8_t *panel) {
  switch (c->ktype) {
#define K_PACK(T)                                                              \
  case DSC_GGML_TYPE_##T:                                                      \
    pack_panel_as(c, n0, nc, panel, DSC_GGML_TYPE_##T);                        \
    break;
    K_PACK(Q2_K)
    K_PACK(Q3_K)
    K_PACK(Q4_K)
    K_PACK(Q5_K)
    K_PACK(Q6_K)
    K_PACK(IQ4_XS)
    K_PACK(IQ4_NL)
    K_PACK(Q5_0)
    K_PACK(Q4_1)
    K_PACK(Q5_1)
#undef K_PACK
  default:
    break;
  }
}

#ifdef DSC_GEMM_R16
/* The same from row-interleaved 16x32 blocks (nc a multiple of 16): a
 * block's vectors already hold four k of each of 16 columns in order, low
 * nibbles the even groups of four k, high nibbles the odd ones. */
static void pack_panel_r16(const gq_ctx *c, int64_t n0, int nc,
                           uint8_t *panel) {
  int64_t kb = c->K / 32;
  const __m256i nib = _mm256_set1_epi8(0x0F), eight = _mm256_set1_epi8(8);
  for (int64_t g = 0; g < kb; ++g) {
    uint8_t *pb = panel + g * PB;
    for (int j = 0; j < NR; j += DSC_QR16_ROWS) {
      if (j >= nc) {
        for (int q = 0; q < 8; ++q)
          __builtin_memset(pb + q * 128 + j * 4, 0, 64);
        __builtin_memset(pb + PB_SUMS + j * 4, 0, 64);
        __builtin_memset(pb + PB_SCALES + j * 4, 0, 64);
        continue;
      }
      const uint8_t *blk =
          c->w + ((uint64_t)((n0 + j) / DSC_QR16_ROWS) * kb + g) *
                     DSC_QR16_BLOCK_BYTES;
      for (int h = 0; h < 2; ++h) { /* columns j + 8h .. j + 8h + 7 */
        __m256i sum = _mm256_setzero_si256();
        for (int v = 0; v < 4; ++v) {
          __m256i w = _mm256_loadu_si256((
              const __m256i *)(blk + DSC_QR16_VALUES_OFFSET + 64 * v + 32 * h));
          __m256i lo = _mm256_sub_epi8(_mm256_and_si256(w, nib), eight);
          __m256i hi = _mm256_sub_epi8(
              _mm256_and_si256(_mm256_srli_epi16(w, 4), nib), eight);
          _mm256_storeu_si256((__m256i *)(pb + 2 * v * 128 + j * 4 + 32 * h),
                              lo);
          _mm256_storeu_si256(
              (__m256i *)(pb + (2 * v + 1) * 128 + j * 4 + 32 * h), hi);
          sum = _mm256_add_epi32(
              sum, _mm256_add_epi32(SUM_BYTES4(lo), SUM_BYTES4(hi)));
        }
        _mm256_storeu_si256(
            (__m256i *)(pb + PB_SUMS + j * 4 + 32 * h),
            _mm256_mullo_epi32(sum, _mm256_set1_epi32(-c->xoff)));
        _mm256_storeu_ps(
            (float *)(pb + PB_SCALES + j * 4 + 32 * h),
            _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(blk + 16 * h))));
      }
    }
  }
}
#endif

/* Row tile `rt` (rows MR * rt .., of which mr are real) by the panel's 32
 * columns over blocks [blk0, blk0 + nblk): into y (added to what is there
 * unless `first`), columns past nc not stored, its blocks scaled as
 * `mode` says (GQ_*). With GQ_CHAN (one group over all of K, the
 * per-channel schemes) the weight scales are the same in every block, so
 * an ISA may leave them out of the per-block work and scale y once in the
 * `last` slice. The ISA file defines it. */
static inline void micro_tile(const gq_ctx *c, const uint8_t *panel, int64_t rt,
                              const int mr, int64_t n0, int nc, int64_t blk0,
                              int64_t nblk, int first, int last,
                              const int mode);

#define TAIL(n)                                                                \
  case n:                                                                      \
    micro_tile(c, panel, full, n, n0, nc, k0, nblk, first, last, mode);        \
    break;
__attribute__((always_inline)) static inline void
panels(const gq_ctx *c, int64_t begin, int64_t end, const int mode) {
  int64_t kb = c->K / 32;
  uint8_t *panel = (uint8_t *)dsc_kernel_alloc((uint64_t)kb * GQ_STRIDE(mode));
  int64_t full = c->S / MR;
  int rest = (int)(c->S % MR);
  uint64_t colBytes = c->ktype
                          ? (uint64_t)(c->K / dsc_ggml_block_elems(c->ktype)) *
                                dsc_ggml_block_bytes(c->ktype)
                          : (uint64_t)c->t.groups * c->t.tile / 4;
  int64_t calls = (kb + KC_BLOCKS - 1) / KC_BLOCKS * (full + (rest > 0));
  for (int64_t p = begin; p < end; ++p) {
    int64_t n0 = p * NR;
    int nc = (int)dsc_min64(NR, c->N - n0);
    if (c->ktype)
      pack_panel_k(c, n0, nc, panel);
#ifdef DSC_GEMM_R16
    else if (c->r16)
      pack_panel_r16(c, n0, nc, panel);
#endif
    else
      pack_panel(c, n0, nc, panel);
    int64_t n1 = n0 + NR;
    dsc_gemm_prefetch pf = dsc_gemm_prefetch_start(
        c->w + (uint64_t)n1 * colBytes,
        p + 1 < end ? (uint64_t)dsc_min64(NR, c->N - n1) * colBytes : 0, calls);
    for (int64_t k0 = 0; k0 < kb; k0 += KC_BLOCKS) {
      int64_t nblk = dsc_min64(KC_BLOCKS, kb - k0);
      int first = k0 == 0, last = k0 + nblk == kb;
      for (int64_t rt = 0; rt < full; ++rt) {
        dsc_gemm_prefetch_step(&pf);
        micro_tile(c, panel, rt, MR, n0, nc, k0, nblk, first, last, mode);
      }
      dsc_gemm_prefetch_step(&pf);
      switch (rest) {
#if MR > 7
        TAIL(7)
#endif
#if MR > 6
        TAIL(6)
#endif
#if MR > 5
        TAIL(5)
#endif
#if MR > 4
        TAIL(4)
#endif
        TAIL(3) TAIL(2) TAIL(1)
      default: break;
      }
    }
  }
  dsc_kernel_free(panel);
}

static void gemm_q_panels(void *ctx, int64_t begin, int64_t end) {
  const gq_ctx *c = (const gq_ctx *)ctx;
  /* One group (per channel): the same scales in every block, but with
   * two-level scales, whose blocks each have their own. One call a mode:
   * each is a copy of the panel loop and its micro-tiles. */
  int mode = c->ktype                          ? k_gemm_mode(c->ktype)
             : gq_asym8(&c->t)                 ? GQ_MINS
             : c->t.groups == 1 && !c->t.super ? GQ_CHAN
                                               : GQ_BLOCK;
  switch (mode) {
  case GQ_CHAN:
    panels(c, begin, end, GQ_CHAN);
    break;
  case GQ_MINS:
    panels(c, begin, end, GQ_MINS);
    break;
  case GQ_HALVES:
    panels(c, begin, end, GQ_HALVES);
    break;
  case GQ_HMINS:
    panels(c, begin, end, GQ_HMINS);
    break;
  default:
    panels(c, begin, end, GQ_BLOCK);
  }
}

/* Rows to int8 per 32 columns, q = round(x * 127 / amax) (qact_avx2.h's
 * rounding), stored as q + xoff
 * in the micro-tiles' order: tile rt, block b, group of four columns q, row
 * i at ((rt * K/32 + b) * 8 + q) * MR + i (4 bytes each), so that a tile
 * reads its broadcasts from one stream. Rows past S are left out (the
 * tiles that hold them do not read them). With `xs`, each block's
 * xd * sum(q) too, as xd, or (nxs = 2) each 16-value half's, as
 * micro_tile reads them. */
static void quantize_rows(const float *x, int64_t s0, int64_t s1, int64_t K,
                          int xoff, int32_t *xp, float *xd, float *xs,
                          int nxs) {
  int64_t kb = K / 32;
  for (int64_t s = s0; s < s1; ++s) {
    int64_t rt = s / MR, i = s % MR;
    for (int64_t b = 0; b < kb; ++b) {
      int8_t q[32];
      int32_t sum;
      float d = qact_block_avx2(x + s * K + b * 32, q, &sum);
      uint8_t g[32];
      _mm256_storeu_si256(
          (__m256i *)g, _mm256_add_epi8(_mm256_loadu_si256((const __m256i *)q),
                                        _mm256_set1_epi8((char)xoff)));
      int32_t *dst = xp + (rt * kb + b) * 8 * MR + i;
      for (int k = 0; k < 8; ++k)
        __builtin_memcpy(&dst[k * MR], g + 4 * k, 4);
      xd[(rt * kb + b) * MR + i] = d;
      if (nxs == 2) {
        int32_t lo = 0;
        for (int k = 0; k < 16; ++k)
          lo += q[k];
        xs[((rt * kb + b) * 2) * MR + i] = d * (float)lo;
        xs[((rt * kb + b) * 2 + 1) * MR + i] = d * (float)(sum - lo);
      } else if (nxs)
        xs[(rt * kb + b) * MR + i] = d * (float)sum;
    }
  }
}

typedef struct {
  const float *x;
  int64_t S, K;
  int xoff;
  int32_t *xp;
  float *xd, *xs;
  int nxs;
} gq_rows;

/* Row tiles [begin, end): on every thread, since the other would wait at
 * the GEMM's start (a fifth of a k or v projection's time when serial). */
static void quantize_tiles(void *ctx, int64_t begin, int64_t end) {
  const gq_rows *r = (const gq_rows *)ctx;
  quantize_rows(r->x, begin * MR, dsc_min64(end * MR, r->S), r->K, r->xoff,
                r->xp, r->xd, r->xs, r->nxs);
}

/* The activations quantized into their micro-tiles' order, then the
 * panels, on the pool; weights `t` as 4-row tiles, (r16) row-interleaved
 * blocks or (ktype) GGUF rows. */
static void gemm_q_run(const float *x, const uint8_t *w, float *y, int64_t S,
                       int64_t K, int64_t N, qtile_t t, int xoff, int r16,
                       unsigned ktype) {
  int64_t kb = K / 32, tiles = (S + MR - 1) / MR;
  int nxs = ktype ? GQ_XS(k_gemm_mode(ktype)) : gq_asym8(&t) ? 1 : 0;
  int32_t *xp = (int32_t *)dsc_kernel_alloc((uint64_t)tiles * kb * MR *
                                            (36 + 4 * (uint64_t)nxs));
  float *xd = (float *)(xp + tiles * kb * 8 * MR);
  float *xs = nxs ? xd + tiles * kb * MR : 0;
  gq_rows rows = {x, S, K, xoff, xp, xd, xs, nxs};
  gq_ctx c = {xp, xd, xs, w, y, S, K, N, t, xoff, r16, ktype};
  dsc_gemm_run(S * K * N, tiles, quantize_tiles, &rows, (N + NR - 1) / NR,
               gemm_q_panels, &c);
  dsc_kernel_free(xp);
}

int dsc_gemm_q_t4(const float *x, const uint8_t *w, float *y, int64_t S,
                  int64_t K, int64_t N, int64_t G, int64_t bits,
                  int64_t flags) {
  if (K % 32 || G % 32 || !GEMM_TAKES(bits, flags))
    return 0;
  qtile_t t = qtile_make(K, G, (int)bits, (int)flags);
  /* Zero points past the largest value (which the quantizer does not
   * write) would take u - zero out of int8; with two-level scales each
   * block has its own, of 4 bits, which only 2- and 3-bit values can
   * pass. 8-bit ones go in as minimums (gq_asym8). */
  if (t.asym && bits < 8 && !(t.super && bits >= 4)) {
    const uint8_t *tile = w;
    int64_t blocks = t.super ? G / 32 : 1;
    for (int64_t i = 0; i < N / 4 * t.groups; ++i, tile += t.tile)
      for (int r = 0; r < 4; ++r)
        for (int64_t k = 0; k < blocks; ++k)
          if (qtile_block_zero(&t, tile, r, k) >= 1 << bits)
            return 0;
  }
  gemm_q_run(x, w, y, S, K, N, t, X_OFFSET(bits), 0, 0);
  return 1;
}

int dsc_gemm_q_ggml_k(const float *x, const uint8_t *w, float *y, int64_t S,
                      int64_t K, int64_t N, int64_t type) {
  int bits = k_gemm_bits(type);
  if (!bits || K % dsc_ggml_block_elems((unsigned)type) || N % 4)
    return 0;
  gemm_q_run(x, w, y, S, K, N, qtile_make(K, 32, bits, 0), X_OFFSET(bits), 0,
             (unsigned)type);
  return 1;
}

#ifdef DSC_GEMM_R16
/* Row-interleaved int4:group=32 blocks (linear_q4_r16): the same GEMM with
 * the panels packed from them. A row's bytes are the 4-row tiles' (18 per
 * 32 columns), which the prefetch of the next panel counts on. */
int dsc_gemm_q4_r16(const float *x, const uint8_t *w, float *y, int64_t S,
                    int64_t K, int64_t N) {
  if (K % 32 || N % DSC_QR16_ROWS)
    return 0;
  gemm_q_run(x, w, y, S, K, N, qtile_make(K, 32, 4, 0), X_OFFSET(4), 1, 0);
  return 1;
}
#endif
