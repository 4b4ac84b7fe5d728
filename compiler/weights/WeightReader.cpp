//===- WeightReader.cpp - weights in their canonical bytes ----------------===//

#include "weights/WeightReader.h"
#include "support/Errors.h"
#include "weights/Quantizer.h"

#include "Dsc/IR/DscTypes.h"
#include "dsc/base.h"
#include "dsc/half.h"
#include "dsc/abi/quant_layout.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <limits>

using namespace llvm;
using namespace mlir;
using namespace mlir::dsc;

namespace dsc {

void DigestStream::write_impl(const char *ptr, size_t size) {
  // FNV-1a over 8-byte words, then the tail bytes: order-sensitive and fast.
  size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t w;
    memcpy(&w, ptr + i, 8);
    hash = (hash ^ w) * 0x100000001b3ull;
  }
  for (; i < size; ++i)
    hash = (hash ^ static_cast<uint8_t>(ptr[i])) * 0x100000001b3ull;
  pos += size;
}

Expected<StringRef> WeightReader::map(StringRef path) {
  auto it = files.find(path);
  if (it == files.end()) {
    auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                     /*RequiresNullTerminator=*/false);
    if (!buf)
      return fileError(path, "cannot read: " + buf.getError().message());
    it = files.try_emplace(path, std::move(*buf)).first;
  }
  return it->second->getBuffer();
}

uint64_t WeightReader::byteSize(Type type) { return getStorageBytes(type); }

/// Source row of canonical row `r` when the file has HF's rotate-half order
/// for `heads` heads of `rows / heads` rows each.
static uint64_t sourceRow(uint64_t r, uint64_t rows, int64_t heads) {
  if (heads <= 0)
    return r;
  uint64_t hd = rows / static_cast<uint64_t>(heads);
  uint64_t h = r / hd, i = r % hd;
  return h * hd + (i % 2) * (hd / 2) + i / 2;
}

/// Decodes `n` elements of a row stored with `enc` into floats.
static void decodeRow(Encoding enc, const uint8_t *src, uint64_t n,
                      float *out) {
  switch (enc) {
  case Encoding::F32:
    memcpy(out, src, n * 4);
    return;
  case Encoding::F16:
    for (uint64_t i = 0; i < n; ++i)
      out[i] = dsc_f16_to_f32(dsc_load_u16(src + 2 * i));
    return;
  case Encoding::BF16:
    for (uint64_t i = 0; i < n; ++i)
      out[i] = dsc_bf16_to_f32(dsc_load_u16(src + 2 * i));
    return;
  case Encoding::Q8_0:
    for (uint64_t b = 0; b < n / 32; ++b) {
      dsc_ggml_block_q8_0 blk;
      memcpy(&blk, src + b * sizeof(blk), sizeof(blk));
      float d = dsc_f16_to_f32(blk.d);
      for (int j = 0; j < 32; ++j)
        out[b * 32 + j] = blk.qs[j] * d;
    }
    return;
  case Encoding::Q4_0:
    for (uint64_t b = 0; b < n / 32; ++b) {
      dsc_ggml_block_q4_0 blk;
      memcpy(&blk, src + b * sizeof(blk), sizeof(blk));
      float d = dsc_f16_to_f32(blk.d);
      for (int j = 0; j < 16; ++j) {
        out[b * 32 + j] = ((blk.qs[j] & 0xF) - 8) * d;
        out[b * 32 + j + 16] = ((blk.qs[j] >> 4) - 8) * d;
      }
    }
    return;
  case Encoding::Q4_1:
    for (uint64_t b = 0; b < n / 32; ++b) {
      dsc_ggml_block_q4_1 blk;
      memcpy(&blk, src + b * sizeof(blk), sizeof(blk));
      float d = dsc_f16_to_f32(blk.d), m = dsc_f16_to_f32(blk.m);
      for (int j = 0; j < 16; ++j) {
        out[b * 32 + j] = (blk.qs[j] & 0xF) * d + m;
        out[b * 32 + j + 16] = (blk.qs[j] >> 4) * d + m;
      }
    }
    return;
  case Encoding::Q5_0:
  case Encoding::Q5_1: {
    bool hasMin = enc == Encoding::Q5_1;
    size_t bytes = hasMin ? sizeof(dsc_ggml_block_q5_1) : sizeof(dsc_ggml_block_q5_0);
    for (uint64_t b = 0; b < n / 32; ++b) {
      const uint8_t *p = src + b * bytes;
      float d = dsc_f16_to_f32(dsc_load_u16(p));
      float m = hasMin ? dsc_f16_to_f32(dsc_load_u16(p + 2)) : 0;
      const uint8_t *qh = p + (hasMin ? 4 : 2);
      const uint8_t *qs = qh + 4;
      uint32_t h = dsc_load_u32(qh);
      for (int j = 0; j < 16; ++j) {
        int lo = (qs[j] & 0xF) | (((h >> j) & 1) << 4);
        int hi = (qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4);
        out[b * 32 + j] = hasMin ? lo * d + m : (lo - 16) * d;
        out[b * 32 + j + 16] = hasMin ? hi * d + m : (hi - 16) * d;
      }
    }
    return;
  }
  }
}

