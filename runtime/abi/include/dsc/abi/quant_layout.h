/*===- quant_layout.h - storage of quantized weights --------------*- C -*-===*
 *
 * The one definition of how dsc stores quantized weights, shared by the
 * compiler (which writes them), the kernels and the runtime (which read
 * them). Two families exist:
 *
 * Plain layout (the compiler's canonical form of a !dsc.qtensor before
 * packing): for a [rows, cols] weight quantized to `bits` (2 to 8),
 *   values  rows x cols, row-major, each row a little-endian bit stream of
 *           `bits`-bit values (value c at bits [c*bits, c*bits + bits), so
 *           8-bit one per byte, 4-bit low nibble first), padded to a whole
 *           byte; signed two's complement when symmetric, unsigned when
 *           asymmetric;
 *   scales  at DSC_QPLAIN_ALIGN-aligned offset, one per group in the
 *           scheme's order (row-major over [rows, groups] for `group`);
 *   zeros   (asymmetric only) at the next aligned offset, one byte each.
 * A value dequantizes to (q - zero) * scale.
 *
 * GGML blocks, as GGUF files store them: Q8_0 and Q4_0 are converted to the
 * plain layout on import (Q8_0 is 8-bit symmetric with groups of 32 and f16
 * scales, Q4_0 4-bit symmetric (q - 8) likewise). Every other ggml block
 * format dsc reads is kept as it is: a !dsc.qtensor with a
 * #dsc.quant<q4_k>-style scheme holds the file's blocks byte for byte, row
 * after row (a row is cols / block_elems whole blocks), and the kernels
 * decode them (dsc/abi/ggml_decode.h). Their block layouts are below; the
 * DSC_GGML_* numbers are ggml's type ids, as GGUF stores them.
 *
 * Tiled layout (what executables hold, #dsc.tiled<rows = 4, cols = G>):
 * groups of G consecutive columns of 4 consecutive rows, in the order
 * tile(b, g) = rows [4b, 4b+4) x columns [gG, gG+G), b-major. A tile is
 *   d[4]   the 4 rows' scales (f16 or f32)
 *   z[4]   the 4 rows' zero points (asymmetric only; u8)
 *   q      4 rows x G values, row after row: 8-bit as u8; narrower
 *          widths in 32-column blocks of 32 * bits / 8 bytes (the
 *          dsc_qblock* structs below: the low 2 or 4 bits of each value,
 *          then its high bits, so that vector code unpacks a block with
 *          shifts and masks into 32 bytes).
 * Values are stored unsigned: a symmetric value q is stored as q + 2^(b-1)
 * and the offset 2^(b-1) plays the zero point, so that every value
 * dequantizes to (u - zero) * d, and integer dot products can use unsigned
 * weights with signed activations (x86 vpdpbusd).
 *
 * Row-interleaved layout (#dsc.tiled<rows = 16, cols = 32>; 4-bit symmetric
 * values in groups of 32 with f16 scales, `int4:group=32`, on targets whose
 * registry entry asks for it): blocks of 16 rows x 32 columns, in the order
 * block(b, g) = rows [16b, 16b+16) x columns [32g, 32g+32), b-major, each
 * DSC_QR16_BLOCK_BYTES (288; the same bytes as four 4-row tiles):
 *   d[16]  the 16 rows' scales (f16)
 *   q[4][64] four 64-byte vectors; byte 4r + j of vector v (r < 16, j < 4)
 *          holds row r's column 8v + j in its low nibble and column
 *          8v + 4 + j in its high nibble, as u = q + 8.
 * A vector then has one row in each 32-bit lane, so that a byte
 * dot-product instruction (vpmaddubsw, vpdpbusd) multiplies 8 or 16 rows by
 * four columns of activations broadcast from memory, and a group's sums are
 * scaled by one vector of scales: no shuffles in the decoding loop.
 *
 * Two-level scales (DSC_QFLAG_SUPER, `int4:group=32,scale=i8`): 2- to
 * 6-bit values in groups of 32 columns whose scales are 8-bit codes of one
 * f16 scale per row and super-block of SB columns (a multiple of 64; the
 * compiler takes the largest of 256, 192, 128, 64 dividing the row). A tile
 * is 4 rows x SB columns (#dsc.tiled<rows = 4, cols = SB>), n = SB / 32:
 *   d[4]     the 4 rows' super-block scales (f16)
 *   sc[4n]   group k of row r: code sc[r * n + k], int8 when symmetric,
 *            u8 when asymmetric
 *   z[2n]    (asymmetric only; 2- to 4-bit values) group k of row r's zero
 *            point in nibble k % 2 (low first) of z[r * n / 2 + k / 2]
 *   q        4 rows x SB values, row after row, in 32-column blocks.
 * Value i of group k of row r dequantizes to d[r] * sc[r * n + k] * (u - z)
 * (z = 2^(b-1) when symmetric). For SB = 256 and 4 bits: 552 bytes per
 * 1024 weights symmetric (4.3125 bits per weight), 568 asymmetric (4.4375).
 *
 *===---------------------------------------------------------------------===*/
