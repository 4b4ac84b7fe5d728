//===- Layouts.cpp - weights in the executable's storage layouts ----------===//

#include "weights/Layouts.h"

#include "dsc/abi/quant_layout.h"
#include "dsc/half.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <vector>

using namespace llvm;
using namespace mlir::dsc;

namespace dsc {

static void pad(raw_ostream &os, uint64_t written, uint64_t to) {
  static const char zeros[DSC_QPLAIN_ALIGN] = {};
  if (to > written)
    os.write(zeros, to - written);
}

/// dsc_qblock_pack, with 4 bits (byte j: value j low, j + 16 high) in one
/// pass.
static void packBlock(const uint8_t *u, unsigned bits, uint8_t *blk) {
  if (bits != 4) {
    dsc_qblock_pack(u, bits, blk);
    return;
  }
  for (int j = 0; j < 16; ++j)
    blk[j] = static_cast<uint8_t>((u[j] & 15) | (u[j + 16] & 15) << 4);
}

void writeIQ4NLBlocks(const QuantizedTensor &qt, raw_ostream &os) {
  assert(qt.levels && qt.group == 32 && "IQ4_NL blocks hold 32 levels");
  int64_t groups = qt.cols / 32;
  std::vector<dsc_ggml_block_iq4_nl> row(groups);
  for (int64_t r = 0; r < qt.rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) {
      row[g].d = dsc_f32_to_f16(qt.scale[r * groups + g]);
      packBlock(&qt.u[r * qt.cols + g * 32], 4, row[g].qs);
    }
    os.write(reinterpret_cast<const char *>(row.data()),
             groups * sizeof(dsc_ggml_block_iq4_nl));
  }
}

static void writeScale(raw_ostream &os, float d, bool f32) {
  if (f32) {
    os.write(reinterpret_cast<const char *>(&d), 4);
  } else {
    uint16_t h = dsc_f32_to_f16(d);
    os.write(reinterpret_cast<const char *>(&h), 2);
  }
}

uint64_t writePlainValues(const QuantizedTensor &qt, raw_ostream &os) {
  uint64_t rowBytes = dsc_qplain_row_bytes(qt.cols, qt.bits);
  std::vector<uint8_t> row(rowBytes);
  int64_t groups = qt.cols / qt.group;
  for (int64_t r = 0; r < qt.rows; ++r) {
    std::fill(row.begin(), row.end(), 0);
    const uint8_t *u = &qt.u[r * qt.cols];
    const uint8_t *z = &qt.zero[r * groups];
    // Plain values are signed when symmetric.
    auto value = [&](int64_t c) -> uint8_t {
      return qt.symmetric ? static_cast<uint8_t>(u[c] - z[c / qt.group]) : u[c];
    };
    for (int64_t c = 0; c < qt.cols; ++c) {
      // A little-endian bit stream: a value may straddle two bytes.
      uint64_t bit = static_cast<uint64_t>(c) * qt.bits;
      unsigned both = (value(c) & ((1u << qt.bits) - 1)) << (bit % 8);
      row[bit / 8] |= static_cast<uint8_t>(both);
      if (bit % 8 + qt.bits > 8)
        row[bit / 8 + 1] |= static_cast<uint8_t>(both >> 8);
    }
    os.write(reinterpret_cast<const char *>(row.data()), rowBytes);
  }
  return qt.rows * rowBytes;
}

void writePlainQuantized(const QuantizedTensor &qt, raw_ostream &os) {
  writePlainScales(qt, writePlainValues(qt, os), os);
}