static void encodeRow(Type elem, const float *in, uint64_t n, raw_ostream &os) {
  if (elem.isF32()) {
    os.write(reinterpret_cast<const char *>(in), n * 4);
    return;
  }
  std::vector<uint16_t> tmp(n);
  for (uint64_t i = 0; i < n; ++i)
    tmp[i] = elem.isF16() ? dsc_f32_to_f16(in[i]) : dsc_f32_to_bf16(in[i]);
  os.write(reinterpret_cast<const char *>(tmp.data()), n * 2);
}

static bool encodingMatches(Encoding enc, Type elem) {
  return (enc == Encoding::F32 && elem.isF32()) ||
         (enc == Encoding::F16 && elem.isF16()) ||
         (enc == Encoding::BF16 && elem.isBF16());
}


static void pad(raw_ostream &os, uint64_t written, uint64_t to) {
  static const char zeros[DSC_QPLAIN_ALIGN] = {};
  if (to > written)
    os.write(zeros, to - written);
}

/// Where a source's rows are in its mapped file, checked against `type`.
struct Located {
  const uint8_t *data;
  uint64_t rowBytes; // bytes of one stored row
};

Expected<Located> WeightReader::locate(FileSourceAttr src, ShapedType shaped) {
  auto file = map(src.getPath());
  if (!file)
    return file.takeError();
  uint64_t off = static_cast<uint64_t>(src.getOffset());
  uint64_t size = static_cast<uint64_t>(src.getSize());
  if (off > file->size() || size > file->size() - off)
    return fileError(src.getPath(),
                     "weight data at offset " + std::to_string(off) + " (" +
                         std::to_string(size) +
                         " bytes) runs past the end of the file (" +
                         std::to_string(file->size()) + " bytes)");
  uint64_t rows = shaped.getDimSize(0);
  uint64_t cols = shaped.getRank() == 2 ? shaped.getDimSize(1) : 1;
  Encoding enc = src.getEncoding();
  int64_t blockElems;
  uint64_t blockBytes =
      static_cast<uint64_t>(getEncodingBlockBytes(enc, &blockElems));
  uint64_t rowElems = src.getTranspose() ? rows : cols;
  uint64_t nRows = src.getTranspose() ? cols : rows;
  if (rowElems % blockElems ||
      nRows * (rowElems / blockElems) * blockBytes != size)
    return fileError(src.getPath(),
                     "weight at offset " + std::to_string(off) + " holds " +
                         std::to_string(size) + " bytes, not a " +
                         std::to_string(rows) + "x" + std::to_string(cols) +
                         " " + stringifyEncoding(enc).str() + " tensor");
  return Located{reinterpret_cast<const uint8_t *>(file->data()) + off,
                 rowElems / blockElems * blockBytes};
}

