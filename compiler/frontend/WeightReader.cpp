//===- WeightReader.cpp - weights in their canonical bytes ----------------===//

#include "frontend/WeightReader.h"
#include "frontend/Errors.h"

#include "Dsc/IR/DscTypes.h"
#include "dsc/half.h"
#include "dsc/quant_layout.h"

#include "mlir/IR/BuiltinTypes.h"

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
      out[i] = dsc_f16_to_f32(static_cast<uint16_t>(src[2 * i] | (src[2 * i + 1] << 8)));
    return;
  case Encoding::BF16:
    for (uint64_t i = 0; i < n; ++i)
      out[i] = dsc_bf16_to_f32(static_cast<uint16_t>(src[2 * i] | (src[2 * i + 1] << 8)));
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
      float d = dsc_f16_to_f32(static_cast<uint16_t>(p[0] | (p[1] << 8)));
      float m = hasMin ? dsc_f16_to_f32(static_cast<uint16_t>(p[2] | (p[3] << 8))) : 0;
      const uint8_t *qh = p + (hasMin ? 4 : 2);
      const uint8_t *qs = qh + 4;
      uint32_t h = qh[0] | (qh[1] << 8) | (qh[2] << 16) | (static_cast<uint32_t>(qh[3]) << 24);
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

Error WeightReader::write(FileSourceAttr src, Type type, raw_ostream &os) {
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
  const uint8_t *data = reinterpret_cast<const uint8_t *>(file->data()) + off;
  auto shaped = cast<ShapedType>(type);
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
  uint64_t srcRowBytes = rowElems / blockElems * blockBytes;

  if (auto q = dyn_cast<QTensorType>(type)) {
    QuantSchemeAttr s = q.getScheme();
    bool q8 = enc == Encoding::Q8_0 && s.getBits() == 8;
    bool q4 = enc == Encoding::Q4_0 && s.getBits() == 4;
    if ((!q8 && !q4) || s.getGranularity() != Granularity::Group ||
        s.getBlockSize() != 32 || !s.getSymmetric() ||
        !s.getScaleType().isF16() || src.getTranspose())
      return fileError(src.getPath(),
                       "a " + stringifyEncoding(enc).str() +
                           " tensor cannot be read as a qtensor with scheme "
                           "other than its own");
    uint64_t rowBytes = dsc_qplain_row_bytes(cols, s.getBits());
    std::vector<uint8_t> vals(rowBytes);
    std::vector<uint16_t> scales;
    scales.reserve(rows * (cols / 32));
    for (uint64_t r = 0; r < rows; ++r) {
      const uint8_t *row = data + sourceRow(r, rows, src.getRopeHeads()) * srcRowBytes;
      for (uint64_t b = 0; b < cols / 32; ++b) {
        if (q8) {
          dsc_ggml_block_q8_0 blk;
          memcpy(&blk, row + b * sizeof(blk), sizeof(blk));
          scales.push_back(blk.d);
          memcpy(&vals[b * 32], blk.qs, 32);
        } else {
          dsc_ggml_block_q4_0 blk;
          memcpy(&blk, row + b * sizeof(blk), sizeof(blk));
          scales.push_back(blk.d);
          int8_t v[32];
          for (int j = 0; j < 16; ++j) {
            v[j] = static_cast<int8_t>((blk.qs[j] & 0xF) - 8);
            v[j + 16] = static_cast<int8_t>((blk.qs[j] >> 4) - 8);
          }
          for (int j = 0; j < 16; ++j)
            vals[b * 16 + j] = static_cast<uint8_t>((v[2 * j] & 0xF) |
                                                    ((v[2 * j + 1] & 0xF) << 4));
        }
      }
      os.write(reinterpret_cast<const char *>(vals.data()), rowBytes);
    }
    uint64_t written = rows * rowBytes;
    pad(os, written, dsc_qplain_align(written));
    os.write(reinterpret_cast<const char *>(scales.data()), scales.size() * 2);
    return Error::success();
  }

  Type elem = shaped.getElementType();
  if (src.getTranspose()) {
    // The file holds [cols, rows]; decode it whole, write it transposed.
    std::vector<float> all(rows * cols), out(cols);
    for (uint64_t c = 0; c < cols; ++c)
      decodeRow(enc, data + c * srcRowBytes, rows, &all[c * rows]);
    for (uint64_t r = 0; r < rows; ++r) {
      uint64_t sr = sourceRow(r, rows, src.getRopeHeads());
      for (uint64_t c = 0; c < cols; ++c)
        out[c] = all[c * rows + sr];
      encodeRow(elem, out.data(), cols, os);
    }
    return Error::success();
  }
  if (encodingMatches(enc, elem)) {
    if (src.getRopeHeads() == 0) {
      os.write(reinterpret_cast<const char *>(data), size);
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

Error WeightReader::write(FileSourceAttr src, Type type,
                          TiledLayoutAttr layout, raw_ostream &os) {
  if (!layout)
    return write(src, type, os);
  // Materialize the row-major weight, then emit it tile by tile.
  SmallVector<char, 0> rowMajor;
  raw_svector_ostream buf(rowMajor);
  if (Error e = write(src, type, buf))
    return e;
  auto shaped = cast<ShapedType>(type);
  uint64_t rows = shaped.getDimSize(0), cols = shaped.getDimSize(1);
  uint64_t esize = shaped.getElementType().isF32() ? 4 : 2;
  uint64_t tr = layout.getRows(), tc = layout.getCols();
  for (uint64_t b = 0; b < rows / tr; ++b)
    for (uint64_t t = 0; t < cols / tc; ++t)
      for (uint64_t r = 0; r < tr; ++r)
        os.write(rowMajor.data() + ((b * tr + r) * cols + t * tc) * esize,
                 tc * esize);
  return Error::success();
}

} // namespace dsc
