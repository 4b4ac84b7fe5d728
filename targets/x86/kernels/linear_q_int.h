/*===- linear_q_int.h - quantized weights, integer dot products --*- C -*-===*
 *
 * y = x W^T with W in the tiled quantized layout and x quantized on the fly
 * to int8 in blocks of 32 (scale amax/127): each 32-column block of a row
 * is one integer dot product of the stored unsigned weights with the signed
 * activations, scaled by d * dx; the zero point comes out as
 * z * dx * sum(qx), accumulated per group.
 *
 * The including file defines DOT32(w, x) (w: 32 stored weights as u8 in a
 * __m256i, x: 32 activations as s8) returning eight int32 partial sums of
 * sum (w - DOT_OFFSET) x, BITS, and KNAME; an AVX2 8-bit one also
 * DOT32_ABS(w, x, |x|), the same with |x| given, and may define
 * DOT32_ASYM(w, x), the same for asymmetric weights, where DOT32 and
 * DOT32_ABS take symmetric ones only (|w - DOT_OFFSET| <= 127): the
 * general loops then take DOT32_ASYM for every row (DOT32_GEN), the
 * decoding loops for the default formats (tile_row_dot_fast) a copy with
 * it for asymmetric rows. Widths below 8 are unpacked
 * from their 32-column blocks (quant_layout.h) into bytes in registers and take
 * the same dot products as 4-bit values; DSC_ZMM's 512-bit decoding takes
 * 4-bit nibbles as they are and every other width as bytes (8-bit ones
 * loaded, narrower ones unpacked by load_block).
 *
 *===---------------------------------------------------------------------===*/
#include "qact_avx2.h"
#include "quant_tile.h"
#ifdef DSC_HAVE_GEMM
#include "gemm.h"
#endif

#include <immintrin.h>

#include "prefetch_x86.h"
#include "qunpack_x86.h"

/* The general loops' dot product, for every stored value. */
#ifdef DOT32_ASYM
#define DOT32_GEN(w, x) DOT32_ASYM(w, x)
#else
#define DOT32_GEN(w, x) DOT32(w, x)
#endif

typedef struct {
  const int8_t *xq;   /* S x K */
  const float *xd;    /* S x K/32 block scales */
  const int32_t *xs;  /* S x K/32 block sums of xq */
  const uint8_t *w;
  float *y;
  int64_t S, K, N;
  qtile_t t;
  const void *dec; /* decode_prep's per-row tables, or null */
} qi_ctx;

/* 32 stored values of one 32-column block as bytes. */
DSC_INLINE __m256i load_block(const uint8_t *p) {
#if BITS == 8
  return _mm256_loadu_si256((const __m256i *)p);
#elif BITS >= 2 && BITS <= 6
  return dsc_unpack_block(BITS, p);
#else
#error "BITS must be 2 to 6 or 8"
#endif
}

#define BLOCK_BYTES (32 * BITS / 8)

DSC_INLINE float hsum8(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

/* A tile's four row scales (at once, with F16C) and zero points less the
 * dot product's offset. */
DSC_INLINE void tile_scales(const qtile_t *t, const uint8_t *tile, float d[4],
                            int zoff[4]) {
  if (t->f32)
    _mm_storeu_ps(d, _mm_loadu_ps((const float *)tile));
  else
    _mm_storeu_ps(d, _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)tile)));
  for (int r = 0; r < 4; ++r)
    zoff[r] = qtile_zero(t, tile, r) - DOT_OFFSET;
}

/* Two-level tiles: the scales and zero points (less the dot product's
 * offset) of the four rows' 32-column block k, from the rows' super-block
 * scales D (tile_scales' d). */
DSC_INLINE void block_scales(const qtile_t *t, const uint8_t *tile, int64_t k,
                             const float D[4], float d[4], int zoff[4]) {
  qtile_super_block(t, tile, k, D, d, zoff);
  for (int r = 0; r < 4; ++r)
    zoff[r] -= DOT_OFFSET;
}

/* One row of x against the four rows of one block of tiles. `vals(r, g)`
 * gives 32-column block pointers into either the tiles (4-bit values
 * unpacked on the fly) or an unpacked copy. */