#ifndef DSC_ABI_QUANT_LAYOUT_H
#define DSC_ABI_QUANT_LAYOUT_H

#include <stdint.h>

#define DSC_QPLAIN_ALIGN 64

typedef struct {
  uint16_t d;     /* f16 scale */
  int8_t qs[32];
} dsc_ggml_block_q8_0;

typedef struct {
  uint16_t d;      /* f16 scale */
  uint8_t qs[16];  /* element j in the low nibble of qs[j], j+16 in the high */
} dsc_ggml_block_q4_0;

typedef struct {
  uint16_t d, m;  /* f16 scale and min: x = q * d + m */
  uint8_t qs[16];
} dsc_ggml_block_q4_1;

typedef struct {
  uint16_t d;
  uint8_t qh[4];  /* fifth bits */
  uint8_t qs[16];
} dsc_ggml_block_q5_0;

typedef struct {
  uint16_t d, m;
  uint8_t qh[4];
  uint8_t qs[16];
} dsc_ggml_block_q5_1;

/* K-quants: super-blocks of 256 values (QK_K). */
#define DSC_QK_K 256

/* Q2_K: 16 sub-blocks of 16; x = d * (sc & 15) * q - dmin * (sc >> 4),
 * q in 0..3. qs[j] of each 128-value half holds 4 values, 2 bits each:
 * bits 2i..2i+1 of qs[32h + l] is value 128h + 32i + l. */
typedef struct {
  uint8_t scales[16]; /* scale (low nibble) and min (high nibble) */
  uint8_t qs[64];
  uint16_t d, dmin; /* f16 */
} dsc_ggml_block_q2_k;

/* Q3_K: 16 sub-blocks of 16; x = d * (s - 32) * (q - 4h), q the 2 low bits
 * (arranged as Q2_K), h = 1 when the value's bit in hmask is clear;
 * value 32i + l (i in 0..7) has its bit i in hmask[l]. The 16 6-bit scales
 * s: low nibble of scales[j] (j < 8) or high nibble of scales[j - 8],
 * top two bits at bit 2 * (j / 4) of scales[8 + j % 4]. */
typedef struct {
  uint8_t hmask[32];
  uint8_t qs[64];
  uint8_t scales[12];
  uint16_t d;
} dsc_ggml_block_q3_k;

/* Q4_K: 8 sub-blocks of 32; x = d * sc * q - dmin * m, q in 0..15, 6-bit
 * sc and m packed in 12 bytes (sub-block j < 4: scales[j] & 63 and
 * scales[j + 4] & 63; j >= 4: the nibbles of scales[j + 4] and the top two
 * bits of scales[j - 4] and scales[j]). Each 64 values share 32 bytes of qs:
 * low nibbles the first 32, high nibbles the next 32. */
typedef struct {
  uint16_t d, dmin;
  uint8_t scales[12];
  uint8_t qs[128];
} dsc_ggml_block_q4_k;

/* Q5_K: Q4_K with a fifth bit: value 32i + l (i in 0..7) has bit i of
 * qh[l]. */
typedef struct {
  uint16_t d, dmin;
  uint8_t scales[12];
  uint8_t qh[32];
  uint8_t qs[128];
} dsc_ggml_block_q5_k;

/* Q6_K: 16 sub-blocks of 16; x = d * scales[i] * (q - 32), q in 0..63.
 * Per 128-value half h: value 128h + 32i + l (i in 0..3, l in 0..31) has
 * its low nibble in ql[64h + l + 32 (i & 1)] (low for i < 2, high for
 * i >= 2) and its top two bits at bit 2i of qh[32h + l]. */
typedef struct {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
} dsc_ggml_block_q6_k;

/* Q8_K: x = d * q, f32 scale. */
typedef struct {
  float d;
  int8_t qs[256];
  int16_t bsums[16];
} dsc_ggml_block_q8_k;