Expected<std::vector<float>> WeightReader::readFloat(Attribute source,
                                                     ShapedType shaped) {
  uint64_t rows = shaped.getDimSize(0);
  uint64_t cols = shaped.getRank() == 2 ? shaped.getDimSize(1) : 1;
  if (auto scaled = dyn_cast_or_null<ScaledSourceAttr>(source)) {
    auto w = readFloat(scaled.getSource(), shaped);
    if (!w)
      return w.takeError();
    if (DenseFPElementsAttr f = scaled.getRows()) {
      auto v = f.getValues<float>();
      for (uint64_t r = 0; r < rows; ++r)
        for (uint64_t c = 0; c < cols; ++c)
          (*w)[r * cols + c] *= v[r];
    }
    if (DenseFPElementsAttr f = scaled.getCols()) {
      auto v = f.getValues<float>();
      for (uint64_t r = 0; r < rows; ++r)
        for (uint64_t c = 0; c < cols; ++c)
          (*w)[r * cols + c] *= v[c];
    }
    return w;
  }
  auto src = dyn_cast_or_null<FileSourceAttr>(source);
  if (!src)
    return createStringError(inconvertibleErrorCode(),
                             "a weight has no source to read it from");
  auto at = locate(src, shaped);
  if (!at)
    return at.takeError();
  std::vector<float> w(rows * cols);
  Encoding enc = src.getEncoding();
  if (src.getTranspose()) {
    std::vector<float> col(rows);
    for (uint64_t c = 0; c < cols; ++c) {
      decodeRow(enc, at->data + c * at->rowBytes, rows, col.data());
      for (uint64_t r = 0; r < rows; ++r)
        w[r * cols + c] = col[sourceRow(r, rows, src.getRopeHeads())];
    }
    return w;
  }
  for (uint64_t r = 0; r < rows; ++r)
    decodeRow(enc,
              at->data + sourceRow(r, rows, src.getRopeHeads()) * at->rowBytes,
              cols, &w[r * cols]);
  return w;
}

Expected<QuantizedTensor>
WeightReader::readQuantized(FileSourceAttr src, QTensorType type,
                            ArrayRef<float> importance) {
  QuantSchemeAttr s = type.getScheme();
  if (s.getGranularity() == Granularity::Channel && s.getAxis() != 0)
    return fileError(src.getPath(),
                     "quantizing per input column (channel = 1) is not supported");
  auto at = locate(src, type);
  if (!at)
    return at.takeError();
  Encoding enc = src.getEncoding();

  // GGUF's Q8_0/Q4_0 blocks are the scheme already: copy them over.
  if (enc == Encoding::Q8_0 || enc == Encoding::Q4_0) {
    QuantizedTensor qt;
    qt.init(type);
    int64_t groups = qt.cols / qt.group;
    bool q8 = enc == Encoding::Q8_0;
    if (qt.bits != (q8 ? 8u : 4u) || qt.group != 32 || !qt.symmetric ||
        qt.f32Scale || src.getTranspose())
      return fileError(src.getPath(),
                       "a " + stringifyEncoding(enc).str() +
                           " tensor cannot be read as a qtensor with a "
                           "scheme other than its own");
    for (int64_t r = 0; r < qt.rows; ++r) {
      const uint8_t *row =
          at->data + sourceRow(r, qt.rows, src.getRopeHeads()) * at->rowBytes;
      for (int64_t b = 0; b < groups; ++b) {
        uint8_t *u = &qt.u[r * qt.cols + b * 32];
        uint16_t d;
        if (q8) {
          dsc_ggml_block_q8_0 blk;
          memcpy(&blk, row + b * sizeof(blk), sizeof(blk));
          d = blk.d;
          for (int j = 0; j < 32; ++j)
            u[j] = static_cast<uint8_t>(blk.qs[j] + 128);
          qt.zero[r * groups + b] = 128;
        } else {
          dsc_ggml_block_q4_0 blk;
          memcpy(&blk, row + b * sizeof(blk), sizeof(blk));
          d = blk.d;
          for (int j = 0; j < 16; ++j) {
            u[j] = blk.qs[j] & 0xF;
            u[j + 16] = blk.qs[j] >> 4;
          }
          qt.zero[r * groups + b] = 8;
        }
        qt.scale[r * groups + b] = dsc_f16_to_f32(d);
      }
    }
    return std::move(qt);
  }

  // Float sources: decode rows, quantize by the scheme.
  std::vector<float> all;
  int64_t rows = type.getRows(), cols = type.getCols();
  if (src.getTranspose()) {
    auto w = readFloat(src, type);
    if (!w)
      return w.takeError();
    all = std::move(*w);
  }
  auto qt = quantizeRows(
      type,
      [&](int64_t r, float *out) {
        if (!all.empty()) {
          memcpy(out, &all[r * cols], cols * 4);
          return;
        }
        decodeRow(enc,
                  at->data +
                      sourceRow(r, rows, src.getRopeHeads()) * at->rowBytes,
                  cols, out);
      },
      importance);
  if (!qt)
    return fileError(src.getPath(), toString(qt.takeError()));
  return qt;
}