DSC_INLINE void tile_row_dot(const qi_ctx *c, int64_t s, const uint8_t *tiles,
                             const uint8_t *unpacked, float out[4]) {
  const int pf = dsc_sw_prefetch_quant();
  const qtile_t *t = &c->t;
  int64_t blocks = t->G / 32, kb = c->K / 32;
  __m256 acc[4];
  float corr[4] = {0, 0, 0, 0};
  for (int r = 0; r < 4; ++r)
    acc[r] = _mm256_setzero_ps();
  const int8_t *xq = c->xq + s * c->K;
  const float *xd = c->xd + s * kb;
  const int32_t *xs = c->xs + s * kb;
  const uint8_t *tile = tiles;
  for (int64_t g = 0; g < t->groups; ++g, tile += t->tile) {
    if (pf && !unpacked) {
      _mm_prefetch((const char *)tile + 4096, _MM_HINT_T0);
      _mm_prefetch((const char *)tile + 4160, _MM_HINT_T0);
    }
    float d[4], D[4];
    int zoff[4];
    tile_scales(t, tile, D, zoff);
    for (int r = 0; r < 4; ++r)
      d[r] = D[r];
    const uint8_t *vals = tile + t->valOff;
    float gsum = 0.0f;
    for (int64_t k = 0; k < blocks; ++k) {
      int64_t blk = g * blocks + k;
      if (t->super) {
        /* Two levels: each block its own scales. */
        if (pf && !unpacked)
          _mm_prefetch((const char *)tile + 4224 + 64 * k, _MM_HINT_T0);
        block_scales(t, tile, k, D, d, zoff);
        gsum = 0.0f;
      }
      __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + blk * 32));
      float dx = xd[blk];
      gsum += dx * (float)xs[blk];
      for (int r = 0; r < 4; ++r) {
        __m256i w = unpacked
                        ? _mm256_loadu_si256((const __m256i *)(unpacked + (uint64_t)r * c->K + blk * 32))
                        : load_block(vals + (uint64_t)r * t->rowBytes + k * BLOCK_BYTES);
        __m256 p = _mm256_cvtepi32_ps(DOT32_GEN(w, xv));
        acc[r] = _mm256_fmadd_ps(p, _mm256_set1_ps(d[r] * dx), acc[r]);
      }
      if (t->super)
        for (int r = 0; r < 4; ++r)
          corr[r] += d[r] * (float)zoff[r] * gsum;
    }
    if (!t->super)
      for (int r = 0; r < 4; ++r)
        corr[r] += d[r] * (float)zoff[r] * gsum;
  }
  for (int r = 0; r < 4; ++r)
    out[r] = hsum8(acc[r]) - corr[r];
}

#ifdef DSC_ZMM
/* Decoding with 512-bit registers: the four rows of a tile go through one
 * (4-bit) or two (every other width) registers per 32-column block, so
 * that each instruction serves four rows. Lanes: 4-bit, 128-bit lane r
 * holds row r (values 0-15 against the block's first 16 activations, 16-31
 * against the last 16); other widths, as bytes, 256-bit halves hold rows
 * 0/1 (and 2/3 in a second register). Within a group of several blocks,
 * products are scaled by the activations' block scale only and the rows' scales
 * are applied once per group. */
#if BITS == 4
#define ZREGS 1
#else
#define ZREGS 2
#endif
DSC_INLINE void tile_row_dot_zmm(const qi_ctx *c, int64_t s,
                                 const uint8_t *tiles, float out[4]) {
  const qtile_t *t = &c->t;
  int64_t blocks = t->G / 32, kb = c->K / 32;
  const int8_t *xq = c->xq + s * c->K;
  const float *xd = c->xd + s * kb;
  const int32_t *xs = c->xs + s * kb;
#if BITS == 4
  const __m512i lanes[1] = {_mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1,
                                             1, 0, 0, 0, 0)};
  const __m512i nib = _mm512_set1_epi8(0x0F);
#else
  const __m512i lanes[2] = {
      _mm512_set_epi32(1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
      _mm512_set_epi32(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2)};
#endif
  __m512 acc[ZREGS];
  for (int i = 0; i < ZREGS; ++i)
    acc[i] = _mm512_setzero_ps();
  __m128 corr = _mm_setzero_ps();
  const __m128 zsym = _mm_set1_ps((float)((1 << (BITS - 1)) - DOT_OFFSET));
  /* Long groups fetch the next tile themselves (below; measured on Zen 4
   * only). Otherwise, where the vendor's policy prefetches
   * (prefetch_x86.h), 4 KiB ahead a group: short tiles as 4- and 8-bit
   * always did, and the narrow widths' every group, as their 256-bit loop
   * did before they came here. */
  const int long_group = BITS != 8 && blocks >= 8 && !t->super;
  const int pf = dsc_sw_prefetch_quant(),
            prefetch = pf && !long_group &&
                       (t->rowBytes <= 64 || (BITS != 4 && BITS != 8));
  const uint64_t next_step = t->tile / (uint64_t)blocks;
  const uint8_t *tile = tiles;
  for (int64_t g = 0; g < t->groups; ++g, tile += t->tile) {
    if (prefetch) {
      /* Two lines a group, 4 KiB ahead (about a DRAM latency at this
       * rate): all of a 4- or 8-bit tile of up to 64 bytes a row. */
      _mm_prefetch((const char *)tile + 4096, _MM_HINT_T0);
      _mm_prefetch((const char *)tile + 4160, _MM_HINT_T0);
    }
    __m128 d = t->f32 ? _mm_loadu_ps((const float *)tile)
                      : _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)tile));
    __m128 zoff = zsym;
    if (t->asym && !t->super) {
      int32_t z4;
      __builtin_memcpy(&z4, tile + 4 * (t->f32 ? 4 : 2), 4);
      zoff = _mm_sub_ps(_mm_cvtepi32_ps(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(z4))),
                        _mm_set1_ps((float)DOT_OFFSET));
    }
    __m512 part[ZREGS];
    for (int i = 0; i < ZREGS; ++i)
      part[i] = _mm512_setzero_ps();
    float gsum = 0.0f;
    const uint8_t *vals = tile + t->valOff;
    for (int64_t k = 0; k < blocks; ++k) {
      int64_t blk = g * blocks + k;
      __m512i dot[ZREGS];
      if (long_group) {
        /* A long group (per-channel scales) reads its four rows as four
         * short streams the hardware prefetcher does not follow (6-bit
         * per channel on Zen 4: 5.8 GB/s without this, 11-12 with): the
         * next tile is fetched while this one is read, spread over its
         * blocks. */
        const char *next = (const char *)tile + t->tile + k * next_step;
        _mm_prefetch(next, _MM_HINT_T0);
        _mm_prefetch(next + 64, _MM_HINT_T0);
      }
#if BITS == 4
      __m512i w;
      if (t->rowBytes == 16) {
        w = _mm512_loadu_si512((const void *)vals);
      } else {
        const uint8_t *p = vals + k * 16;
        w = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)p));
        w = _mm512_inserti32x4(w, _mm_loadu_si128((const __m128i *)(p + t->rowBytes)), 1);
        w = _mm512_inserti32x4(w, _mm_loadu_si128((const __m128i *)(p + 2 * t->rowBytes)), 2);
        w = _mm512_inserti32x4(w, _mm_loadu_si128((const __m128i *)(p + 3 * t->rowBytes)), 3);
      }
      __m512i lo = _mm512_and_si512(w, nib);
      __m512i hi = _mm512_and_si512(_mm512_srli_epi16(w, 4), nib);
      __m512i xlo = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(xq + blk * 32)));
      __m512i xhi = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(xq + blk * 32 + 16)));
      dot[0] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, xlo),
                                   hi, xhi);
