//===- WeightReader.cpp - weights in their canonical bytes ----------------===//

#include "frontend/WeightReader.h"
#include "frontend/Errors.h"

#include "Dsc/IR/DscTypes.h"
#include "dsc/half.h"
#include "dsc/quant_layout.h"

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

/// A quantized weight in memory: one stored (unsigned) value per element,
/// and per row and group a scale and a zero point (for symmetric schemes the
/// zero point is the offset 2^(bits-1) that makes values unsigned).
struct QuantizedTensor {
  int64_t rows = 0, cols = 0, group = 0;
  unsigned bits = 8;
  bool symmetric = true, f32Scale = false;
  std::vector<uint8_t> u;      // rows * cols
  std::vector<float> scale;    // rows * (cols / group)
  std::vector<uint8_t> zero;   // rows * (cols / group)
};

static float roundScale(float d, bool f32) {
  return f32 ? d : dsc_f16_to_f32(dsc_f32_to_f16(d));
}

/// The symmetric scale of n values: for 4 bits the value of largest
/// magnitude maps to -8 exactly (ggml's Q4_0 choice, one more level than
/// amax / 7); for 8 bits amax maps to 127 (Q8_0's).
static float symmetricScale(const float *w, int64_t n, unsigned bits,
                            bool f32Scale) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i)
    if (std::fabs(w[i]) > std::fabs(m))
      m = w[i];
  if (bits == 8)
    return roundScale(std::fabs(m) / 127.0f, f32Scale);
  return roundScale(m / -static_cast<float>(1 << (bits - 1)), f32Scale);
}

/// Round-to-nearest quantization of one group of n values.
static void quantizeGroup(const float *w, int64_t n, unsigned bits, bool sym,
                          bool f32Scale, float fixedScale, uint8_t *u,
                          float *scale, uint8_t *zero) {
  int qmax = (1 << bits) - 1;
  if (sym) {
    int off = 1 << (bits - 1);
    float d = fixedScale;
    if (std::isnan(d))
      d = symmetricScale(w, n, bits, f32Scale);
    // 8-bit values stay within [-127, 127] so that x86's sign trick applies.
    float lo = bits == 8 ? -127.0f : -static_cast<float>(off);
    float inv = d != 0 ? 1.0f / d : 0.0f;
    for (int64_t i = 0; i < n; ++i) {
      float q = std::nearbyint(w[i] * inv);
      q = std::min(std::max(q, lo), static_cast<float>(off - 1));
      u[i] = static_cast<uint8_t>(static_cast<int>(q) + off);
    }
    *scale = d;
    *zero = static_cast<uint8_t>(off);
    return;
  }
  float lo = w[0], hi = w[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
  }
  lo = std::min(lo, 0.0f);
  hi = std::max(hi, 0.0f);
  float d = roundScale((hi - lo) / qmax, f32Scale);
  float inv = d != 0 ? 1.0f / d : 0.0f;
  int z = d != 0 ? static_cast<int>(std::nearbyint(-lo * inv)) : 0;
  z = std::min(std::max(z, 0), qmax);
  for (int64_t i = 0; i < n; ++i) {
    float q = std::nearbyint(w[i] * inv) + z;
    u[i] = static_cast<uint8_t>(std::min(std::max(q, 0.0f),
                                         static_cast<float>(qmax)));
  }
  *scale = d;
  *zero = static_cast<uint8_t>(z);
}