static void writeScale(raw_ostream &os, float d, bool f32) {
  if (f32) {
    os.write(reinterpret_cast<const char *>(&d), 4);
  } else {
    uint16_t h = dsc_f32_to_f16(d);
    os.write(reinterpret_cast<const char *>(&h), 2);
  }
}

void WeightReader::writePlain(const QuantizedTensor &qt, raw_ostream &os) {
  uint64_t rowBytes = dsc_qplain_row_bytes(qt.cols, qt.bits);
  std::vector<uint8_t> row(rowBytes);
  int64_t groups = qt.cols / qt.group;
  for (int64_t r = 0; r < qt.rows; ++r) {
    std::fill(row.begin(), row.end(), 0);
    for (int64_t c = 0; c < qt.cols; ++c) {
      uint8_t u = qt.u[r * qt.cols + c];
      // Plain values are signed when symmetric.
      uint8_t v = qt.symmetric
                      ? static_cast<uint8_t>(u - qt.zero[r * groups + c / qt.group])
                      : u;
      if (qt.bits == 8)
        row[c] = v;
      else
        row[c / 2] |= static_cast<uint8_t>((v & 0xF) << (4 * (c % 2)));
    }
    os.write(reinterpret_cast<const char *>(row.data()), rowBytes);
  }
  uint64_t written = qt.rows * rowBytes;
  pad(os, written, dsc_qplain_align(written));
  written = dsc_qplain_align(written);
  // One scale per scheme group: per tensor and per head they repeat over
  // rows in memory but once in the plain layout.
  for (size_t i = 0; i < qt.scale.size(); ++i)
    writeScale(os, qt.scale[i], qt.f32Scale);
  written += qt.scale.size() * (qt.f32Scale ? 4 : 2);
  if (!qt.symmetric) {
    pad(os, written, dsc_qplain_align(written));
    os.write(reinterpret_cast<const char *>(qt.zero.data()), qt.zero.size());
  }
}

void WeightReader::writeTiled(const QuantizedTensor &qt, raw_ostream &os) {
  int64_t groups = qt.cols / qt.group;
  std::vector<uint8_t> vals(qt.group * qt.bits / 8);
  for (int64_t b = 0; b < qt.rows / 4; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      for (int r = 0; r < 4; ++r)
        writeScale(os, qt.scale[(4 * b + r) * groups + g], qt.f32Scale);
      if (!qt.symmetric)
        for (int r = 0; r < 4; ++r)
          os << static_cast<char>(qt.zero[(4 * b + r) * groups + g]);
      for (int r = 0; r < 4; ++r) {
        const uint8_t *u = &qt.u[(4 * b + r) * qt.cols + g * qt.group];
        if (qt.bits == 8) {
          os.write(reinterpret_cast<const char *>(u), qt.group);
          continue;
        }
        for (int64_t blk = 0; blk < qt.group / 32; ++blk)
          for (int j = 0; j < 16; ++j)
            vals[blk * 16 + j] = static_cast<uint8_t>(
                u[blk * 32 + j] | (u[blk * 32 + j + 16] << 4));
        os.write(reinterpret_cast<const char *>(vals.data()), vals.size());
      }
    }
}

Error WeightReader::write(Attribute source, Type type, raw_ostream &os) {
  return write(source, type, TiledLayoutAttr(), os);
}