#else
      /* 8-bit values as they are; 2, 3, 5 and 6 bits unpacked to bytes
       * (load_block), then the same dot products. */
      const uint8_t *p = vals + k * BLOCK_BYTES;
      __m512i a = _mm512_inserti64x4(_mm512_castsi256_si512(load_block(p)),
                                     load_block(p + t->rowBytes), 1);
      __m512i b2 = _mm512_inserti64x4(
          _mm512_castsi256_si512(load_block(p + 2 * t->rowBytes)),
          load_block(p + 3 * t->rowBytes), 1);
      __m512i xv = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(xq + blk * 32)));
      dot[0] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), a, xv);
      dot[1] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), b2, xv);
#endif
      if (t->super) {
        /* Two levels: block k's scales, the rows' codes times their
         * super-block scales, and its zero points, applied per block. */
        int64_t n = blocks;
        /* A tile is about a line per block: one line a block, 4 KiB
         * ahead, and the last at the first block. */
        if (pf) {
          _mm_prefetch((const char *)tile + 4096 + 64 * k, _MM_HINT_T0);
          if (k == 0)
            _mm_prefetch((const char *)tile + 4096 + 64 * n, _MM_HINT_T0);
        }
        const uint8_t *sc = tile + dsc_qsuper_sc_offset() + k;
        __m128 codes =
            t->asym ? _mm_setr_ps((float)sc[0], (float)sc[n], (float)sc[2 * n],
                                  (float)sc[3 * n])
                    : _mm_setr_ps((float)(int8_t)sc[0], (float)(int8_t)sc[n],
                                  (float)(int8_t)sc[2 * n],
                                  (float)(int8_t)sc[3 * n]);
        __m128 dk = _mm_mul_ps(d, codes);
        __m128 zk = zsym;
        if (t->asym)
          zk = _mm_setr_ps(
              (float)(qtile_block_zero(t, tile, 0, k) - DOT_OFFSET),
              (float)(qtile_block_zero(t, tile, 1, k) - DOT_OFFSET),
              (float)(qtile_block_zero(t, tile, 2, k) - DOT_OFFSET),
              (float)(qtile_block_zero(t, tile, 3, k) - DOT_OFFSET));
        __m512 dz =
            _mm512_castps128_ps512(_mm_mul_ps(dk, _mm_set1_ps(xd[blk])));
        for (int i = 0; i < ZREGS; ++i)
          acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[i]),
                                   _mm512_permutexvar_ps(lanes[i], dz), acc[i]);
        corr = _mm_fmadd_ps(_mm_mul_ps(dk, zk),
                            _mm_set1_ps(xd[blk] * (float)xs[blk]), corr);
        continue;
      }
      if (blocks == 1) {
        /* One block per group: its scales and the activations' at once. */
        __m512 dz = _mm512_castps128_ps512(_mm_mul_ps(d, _mm_set1_ps(xd[blk])));
        for (int i = 0; i < ZREGS; ++i)
          acc[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[i]),
                                      _mm512_permutexvar_ps(lanes[i], dz),
                                      acc[i]);
      } else {
        __m512 dx = _mm512_set1_ps(xd[blk]);
        for (int i = 0; i < ZREGS; ++i)
          part[i] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot[i]), dx, part[i]);
      }
      gsum += xd[blk] * (float)xs[blk];
    }
    if (t->super)
      continue;
    corr = _mm_fmadd_ps(_mm_mul_ps(d, zoff), _mm_set1_ps(gsum), corr);
    if (blocks > 1) {
      __m512 dz = _mm512_castps128_ps512(d);
      for (int i = 0; i < ZREGS; ++i)
        acc[i] = _mm512_fmadd_ps(part[i], _mm512_permutexvar_ps(lanes[i], dz),
                                    acc[i]);
    }
  }
  float lane[16], cr[4];
  _mm_storeu_ps(cr, corr);
#if BITS == 4
  _mm512_storeu_ps(lane, acc[0]);
  for (int r = 0; r < 4; ++r)
    out[r] = lane[4 * r] + lane[4 * r + 1] + lane[4 * r + 2] + lane[4 * r + 3] -
             cr[r];