Error WeightReader::readQuantized(FileSourceAttr src, QTensorType type,
                                  const uint8_t *data, uint64_t srcRowBytes,
                                  QuantizedTensor &qt) {
  QuantSchemeAttr s = type.getScheme();
  qt.rows = type.getRows();
  qt.cols = type.getCols();
  qt.group = getQuantGroupColumns(type);
  qt.bits = s.getBits();
  qt.symmetric = s.getSymmetric();
  qt.f32Scale = s.getScaleType().isF32();
  if (s.getGranularity() == Granularity::Channel && s.getAxis() != 0)
    return fileError(src.getPath(),
                     "quantizing per input column (channel = 1) is not supported");
  int64_t groups = qt.cols / qt.group;
  qt.u.resize(qt.rows * qt.cols);
  qt.scale.resize(qt.rows * groups);
  qt.zero.resize(qt.rows * groups);
  Encoding enc = src.getEncoding();

  // GGUF's Q8_0/Q4_0 blocks are the scheme already: copy them over.
  if (enc == Encoding::Q8_0 || enc == Encoding::Q4_0) {
    bool q8 = enc == Encoding::Q8_0;
    if (qt.bits != (q8 ? 8u : 4u) || qt.group != 32 || !qt.symmetric ||
        qt.f32Scale || src.getTranspose())
      return fileError(src.getPath(),
                       "a " + stringifyEncoding(enc).str() +
                           " tensor cannot be read as a qtensor with a "
                           "scheme other than its own");
    for (int64_t r = 0; r < qt.rows; ++r) {
      const uint8_t *row =
          data + sourceRow(r, qt.rows, src.getRopeHeads()) * srcRowBytes;
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
    return Error::success();
  }

  // Float sources: decode rows, quantize by the scheme.
  std::vector<float> all;
  auto rowOf = [&](int64_t r, float *out) {
    if (src.getTranspose()) {
      if (all.empty()) {
        all.resize(qt.rows * qt.cols);
        std::vector<float> colBuf(qt.rows);
        for (int64_t c = 0; c < qt.cols; ++c) {
          decodeRow(enc, data + c * srcRowBytes, qt.rows, colBuf.data());
          for (int64_t i = 0; i < qt.rows; ++i)
            all[i * qt.cols + c] = colBuf[i];
        }
      }
      memcpy(out, &all[sourceRow(r, qt.rows, src.getRopeHeads()) * qt.cols],
             qt.cols * 4);
      return;
    }
    decodeRow(enc, data + sourceRow(r, qt.rows, src.getRopeHeads()) * srcRowBytes,
              qt.cols, out);
  };
  std::vector<float> row(qt.cols);
  // Shared scales: per tensor, or per block of rows (a head).
  int64_t shareRows = s.getGranularity() == Granularity::Tensor ? qt.rows
                      : s.getGranularity() == Granularity::Head ? s.getBlockSize()
                                                                : 1;
  std::vector<float> shared(qt.rows / shareRows,
                            std::numeric_limits<float>::quiet_NaN());
  if (shareRows > 1) {
    if (!qt.symmetric)
      return fileError(src.getPath(), "asymmetric per-tensor and per-head "
                                      "schemes are not supported");
    std::vector<float> m(shared.size(), 0.0f);
    for (int64_t r = 0; r < qt.rows; ++r) {
      rowOf(r, row.data());
      for (float v : row)
        if (std::fabs(v) > std::fabs(m[r / shareRows]))
          m[r / shareRows] = v;
    }
    for (size_t i = 0; i < shared.size(); ++i)
      shared[i] = symmetricScale(&m[i], 1, qt.bits, qt.f32Scale);
  }
  for (int64_t r = 0; r < qt.rows; ++r) {
    rowOf(r, row.data());
    for (int64_t g = 0; g < groups; ++g)
      quantizeGroup(row.data() + g * qt.group, qt.group, qt.bits, qt.symmetric,
                    qt.f32Scale, shared[r / shareRows],
                    &qt.u[r * qt.cols + g * qt.group], &qt.scale[r * groups + g],
                    &qt.zero[r * groups + g]);
  }
  return Error::success();
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
    QuantizedTensor qt;
    if (Error e = readQuantized(src, q, data, srcRowBytes, qt))
      return e;
    writePlain(qt, os);
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
  if (auto q = dyn_cast<QTensorType>(type)) {
    auto file = map(src.getPath());
    if (!file)
      return file.takeError();
    const uint8_t *data =
        reinterpret_cast<const uint8_t *>(file->data()) + src.getOffset();
    int64_t blockElems;
    uint64_t blockBytes = static_cast<uint64_t>(
        getEncodingBlockBytes(src.getEncoding(), &blockElems));
    uint64_t rowElems = src.getTranspose() ? q.getRows() : q.getCols();
    uint64_t srcRowBytes = rowElems / blockElems * blockBytes;
    if (static_cast<uint64_t>(src.getOffset()) + srcRowBytes *
            (src.getTranspose() ? q.getCols() : q.getRows()) > file->size())
      return fileError(src.getPath(), "weight data runs past the end of the file");
    QuantizedTensor qt;
    if (Error e = readQuantized(src, q, data, srcRowBytes, qt))
      return e;
    writeTiled(qt, os);
    return Error::success();
  }
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