/// Writes a row-major [rows, cols] buffer of `esize`-byte elements tile by
/// tile.
static void writeTiles(const char *rowMajor, uint64_t rows, uint64_t cols,
                       uint64_t esize, TiledLayoutAttr layout,
                       raw_ostream &os) {
  uint64_t tr = layout.getRows(), tc = layout.getCols();
  for (uint64_t b = 0; b < rows / tr; ++b)
    for (uint64_t t = 0; t < cols / tc; ++t)
      for (uint64_t r = 0; r < tr; ++r)
        os.write(rowMajor + ((b * tr + r) * cols + t * tc) * esize, tc * esize);
}

Error WeightReader::write(Attribute source, Type type, TiledLayoutAttr layout,
                          raw_ostream &os, ArrayRef<float> importance) {
  auto shaped = cast<ShapedType>(type);
  uint64_t rows = shaped.getDimSize(0);
  uint64_t cols = shaped.getRank() == 2 ? shaped.getDimSize(1) : 1;
  auto src = dyn_cast_or_null<FileSourceAttr>(source);
  if (!src) {
    // Derived sources (#dsc.scaled): materialize the floats.
    auto w = readFloat(source, shaped);
    if (!w)
      return w.takeError();
    if (auto q = dyn_cast<QTensorType>(type)) {
      auto qt = quantizeRows(
          q,
          [&](int64_t r, float *out) {
            memcpy(out, &(*w)[r * cols], cols * 4);
          },
          importance);
      if (!qt)
        return qt.takeError();
      layout ? writeTiled(*qt, os) : writePlain(*qt, os);
      return Error::success();
    }
    SmallVector<char, 0> rowMajor;
    raw_svector_ostream buf(rowMajor);
    for (uint64_t r = 0; r < rows; ++r)
      encodeRow(shaped.getElementType(), &(*w)[r * cols], cols, buf);
    if (!layout) {
      os.write(rowMajor.data(), rowMajor.size());
      return Error::success();
    }
    writeTiles(rowMajor.data(), rows, cols, rowMajor.size() / (rows * cols),
               layout, os);
    return Error::success();
  }

  if (auto q = dyn_cast<QTensorType>(type)) {
    auto qt = readQuantized(src, q, importance);
    if (!qt)
      return qt.takeError();
    layout ? writeTiled(*qt, os) : writePlain(*qt, os);
    return Error::success();
  }
  if (layout) {
    // Materialize the row-major weight, then emit it tile by tile.
    SmallVector<char, 0> rowMajor;
    raw_svector_ostream buf(rowMajor);
    if (Error e = write(src, type, TiledLayoutAttr(), buf))
      return e;
    uint64_t esize = shaped.getElementType().isF32() ? 4 : 2;
    writeTiles(rowMajor.data(), rows, cols, esize, layout, os);
    return Error::success();
  }

  auto at = locate(src, shaped);
  if (!at)
    return at.takeError();
  const uint8_t *data = at->data;
  uint64_t srcRowBytes = at->rowBytes;
  Encoding enc = src.getEncoding();
  Type elem = shaped.getElementType();
  if (src.getTranspose()) {
    auto w = readFloat(src, shaped);
    if (!w)
      return w.takeError();
    for (uint64_t r = 0; r < rows; ++r)
      encodeRow(elem, &(*w)[r * cols], cols, os);
    return Error::success();
  }
  if (encodingMatches(enc, elem)) {
    if (src.getRopeHeads() == 0) {
      os.write(reinterpret_cast<const char *>(data), srcRowBytes * rows);
      return Error::success();
    }
    for (uint64_t r = 0; r < rows; ++r)
      os.write(reinterpret_cast<const char *>(data) +
                   sourceRow(r, rows, src.getRopeHeads()) * srcRowBytes,
               srcRowBytes);
    return Error::success();
  }
  std::vector<float> row(cols);
  for (uint64_t r = 0; r < rows; ++r) {
    decodeRow(enc, data + sourceRow(r, rows, src.getRopeHeads()) * srcRowBytes,
              cols, row.data());
    encodeRow(elem, row.data(), cols, os);
  }
  return Error::success();
}

} // namespace dsc