/* IQ4_NL: blocks of 32 like Q4_0, the nibble indexing a fixed non-uniform
 * table of 16 levels: x = d * level[q]. */
typedef struct {
  uint16_t d;
  uint8_t qs[16];
} dsc_ggml_block_iq4_nl;

/* IQ4_XS: super-blocks of 256 as 8 sub-blocks of 32 in IQ4_NL's nibble
 * order; sub-block i's 6-bit scale s (x = d * (s - 32) * level[q]) has its
 * low nibble in scales_l[i / 2] (low for even i) and its top two bits at bit
 * 2i of scales_h. */
typedef struct {
  uint16_t d;
  uint16_t scales_h;
  uint8_t scales_l[4];
  uint8_t qs[128];
} dsc_ggml_block_iq4_xs;

/* One 32-column block of 2- to 6-bit tiled values (value i, i in 0..31):
 *   crumbs  2-bit fields: bits 2k..2k+1 of byte j hold value j + 8k
 *           (k in 0..3);
 *   nibbles 4-bit fields: byte j holds value j (low nibble) and j + 16
 *           (high nibble), as ggml's Q4_0;
 *   bitmask 1-bit fields: bit i % 8 of byte i / 8 holds value i.
 * A value is its low field, plus (3-bit) its bitmask bit times 4, (5-bit)
 * its bitmask bit times 16, (6-bit) its high crumb times 16. */
typedef struct {
  uint8_t lo[8]; /* crumbs */
} dsc_qblock2;

typedef struct {
  uint8_t lo[8]; /* crumbs: bits 0-1 */
  uint8_t hi[4]; /* bitmask: bit 2 */
} dsc_qblock3;

typedef struct {
  uint8_t lo[16]; /* nibbles */
} dsc_qblock4;

typedef struct {
  uint8_t lo[16]; /* nibbles: bits 0-3 */
  uint8_t hi[4];  /* bitmask: bit 4 */
} dsc_qblock5;

typedef struct {
  uint8_t lo[16]; /* nibbles: bits 0-3 */
  uint8_t hi[8];  /* crumbs: bits 4-5 */
} dsc_qblock6;

/* ggml's type ids of the block formats. */
enum {
  DSC_GGML_TYPE_Q4_0 = 2,
  DSC_GGML_TYPE_Q4_1 = 3,
  DSC_GGML_TYPE_Q5_0 = 6,
  DSC_GGML_TYPE_Q5_1 = 7,
  DSC_GGML_TYPE_Q8_0 = 8,
  DSC_GGML_TYPE_Q2_K = 10,
  DSC_GGML_TYPE_Q3_K = 11,
  DSC_GGML_TYPE_Q4_K = 12,
  DSC_GGML_TYPE_Q5_K = 13,
  DSC_GGML_TYPE_Q6_K = 14,
  DSC_GGML_TYPE_Q8_K = 15,
  DSC_GGML_TYPE_IQ4_NL = 20,
  DSC_GGML_TYPE_IQ4_XS = 23
};

#ifdef __cplusplus
#define DSC_STATIC_ASSERT static_assert
#else
#define DSC_STATIC_ASSERT _Static_assert
#endif
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q8_0) == 34, "Q8_0 block is 34 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q4_0) == 18, "Q4_0 block is 18 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q4_1) == 20, "Q4_1 block is 20 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q5_0) == 22, "Q5_0 block is 22 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q5_1) == 24, "Q5_1 block is 24 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q2_k) == 84, "Q2_K block is 84 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q3_k) == 110, "Q3_K block is 110 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q4_k) == 144, "Q4_K block is 144 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q5_k) == 176, "Q5_K block is 176 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q6_k) == 210, "Q6_K block is 210 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_q8_k) == 292, "Q8_K block is 292 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_iq4_nl) == 18, "IQ4_NL block is 18 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_ggml_block_iq4_xs) == 136, "IQ4_XS block is 136 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_qblock2) == 8, "2-bit block is 8 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_qblock3) == 12, "3-bit block is 12 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_qblock4) == 16, "4-bit block is 16 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_qblock5) == 20, "5-bit block is 20 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_qblock6) == 24, "6-bit block is 24 bytes");

/* The two-level tiles of the default super-block (256 columns) at 4 bits. */
typedef struct {
  uint16_t d[4];       /* f16 super-block scales */
  int8_t sc[4][8];     /* group scale codes */
  dsc_qblock4 q[4][8]; /* values, row after row */
} dsc_qtile_super256_q4;