#else
  for (int i = 0; i < 2; ++i) {
    _mm512_storeu_ps(lane, acc[i]);
    out[2 * i] = hsum8(_mm256_loadu_ps(lane)) - cr[2 * i];
    out[2 * i + 1] = hsum8(_mm256_loadu_ps(lane + 8)) - cr[2 * i + 1];
  }
#endif
}
#undef ZREGS

#endif

/* Which widths have the decoding loops below: 4 and 8 bits on both ISAs.
 * (An earlier AVX2 8-bit loop was removed: its unsigned-by-signed
 * vpmaddubsw saturated, and on stories260K int8:channel its logits moved
 * by 0.6% of their range from every other integer kernel, which split
 * armv7's greedy text from x86's. The AVX2 8-bit loop below takes
 * DOT32's or DOT32_ASYM's exact sign trick instead.) */
#if BITS == 4 || BITS == 8
#define DSC_FAST_DECODE 1
#endif

#ifdef DSC_FAST_DECODE
/* Decoding streams every weight once from memory. The general loops above
 * keep the tile format's every variant in one body; for the formats the
 * quantized schemes write by default, the loops below do less work per
 * byte, so that the loads, not the instructions, bound them (both ISAs):
 *
 * - 4-bit groups of 32, f16 scales, no zero points (int4:group=32): a
 *   72-byte tile per step, its zero point folded into the integer dot
 *   product (the accumulator starts at -8 * sum(x) in each row's first
 *   lane, so there is no float correction per group); AVX-512 takes a
 *   tile in one register and two groups per iteration, AVX2 two rows per
 *   register.
 * - 8-bit groups of a multiple of 64 columns (int8:channel): a tile's four
 *   rows one after the other, so that each thread reads one sequential
 *   stream instead of four interleaved ones K bytes apart, 256 columns
 *   (AVX2: 128) per iteration on four accumulators, the activations' block
 *   scales expanded
 *   beforehand and the zero point applied per group and row from the
 *   activations' precomputed sum; groups of fewer than 256 columns
 *   (int8:group=64, 128) one accumulator a row over all the groups
 *   (tile_row_dot_groups).
 *
 * Both prefetch 4 KiB ahead into L2 where the CPU is not AMD's
 * (prefetch_x86.h): into L1 each prefetch holds a fill buffer for a whole
 * DRAM latency, which measured slower.
 *
 * decode_prep computes, per row of x, what these loops take besides the
 * quantized activations. */
#if BITS == 4
#define DEC_FAST(t) ((t)->G == 32 && !(t)->asym && !(t)->f32 && !(t)->super)
/* Per 32-column block: {-8 * sum(x), 0, 0, 0}. */
#define DEC_BYTES(K, groups) ((uint64_t)(K) / 32 * 16)
#else
#define DEC_FAST(t) ((t)->G % 64 == 0 && !(t)->super)
/* Per 64 columns 16 block scales (eight of each block); per group the sum
 * of dx * sum(x) over its blocks. */
#define DEC_BYTES(K, groups) ((uint64_t)(K) + 4 * (uint64_t)(groups))
#endif

static void decode_prep(const qact_t *a, const qtile_t *t, int64_t S, int64_t K,
                        uint8_t *dec) {
  int64_t kb = K / 32;
  for (int64_t s = 0; s < S; ++s) {
    uint8_t *row = dec + (uint64_t)s * DEC_BYTES(K, t->groups);
    const int32_t *xs = a->sum + s * kb;
#if BITS == 4
    int32_t *z = (int32_t *)row;
    for (int64_t b = 0; b < kb; ++b) {
      z[4 * b] = -8 * xs[b];
      z[4 * b + 1] = z[4 * b + 2] = z[4 * b + 3] = 0;
    }
#else
    const float *xd = a->d + s * kb;
    float *dx = (float *)row;
    for (int64_t b = 0; b < kb; ++b)
      _mm256_storeu_ps(dx + 8 * b, _mm256_set1_ps(xd[b]));
    float *cg = (float *)(row + K);
    int64_t per = t->G / 32;
    for (int64_t g = 0; g < t->groups; ++g) {
      float sum = 0.0f;
      for (int64_t b = g * per; b < (g + 1) * per; ++b)
        sum += xd[b] * (float)xs[b];
      cg[g] = sum;
    }
#endif
  }
}

#if BITS == 4 && !defined(DSC_ZMM)
/* AVX2: rows 0-1 and 2-3 of the tile in two registers, a row per 128-bit
 * lane; vpmaddubsw's pairs of u4 x s8 (at most 2 * 15 * 127) and their sum
 * over the two halves of the block stay within int16. */
DSC_INLINE void q4g32_step(const uint8_t *tile, const int8_t *xq,
                           const __m128i *xz, float xd, __m256 acc[2]) {
  const __m256i nib = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1);
  __m256i xlo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)xq));
  __m256i xhi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(xq + 16)));
  __m256i z = _mm256_broadcastsi128_si256(_mm_loadu_si128(xz));
  __m128 d = _mm_mul_ps(_mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)tile)),
                        _mm_set1_ps(xd));
  __m256 dd = _mm256_castps128_ps256(d);
  for (int h = 0; h < 2; ++h) {
    __m256i w = _mm256_loadu_si256((const __m256i *)(tile + 8 + 32 * h));
    __m256i p = _mm256_add_epi16(
        _mm256_maddubs_epi16(_mm256_and_si256(w, nib), xlo),
        _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(w, 4), nib), xhi));
    __m256i dot = _mm256_add_epi32(_mm256_madd_epi16(p, ones), z);
    __m256 sc = _mm256_permutevar8x32_ps(
        dd, _mm256_set_epi32(2 * h + 1, 2 * h + 1, 2 * h + 1, 2 * h + 1, 2 * h,
                             2 * h, 2 * h, 2 * h));
    acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), sc, acc[h]);
  }
}