void writePlainScales(const QuantizedTensor &qt, uint64_t written,
                      raw_ostream &out) {
  // Into memory first: `out` may do work per write (the payload's progress
  // and hash), and a scale is 2 or 4 bytes.
  SmallVector<char, 0> buf;
  raw_svector_ostream os(buf);
  scope_exit flush([&] { out.write(buf.data(), buf.size()); });
  pad(os, written, dsc_qplain_align(written));
  written = dsc_qplain_align(written);
  if (qt.superBlock) {
    // Two-level: the f16 super-block scales, the groups' codes (and zero
    // points), one byte each, from aligned offsets.
    for (float d : qt.superScale)
      writeScale(os, d, false);
    written += qt.superScale.size() * 2;
    pad(os, written, dsc_qplain_align(written));
    written = dsc_qplain_align(written);
    for (int16_t c : qt.code)
      os << static_cast<char>(c);
    written += qt.code.size();
    if (!qt.symmetric) {
      pad(os, written, dsc_qplain_align(written));
      os.write(reinterpret_cast<const char *>(qt.zero.data()), qt.zero.size());
    }
    return;
  }
  // One scale per scheme group: per tensor and per head they repeat over
  // rows in memory but once in the plain layout (getStorageBytes counts
  // the scheme's scales).
  int64_t groups = qt.cols / qt.group;
  size_t n = 0;
  for (int64_t r = 0; r < qt.rows; r += qt.shareRows)
    for (int64_t g = 0; g < groups; ++g, ++n)
      writeScale(os, qt.scale[r * groups + g], qt.f32Scale);
  written += n * (qt.f32Scale ? 4 : 2);
  if (!qt.symmetric) {
    pad(os, written, dsc_qplain_align(written));
    os.write(reinterpret_cast<const char *>(qt.zero.data()), qt.zero.size());
  }
}

/// Two-level tiles (quant_layout.h, DSC_QFLAG_SUPER): 4 rows by one
/// super-block.
static void writeSuperTiles(const QuantizedTensor &qt, raw_ostream &os) {
  int64_t sb = qt.superBlock, supers = qt.cols / sb, n = sb / 32;
  int64_t groups = qt.cols / 32;
  std::vector<uint8_t> vals(4 * qt.bits);
  for (int64_t b = 0; b < qt.rows / 4; ++b)
    for (int64_t j = 0; j < supers; ++j) {
      for (int r = 0; r < 4; ++r)
        writeScale(os, qt.superScale[(4 * b + r) * supers + j], false);
      for (int r = 0; r < 4; ++r)
        for (int64_t k = 0; k < n; ++k)
          os << static_cast<char>(qt.code[(4 * b + r) * groups + j * n + k]);
      if (!qt.symmetric)
        for (int r = 0; r < 4; ++r)
          for (int64_t k = 0; k < n; k += 2) {
            const uint8_t *z = &qt.zero[(4 * b + r) * groups + j * n + k];
            os << static_cast<char>((z[0] & 15) | (z[1] << 4));
          }
      for (int r = 0; r < 4; ++r)
        for (int64_t k = 0; k < n; ++k) {
          dsc_qblock_pack(&qt.u[(4 * b + r) * qt.cols + j * sb + k * 32],
                          qt.bits, vals.data());
          os.write(reinterpret_cast<const char *>(vals.data()), vals.size());
        }
    }
}