typedef struct {
  uint16_t d[4];
  uint8_t sc[4][8];
  uint8_t z[4][4]; /* zero points, two nibbles a byte */
  dsc_qblock4 q[4][8];
} dsc_qtile_super256_q4_asym;

DSC_STATIC_ASSERT(sizeof(dsc_qtile_super256_q4) == 552,
                  "two-level 4-bit tile of 256 columns is 552 bytes");
DSC_STATIC_ASSERT(sizeof(dsc_qtile_super256_q4_asym) == 568,
                  "asymmetric two-level 4-bit tile of 256 columns is 568 "
                  "bytes");

/* Values per block and bytes per block of a ggml block format; 0 for a type
 * that is not one. */
static inline unsigned dsc_ggml_block_elems(unsigned type) {
  switch (type) {
  case DSC_GGML_TYPE_Q4_0:
  case DSC_GGML_TYPE_Q4_1:
  case DSC_GGML_TYPE_Q5_0:
  case DSC_GGML_TYPE_Q5_1:
  case DSC_GGML_TYPE_Q8_0:
  case DSC_GGML_TYPE_IQ4_NL:
    return 32;
  case DSC_GGML_TYPE_Q2_K:
  case DSC_GGML_TYPE_Q3_K:
  case DSC_GGML_TYPE_Q4_K:
  case DSC_GGML_TYPE_Q5_K:
  case DSC_GGML_TYPE_Q6_K:
  case DSC_GGML_TYPE_Q8_K:
  case DSC_GGML_TYPE_IQ4_XS:
    return DSC_QK_K;
  default:
    return 0;
  }
}

static inline unsigned dsc_ggml_block_bytes(unsigned type) {
  switch (type) {
  case DSC_GGML_TYPE_Q4_0:
    return sizeof(dsc_ggml_block_q4_0);
  case DSC_GGML_TYPE_Q4_1:
    return sizeof(dsc_ggml_block_q4_1);
  case DSC_GGML_TYPE_Q5_0:
    return sizeof(dsc_ggml_block_q5_0);
  case DSC_GGML_TYPE_Q5_1:
    return sizeof(dsc_ggml_block_q5_1);
  case DSC_GGML_TYPE_Q8_0:
    return sizeof(dsc_ggml_block_q8_0);
  case DSC_GGML_TYPE_Q2_K:
    return sizeof(dsc_ggml_block_q2_k);
  case DSC_GGML_TYPE_Q3_K:
    return sizeof(dsc_ggml_block_q3_k);
  case DSC_GGML_TYPE_Q4_K:
    return sizeof(dsc_ggml_block_q4_k);
  case DSC_GGML_TYPE_Q5_K:
    return sizeof(dsc_ggml_block_q5_k);
  case DSC_GGML_TYPE_Q6_K:
    return sizeof(dsc_ggml_block_q6_k);
  case DSC_GGML_TYPE_Q8_K:
    return sizeof(dsc_ggml_block_q8_k);
  case DSC_GGML_TYPE_IQ4_NL:
    return sizeof(dsc_ggml_block_iq4_nl);
  case DSC_GGML_TYPE_IQ4_XS:
    return sizeof(dsc_ggml_block_iq4_xs);
  default:
    return 0;
  }
}

/* Bytes of one row of plain values. */
static inline uint64_t dsc_qplain_row_bytes(uint64_t cols, unsigned bits) {
  return (cols * bits + 7) / 8;
}

static inline uint64_t dsc_qplain_align(uint64_t n) {
  return (n + DSC_QPLAIN_ALIGN - 1) / DSC_QPLAIN_ALIGN * DSC_QPLAIN_ALIGN;
}

/* Bytes from the start of a plain weight to its scales. */
static inline uint64_t dsc_qplain_scales_offset(uint64_t rows, uint64_t cols,
                                                unsigned bits) {
  return dsc_qplain_align(rows * dsc_qplain_row_bytes(cols, bits));
}

/* Whether the tiled layout stores `bits`-bit values. */
static inline int dsc_qtile_bits_ok(unsigned bits) {
  return bits == 8 || (bits >= 2 && bits <= 6);
}