DSC_INLINE void tile_row_dot_fast(const qi_ctx *c, int64_t s,
                                  const uint8_t *tiles, float out[4],
                                  const int asym) {
  (void)asym; /* DEC_FAST takes symmetric 4-bit rows only; the call site
                 is the 8-bit loop's too, which reads it */
  const int pf = dsc_sw_prefetch_quant();
  int64_t kb = c->K / 32;
  const int8_t *xq = c->xq + s * c->K;
  const float *xd = c->xd + s * kb;
  const __m128i *xz =
      (const __m128i *)((const uint8_t *)c->dec + (uint64_t)s * DEC_BYTES(c->K, kb));
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  const uint8_t *tile = tiles;
  for (int64_t g = 0; g < kb; ++g, tile += 72) {
    if (pf) {
      _mm_prefetch((const char *)tile + 4096, _MM_HINT_T1);
      _mm_prefetch((const char *)tile + 4096 + 64, _MM_HINT_T1);
    }
    q4g32_step(tile, xq + g * 32, xz + g, xd[g], acc);
  }
  float lane[8];
  for (int h = 0; h < 2; ++h) {
    _mm256_storeu_ps(lane, acc[h]);
    out[2 * h] = lane[0] + lane[1] + lane[2] + lane[3];
    out[2 * h + 1] = lane[4] + lane[5] + lane[6] + lane[7];
  }
}
#elif BITS == 4
DSC_INLINE __m512 q4g32_step(const uint8_t *tile, const int8_t *xq,
                             const __m128i *xz, float xd, __m512 acc) {
  const __m512i nib = _mm512_set1_epi8(0x0F);
  const __m512i lanes = _mm512_set_epi32(3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1,
                                         0, 0, 0, 0);
  __m512i w = _mm512_loadu_si512((const void *)(tile + 8));
  __m512i lo = _mm512_and_si512(w, nib);
  __m512i hi = _mm512_and_si512(_mm512_srli_epi16(w, 4), nib);
  __m512i xlo = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)xq));
  __m512i xhi = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(xq + 16)));
  __m512i dot = _mm512_broadcast_i32x4(_mm_loadu_si128(xz));
  dot = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(dot, lo, xlo), hi, xhi);
  __m128 d = _mm_mul_ps(_mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)tile)),
                        _mm_set1_ps(xd));
  return _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot),
                         _mm512_permutexvar_ps(lanes, _mm512_castps128_ps512(d)),
                         acc);
}

DSC_INLINE void tile_row_dot_fast(const qi_ctx *c, int64_t s,
                                  const uint8_t *tiles, float out[4],
                                  const int asym) {
  (void)asym; /* DEC_FAST takes symmetric 4-bit rows only; the call site
                 is the 8-bit loop's too, which reads it */
  const int pf = dsc_sw_prefetch_quant();
  int64_t kb = c->K / 32;
  const int8_t *xq = c->xq + s * c->K;
  const float *xd = c->xd + s * kb;
  const __m128i *xz =
      (const __m128i *)((const uint8_t *)c->dec + (uint64_t)s * DEC_BYTES(c->K, kb));
  __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
  const uint8_t *tile = tiles;
  int64_t g = 0;
  for (; g + 2 <= kb; g += 2, tile += 144) {
    if (pf) {
      _mm_prefetch((const char *)tile + 4096, _MM_HINT_T1);
      _mm_prefetch((const char *)tile + 4096 + 64, _MM_HINT_T1);
      _mm_prefetch((const char *)tile + 4096 + 128, _MM_HINT_T1);
    }
    acc0 = q4g32_step(tile, xq + g * 32, xz + g, xd[g], acc0);
    acc1 = q4g32_step(tile + 72, xq + g * 32 + 32, xz + g + 1, xd[g + 1], acc1);
  }
  if (g < kb)
    acc0 = q4g32_step(tile, xq + g * 32, xz + g, xd[g], acc0);
  float lane[16];
  _mm512_storeu_ps(lane, _mm512_add_ps(acc0, acc1));
  for (int r = 0; r < 4; ++r)
    out[r] = lane[4 * r] + lane[4 * r + 1] + lane[4 * r + 2] + lane[4 * r + 3];
}
#else
/* 8 bits: one step is Q8W columns, its integer sums scaled by the blocks'
 * dx. AVX-512: 64 columns (two blocks) by vpdpbusd of the unsigned
 * weights, the zero point left to the group correction; AVX2: 32 columns
 * (one block) by DOT32's (or DOT32_ASYM's) exact sign trick (vpmaddubsw's pairs
 * stay within int16), DOT_OFFSET already taken off. */
