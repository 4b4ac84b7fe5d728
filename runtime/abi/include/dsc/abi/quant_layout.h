/*===- quant_layout.h - storage of quantized weights --------------*- C -*-===*
 *
 * The one definition of how dsc stores quantized weights, shared by the
 * compiler (which writes them), the kernels and the runtime (which read
 * them). Two families exist:
 *
 * Plain layout (the compiler's canonical form of a !dsc.qtensor before
 * packing): for a [rows, cols] weight quantized to `bits`,
 *   values  rows x cols, row-major; 8-bit one per byte, 4-bit two per byte
 *           (low nibble first), each row padded to a whole byte; signed
 *           two's complement when symmetric, unsigned when asymmetric;
 *   scales  at DSC_QPLAIN_ALIGN-aligned offset, one per group in the
 *           scheme's order (row-major over [rows, groups] for `group`);
 *   zeros   (asymmetric only) at the next aligned offset, one byte each.
 * A value dequantizes to (q - zero) * scale.
 *
 * GGML blocks, as GGUF files store them, are converted to the plain layout
 * on import: Q8_0 is 8-bit symmetric with groups of 32 and f16 scales, Q4_0
 * 4-bit symmetric (q - 8) with groups of 32 and f16 scales.
 *
 * Tiled layout (what executables hold, #dsc.tiled<rows = 4, cols = G>):
 * groups of G consecutive columns of 4 consecutive rows, in the order
 * tile(b, g) = rows [4b, 4b+4) x columns [gG, gG+G), b-major. A tile is
 *   d[4]   the 4 rows' scales (f16 or f32)
 *   z[4]   the 4 rows' zero points (asymmetric only; u8)
 *   q      4 rows x G values: 8-bit as u8, 4-bit in 32-column blocks of 16
 *          bytes, byte j holding columns j (low nibble) and j + 16 (high).
 * Values are stored unsigned: a symmetric value q is stored as q + 2^(b-1)
 * and the offset 2^(b-1) plays the zero point, so that every value
 * dequantizes to (u - zero) * d, and integer dot products can use unsigned
 * weights with signed activations (x86 vpdpbusd).
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

/* Bytes of one row of plain values. */
static inline uint64_t dsc_qplain_row_bytes(uint64_t cols, unsigned bits) {
  return (cols * bits + 7) / 8;
}

static inline uint64_t dsc_qplain_align(uint64_t n) {
  return (n + DSC_QPLAIN_ALIGN - 1) / DSC_QPLAIN_ALIGN * DSC_QPLAIN_ALIGN;
}

/* Bytes of one tile of the tiled layout. */
static inline uint64_t dsc_qtile_bytes(uint64_t group, unsigned bits,
                                       unsigned scale_bytes, int asym) {
  return 4 * (uint64_t)scale_bytes + (asym ? 4 : 0) + 4 * group * bits / 8;
}

/* Flags passed to the quantized kernels. */
enum { DSC_QFLAG_ASYM = 1, DSC_QFLAG_F32_SCALE = 2 };

#endif /* DSC_ABI_QUANT_LAYOUT_H */