/* Value i (0..31) of a 32-column block of `bits`-bit tiled values (2..6). */
static inline unsigned dsc_qblock_value(const uint8_t *blk, unsigned bits,
                                        unsigned i) {
  /* Only the block's own bytes are read: a 2-bit block has 8. */
  unsigned crumb = bits <= 3 ? (blk[i % 8] >> (2 * (i / 8))) & 3 : 0;
  unsigned nib = bits >= 4 ? (blk[i % 16] >> (4 * (i / 16))) & 15 : 0;
  switch (bits) {
  case 2:
    return crumb;
  case 3:
    return crumb | (((blk[8 + i / 8] >> (i % 8)) & 1) << 2);
  case 4:
    return nib;
  case 5:
    return nib | (((blk[16 + i / 8] >> (i % 8)) & 1) << 4);
  default: /* 6 */
    return nib | (((blk[16 + i % 8] >> (2 * (i / 8))) & 3) << 4);
  }
}

/* Packs 32 values u[i] < 2^bits (bits 2..6) into one block of 32 * bits / 8
 * bytes. */
static inline void dsc_qblock_pack(const uint8_t *u, unsigned bits,
                                   uint8_t *blk) {
  unsigned n = 32 * bits / 8, i;
  for (i = 0; i < n; ++i)
    blk[i] = 0;
  for (i = 0; i < 32; ++i) {
    unsigned v = u[i];
    if (bits <= 3) {
      blk[i % 8] |= (uint8_t)((v & 3) << (2 * (i / 8)));
      if (bits == 3)
        blk[8 + i / 8] |= (uint8_t)(((v >> 2) & 1) << (i % 8));
    } else {
      blk[i % 16] |= (uint8_t)((v & 15) << (4 * (i / 16)));
      if (bits == 5)
        blk[16 + i / 8] |= (uint8_t)(((v >> 4) & 1) << (i % 8));
      else if (bits == 6)
        blk[16 + i % 8] |= (uint8_t)(((v >> 4) & 3) << (2 * (i / 8)));
    }
  }
}

/* Bytes of one tile of the tiled layout. */
static inline uint64_t dsc_qtile_bytes(uint64_t group, unsigned bits,
                                       unsigned scale_bytes, int asym) {
  return 4 * (uint64_t)scale_bytes + (asym ? 4 : 0) + 4 * group * bits / 8;
}

/* Two-level tiles (DSC_QFLAG_SUPER) of SB columns: offsets of the group
 * scale codes, the zero points and the values, and the tile's bytes. */
static inline uint64_t dsc_qsuper_sc_offset(void) { return 8; }
static inline uint64_t dsc_qsuper_zero_offset(uint64_t sb) {
  return 8 + 4 * (sb / 32);
}
static inline uint64_t dsc_qsuper_val_offset(uint64_t sb, int asym) {
  return 8 + 4 * (sb / 32) + (asym ? 2 * (sb / 32) : 0);
}
static inline uint64_t dsc_qsuper_tile_bytes(uint64_t sb, unsigned bits,
                                             int asym) {
  return dsc_qsuper_val_offset(sb, asym) + 4 * sb * bits / 8;
}

/* Row-interleaved 4-bit blocks (#dsc.tiled<rows = 16, cols = 32>). */
#define DSC_QR16_ROWS 16
#define DSC_QR16_COLS 32
#define DSC_QR16_VALUES_OFFSET (DSC_QR16_ROWS * 2)
#define DSC_QR16_BLOCK_BYTES                                                   \
  (DSC_QR16_VALUES_OFFSET + DSC_QR16_ROWS * DSC_QR16_COLS / 2)
DSC_STATIC_ASSERT(DSC_QR16_BLOCK_BYTES == 4 * (4 * 2 + 4 * 32 / 2),
                  "a row-interleaved block holds four 4-row tiles' bytes");

/* Where column c (0..31) of row r (0..15) of a block is: the byte's offset
 * in the block, and the nibble (0 low, 1 high). */
static inline unsigned dsc_qr16_byte(unsigned r, unsigned c) {
  return DSC_QR16_VALUES_OFFSET + 64 * (c / 8) + 4 * r + c % 4;
}
static inline unsigned dsc_qr16_nibble(unsigned c) { return (c / 4) % 2; }

/* Stored value u (0..15) of row r, column c of a block. */
static inline unsigned dsc_qr16_value(const uint8_t *blk, unsigned r,
                                      unsigned c) {
  return (blk[dsc_qr16_byte(r, c)] >> (4 * dsc_qr16_nibble(c))) & 15;
}

/* Flags passed to the quantized kernels. */
enum { DSC_QFLAG_ASYM = 1, DSC_QFLAG_F32_SCALE = 2, DSC_QFLAG_SUPER = 4 };

#endif /* DSC_ABI_QUANT_LAYOUT_H */