#ifdef DSC_ZMM
#define Q8W 64
typedef __m512 q8v;
#define Q8ZERO() _mm512_setzero_ps()
#define Q8ADD(a, b) _mm512_add_ps(a, b)
#define Q8SUM(v) _mm512_reduce_add_ps(v)
#define Q8SET1(f) _mm512_set1_ps(f)
#define Q8LOAD(p) _mm512_loadu_ps(p)
#define Q8MUL(a, b) _mm512_mul_ps(a, b)
#define Q8FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
/* One step's products as floats. */
DSC_INLINE q8v q8_prod(const uint8_t *p, const int8_t *xq, const int asym) {
  (void)asym;
  return _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(
      _mm512_setzero_si512(), _mm512_loadu_si512((const void *)p),
      _mm512_loadu_si512((const void *)xq)));
}
#else
#define Q8W 32
typedef __m256 q8v;
#define Q8ZERO() _mm256_setzero_ps()
#define Q8ADD(a, b) _mm256_add_ps(a, b)
#define Q8SUM(v) hsum8(v)
#define Q8SET1(f) _mm256_set1_ps(f)
#define Q8LOAD(p) _mm256_loadu_ps(p)
#define Q8MUL(a, b) _mm256_mul_ps(a, b)
#define Q8FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
DSC_INLINE q8v q8_prod(const uint8_t *p, const int8_t *xq, const int asym) {
  __m256i w = _mm256_loadu_si256((const __m256i *)p),
          x = _mm256_loadu_si256((const __m256i *)xq);
  return _mm256_cvtepi32_ps(asym ? DOT32_GEN(w, x) : DOT32(w, x));
}
#endif

/* acc + a step's products scaled by their blocks' dx. */
DSC_INLINE q8v q8_step(const uint8_t *p, const int8_t *xq, const float *dx,
                       q8v acc, const int asym) {
  return Q8FMA(q8_prod(p, xq, asym), Q8LOAD(dx), acc);
}

/* Groups of fewer than 256 columns (int8:group=64 and 128): one vector
 * accumulator a row over all groups, each step's products scaled by dx
 * times the row's group scale (a multiply more a step), where the loop
 * below sums a group's accumulators across their lanes per group and row;
 * the tiles prefetched 4 KiB ahead, every line once, where that loop's
 * prefetch is in its steps of 4 * Q8W. TinyLlama, one thread, Sapphire
 * Rapids guest: group=64 on AVX-512 decoded 7.6 tokens/s with that loop,
 * 12.9 with this one (per channel 13.3-13.9); group=128 on AVX2 11.9 and
 * 12.8. tile_row_dot_fast's row of x: its activations xq, decode_prep's
 * dx and group sums cg. */
DSC_INLINE void tile_row_dot_groups(const qtile_t *t, const uint8_t *tiles,
                                    const int8_t *xq, const float *dx,
                                    const float *cg, const int pf, float out[4],
                                    const int asym) {
  q8v a[4] = {Q8ZERO(), Q8ZERO(), Q8ZERO(), Q8ZERO()};
  float corr[4] = {0, 0, 0, 0};
  const char *ahead = (const char *)tiles + 4096;
  const uint8_t *tile = tiles;
  for (int64_t g = 0; g < t->groups; ++g, tile += t->tile) {
    if (pf)
      for (; ahead < (const char *)tile + t->tile + 4096; ahead += 64)
        _mm_prefetch(ahead, _MM_HINT_T1);
    float d[4];
    int zoff[4];
    tile_scales(t, tile, d, zoff);
    const int8_t *xg = xq + g * t->G;
    const float *dg = dx + g * t->G / 4;
    for (int r = 0; r < 4; ++r) {
      const uint8_t *p = tile + t->valOff + (uint64_t)r * t->rowBytes;
      q8v dr = Q8SET1(d[r]);
      for (int64_t k = 0; k < t->G; k += Q8W)
        a[r] = Q8FMA(q8_prod(p + k, xg + k, asym),
                     Q8MUL(Q8LOAD(dg + k / 4), dr), a[r]);
      corr[r] += d[r] * (float)zoff[r] * cg[g];
    }
  }
  for (int r = 0; r < 4; ++r)
    out[r] = Q8SUM(a[r]) - corr[r];
}

/* A tile's four rows one after the other, so that a thread reads one
 * sequential stream, four steps per iteration on four accumulators (dx
 * holds 8 floats per 32 columns: decode_prep). */
DSC_INLINE void tile_row_dot_fast(const qi_ctx *c, int64_t s,
                                  const uint8_t *tiles, float out[4],
                                  const int asym) {
  const int pf = dsc_sw_prefetch_quant();
  const qtile_t *t = &c->t;
  const int8_t *xq = c->xq + s * c->K;
  const uint8_t *row =
      (const uint8_t *)c->dec + (uint64_t)s * DEC_BYTES(c->K, t->groups);
  const float *dx = (const float *)row, *cg = (const float *)(row + c->K);
  if (t->G < 256) {
    tile_row_dot_groups(t, tiles, xq, dx, cg, pf, out, asym);
    return;
  }
  float res[4] = {0, 0, 0, 0};
  const uint8_t *tile = tiles;
  for (int64_t g = 0; g < t->groups; ++g, tile += t->tile) {
    float d[4];
    int zoff[4];
    tile_scales(t, tile, d, zoff);
    const int8_t *xg = xq + g * t->G;
    const float *dg = dx + g * t->G / 4;
    for (int r = 0; r < 4; ++r) {
      const uint8_t *p = tile + t->valOff + (uint64_t)r * t->rowBytes;
      q8v a[4] = {Q8ZERO(), Q8ZERO(), Q8ZERO(), Q8ZERO()};
      int64_t k = 0;
      for (; k + 4 * Q8W <= t->G; k += 4 * Q8W) {
        if (pf)
          for (int l = 0; l < 4 * Q8W; l += 64)
            _mm_prefetch((const char *)p + k + 4096 + l, _MM_HINT_T1);
        for (int i = 0; i < 4; ++i)
          a[i] = q8_step(p + k + i * Q8W, xg + k + i * Q8W,
                         dg + (k + i * Q8W) / 4, a[i], asym);
      }
      for (; k < t->G; k += Q8W)
        a[0] = q8_step(p + k, xg + k, dg + k / 4, a[0], asym);
      q8v sum = Q8ADD(Q8ADD(a[0], a[1]), Q8ADD(a[2], a[3]));
      res[r] += d[r] * (Q8SUM(sum) - (float)zoff[r] * cg[g]);
    }
  }
  for (int r = 0; r < 4; ++r)
    out[r] = res[r];
}
#endif
#endif