/// Blocks of 16 rows by 32 columns, one row in each 32-bit lane of a 64-byte
/// vector (quant_layout.h, DSC_QR16_*).
static void writeRowInterleaved(const QuantizedTensor &qt, raw_ostream &os) {
  assert(qt.bits == 4 && qt.symmetric && !qt.f32Scale && !qt.superBlock &&
         qt.group == DSC_QR16_COLS && qt.rows % DSC_QR16_ROWS == 0 &&
         "the verifier admits only int4:group=32 with f16 scales");
  int64_t groups = qt.cols / DSC_QR16_COLS;
  // Each byte holds column c (low nibble) and column c + 4 (high), c % 8 <
  // 4: the byte is written once from both (setting nibbles one value at a
  // time was a quarter of an 8B-shape compile).
  assert(dsc_qr16_byte(0, 4) == dsc_qr16_byte(0, 0) &&
         dsc_qr16_nibble(0) == 0 && dsc_qr16_nibble(4) == 1 &&
         "quant_layout.h pairs columns c and c + 4 in a byte");
  // A band of 16 rows at a time, written in one piece.
  std::vector<uint8_t> buf(groups * DSC_QR16_BLOCK_BYTES);
  for (int64_t b = 0; b < qt.rows / DSC_QR16_ROWS; ++b) {
    uint8_t *blk = buf.data();
    for (int64_t g = 0; g < groups; ++g, blk += DSC_QR16_BLOCK_BYTES)
      for (unsigned r = 0; r < DSC_QR16_ROWS; ++r) {
        int64_t row = b * DSC_QR16_ROWS + r;
        uint16_t h = dsc_f32_to_f16(qt.scale[row * groups + g]);
        memcpy(blk + 2 * r, &h, 2);
        const uint8_t *u = &qt.u[row * qt.cols + g * DSC_QR16_COLS];
        for (unsigned c = 0; c < DSC_QR16_COLS; c += 8)
          for (unsigned j = 0; j < 4; ++j)
            blk[dsc_qr16_byte(r, c + j)] =
                static_cast<uint8_t>(u[c + j] | u[c + j + 4] << 4);
      }
    os.write(reinterpret_cast<const char *>(buf.data()), buf.size());
  }
}

void writeTiledQuantized(const QuantizedTensor &qt, int64_t tileRows,
                         raw_ostream &os) {
  if (tileRows == DSC_QR16_ROWS)
    return writeRowInterleaved(qt, os);
  assert(tileRows == 4 && "quantized tiles are 4 or 16 rows");
  if (qt.superBlock)
    return writeSuperTiles(qt, os);
  int64_t groups = qt.cols / qt.group;
  unsigned sb = qt.f32Scale ? 4 : 2;
  uint64_t tile = dsc_qtile_bytes(qt.group, qt.bits, sb, !qt.symmetric);
  uint64_t rowVals = qt.group * qt.bits / 8;
  // A block of four rows' tiles at a time, written in one piece.
  std::vector<uint8_t> buf(groups * tile);
  for (int64_t b = 0; b < qt.rows / 4; ++b) {
    uint8_t *t = buf.data();
    for (int64_t g = 0; g < groups; ++g, t += tile) {
      uint8_t *p = t;
      for (int r = 0; r < 4; ++r, p += sb) {
        float d = qt.scale[(4 * b + r) * groups + g];
        if (qt.f32Scale) {
          memcpy(p, &d, 4);
        } else {
          uint16_t h = dsc_f32_to_f16(d);
          memcpy(p, &h, 2);
        }
      }
      if (!qt.symmetric)
        for (int r = 0; r < 4; ++r)
          *p++ = qt.zero[(4 * b + r) * groups + g];
      for (int r = 0; r < 4; ++r, p += rowVals) {
        const uint8_t *u = &qt.u[(4 * b + r) * qt.cols + g * qt.group];
        if (qt.bits == 8)
          memcpy(p, u, qt.group);
        else
          for (int64_t blk = 0; blk < qt.group / 32; ++blk)
            packBlock(u + blk * 32, qt.bits, p + blk * 4 * qt.bits);
      }
    }
    os.write(reinterpret_cast<const char *>(buf.data()), buf.size());
  }
}

void writeTiles(const char *rowMajor, uint64_t rows, uint64_t cols,
                uint64_t esize, TiledLayoutAttr layout, raw_ostream &os) {
  uint64_t tr = layout.getRows(), tc = layout.getCols();
  for (uint64_t b = 0; b < rows / tr; ++b)
    for (uint64_t t = 0; t < cols / tc; ++t)
      for (uint64_t r = 0; r < tr; ++r)
        os.write(rowMajor + ((b * tr + r) * cols + t * tc) * esize, tc * esize);
}

} // namespace dsc