#if BITS == 8 && !defined(DSC_ZMM)
/* AVX2, 8 bits in groups of 32 with symmetric scales (the classifier of
 * 8-bit schemes, Q8_0's layout): a tile is one block of four rows, 136
 * bytes with f16 scales. The general loop scales each row's products
 * apart (a scalar product and broadcast a row); here the four rows' sums
 * are gathered into one register by horizontal adds (lanes 0-3 the rows'
 * first halves, 4-7 their second) and scaled by one vector, d * dx. The
 * zero point is the dot product's offset, so there is no correction. */
#define G32_FAST(t) ((t)->G == 32 && !(t)->asym && !(t)->super)
DSC_INLINE void tile_row_dot_g32(const qi_ctx *c, int64_t s,
                                 const uint8_t *tiles, float out[4]) {
  const int pf = dsc_sw_prefetch_quant();
  const qtile_t *t = &c->t;
  const int8_t *xq = c->xq + s * c->K;
  const float *xd = c->xd + s * (c->K / 32);
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  const uint8_t *tile = tiles;
  /* 4 KiB ahead, every line once: tiles (136 or 144 bytes) are not a
   * whole number of lines. */
  const char *ahead = (const char *)tiles + 4096;
  for (int64_t g = 0; g < t->groups; ++g, tile += t->tile) {
    if (pf)
      for (; ahead < (const char *)tile + t->tile + 4096; ahead += 64)
        _mm_prefetch(ahead, _MM_HINT_T1);
    __m256i xv = _mm256_loadu_si256((const __m256i *)(xq + g * 32));
    __m256i xa = _mm256_sign_epi8(xv, xv);
    const uint8_t *vals = tile + t->valOff;
    __m256i d0 = DOT32_ABS(_mm256_loadu_si256((const __m256i *)vals), xv, xa);
    __m256i d1 =
        DOT32_ABS(_mm256_loadu_si256((const __m256i *)(vals + 32)), xv, xa);
    __m256i d2 =
        DOT32_ABS(_mm256_loadu_si256((const __m256i *)(vals + 64)), xv, xa);
    __m256i d3 =
        DOT32_ABS(_mm256_loadu_si256((const __m256i *)(vals + 96)), xv, xa);
    __m256i h =
        _mm256_hadd_epi32(_mm256_hadd_epi32(d0, d1), _mm256_hadd_epi32(d2, d3));
    __m128 d = t->f32 ? _mm_loadu_ps((const float *)tile)
                      : _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)tile));
    __m256 sc = _mm256_mul_ps(_mm256_set_m128(d, d), _mm256_set1_ps(xd[g]));
    /* Two accumulators: alternate tiles, so that consecutive FMAs do not
     * wait on each other. */
    if (g & 1)
      acc1 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(h), sc, acc1);
    else
      acc0 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(h), sc, acc0);
  }
  __m256 acc = _mm256_add_ps(acc0, acc1);
  __m128 r =
      _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  _mm_storeu_ps(out, r);
}
#endif

#ifndef XR
#define XR 2
#endif

/* Prompts: XR rows of x against an unpacked block of 4 weight rows, so
 * that each weight register feeds XR dot products. */
DSC_INLINE void tile_rows_dot(const qi_ctx *c, int64_t s0, const uint8_t *tiles,
                              const uint8_t *unpacked, float out[XR][4]) {
  const qtile_t *t = &c->t;
  int64_t blocks = t->G / 32, kb = c->K / 32;
  __m256 acc[XR][4];
  float corr[XR][4];
  for (int i = 0; i < XR; ++i)
    for (int r = 0; r < 4; ++r) {
      acc[i][r] = _mm256_setzero_ps();
      corr[i][r] = 0.0f;
    }
  const uint8_t *tile = tiles;
  for (int64_t g = 0; g < t->groups; ++g, tile += t->tile) {
    float d[4], D[4];
    int zoff[4];
    tile_scales(t, tile, D, zoff);
    for (int r = 0; r < 4; ++r)
      d[r] = D[r];
    float gsum[XR];
    for (int i = 0; i < XR; ++i)
      gsum[i] = 0.0f;
    for (int64_t k = 0; k < blocks; ++k) {
      int64_t blk = g * blocks + k;
      if (t->super) {
        block_scales(t, tile, k, D, d, zoff);
        for (int i = 0; i < XR; ++i)
          gsum[i] = 0.0f;
      }
      __m256i xv[XR];
      float dx[XR];
      for (int i = 0; i < XR; ++i) {
        xv[i] = _mm256_loadu_si256((const __m256i *)(c->xq + (s0 + i) * c->K + blk * 32));
        dx[i] = c->xd[(s0 + i) * kb + blk];
        gsum[i] += dx[i] * (float)c->xs[(s0 + i) * kb + blk];
      }
      for (int r = 0; r < 4; ++r) {
        __m256i w = _mm256_loadu_si256((const __m256i *)(unpacked + (uint64_t)r * c->K + blk * 32));
        for (int i = 0; i < XR; ++i)
          acc[i][r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(DOT32_GEN(w, xv[i])),
                                      _mm256_set1_ps(d[r] * dx[i]), acc[i][r]);
      }
      if (t->super)
        for (int i = 0; i < XR; ++i)
          for (int r = 0; r < 4; ++r)
            corr[i][r] += d[r] * (float)zoff[r] * gsum[i];
    }
    if (!t->super)
      for (int i = 0; i < XR; ++i)
        for (int r = 0; r < 4; ++r)
          corr[i][r] += d[r] * (float)zoff[r] * gsum[i];
  }
  for (int i = 0; i < XR; ++i)
    for (int r = 0; r < 4; ++r)
      out[i][r] = hsum8(acc[i][r]) - corr[i][r];
}

static void qi_rows(void *ctx, int64_t begin, int64_t end) {
  const qi_ctx *c = (const qi_ctx *)ctx;
  const qtile_t *t = &c->t;
  /* Prompts: unpack each block of 4 rows once (4 x K bytes, on the stack up
   * to K = 16384) and reuse it for every row of x. */
  uint8_t stackbuf[4 * 16384];
  uint8_t *unpacked = c->S >= XR && c->K <= 16384 ? stackbuf : 0;
  for (int64_t b = begin; b < end; ++b) {
    const uint8_t *tiles = c->w + (uint64_t)b * (uint64_t)t->groups * t->tile;
    int64_t s = 0;
    if (unpacked) {
      const uint8_t *tile = tiles;
      for (int64_t g = 0; g < t->groups; ++g, tile += t->tile)
        for (int r = 0; r < 4; ++r)
          for (int64_t k = 0; k < t->G / 32; ++k)
            _mm256_storeu_si256(
                (__m256i *)(unpacked + (uint64_t)r * c->K + g * t->G + k * 32),
                load_block(tile + t->valOff + (uint64_t)r * t->rowBytes + k * BLOCK_BYTES));
      for (; s + XR <= c->S; s += XR) {
        float out[XR][4];
        tile_rows_dot(c, s, tiles, unpacked, out);
        for (int i = 0; i < XR; ++i)
          for (int r = 0; r < 4; ++r)
            c->y[(s + i) * c->N + 4 * b + r] = out[i][r];
      }
    }
    for (; s < c->S; ++s) {
      float out[4];
#ifdef DSC_FAST_DECODE
      if (!unpacked && c->dec) {
#ifdef DOT32_ASYM
        if (t->asym) /* its own copy: DOT32_GEN */
          tile_row_dot_fast(c, s, tiles, out, 1);
        else
#endif
          tile_row_dot_fast(c, s, tiles, out, 0);
      } else
#endif
#ifdef G32_FAST
          if (!unpacked && G32_FAST(t))
        tile_row_dot_g32(c, s, tiles, out);
      else
#endif
#ifdef DSC_ZMM
      if (!unpacked)
        tile_row_dot_zmm(c, s, tiles, out);
      else
#endif
        tile_row_dot(c, s, tiles, unpacked, out);
      for (int r = 0; r < 4; ++r)
        c->y[s * c->N + 4 * b + r] = out[r];
    }
  }
}

void KNAME(const float *x, const uint8_t *w, float *y, int64_t S, int64_t K,
           int64_t N, int64_t G, int64_t flags) {
  if (G % 32 || K % 32) {
    dsc_linear_qf_t4_portable(x, w, y, S, K, N, G, BITS, flags);
    return;
  }
#ifdef DSC_HAVE_GEMM
  if (S >= DSC_GEMM_MIN_ROWS && dsc_gemm_q_t4(x, w, y, S, K, N, G, BITS, flags))
    return;
#endif
  qact_t a = qact_alloc(S, K);
  qact_quantize_avx2(x, S, K, a.q, a.d, a.sum);
  qi_ctx c = {a.q, a.d, a.sum, w, y, S, K, N, qtile_make(K, G, BITS, (int)flags), 0};
#ifdef DSC_FAST_DECODE
  /* The rows qi_rows decodes one at a time (see its unpacked buffer). */
  uint8_t *dec = 0;
  if ((S < XR || K > 16384) && DEC_FAST(&c.t)) {
    dec = (uint8_t *)dsc_kernel_alloc((uint64_t)S * DEC_BYTES(K, c.t.groups));
    decode_prep(&a, &c.t, S, K, dec);
    c.dec = dec;
  }
#endif
  if (S * K * N < DSC_PARALLEL_MIN_WORK)
    qi_rows(&c, 0, N / 4);
  else
    dsc_parallel_for(N / 4, qi_rows, &c);
#ifdef DSC_FAST_DECODE
  if (dec)
    dsc_kernel_free(dec);
#endif
  qact_free(a);
}
