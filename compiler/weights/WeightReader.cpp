//===- WeightReader.cpp - weights in their canonical bytes ----------------===//

#include "weights/WeightReader.h"
#include "support/Errors.h"
#include "weights/Encodings.h"
#include "weights/GPTQ.h"
#include "weights/Layouts.h"
#include "weights/ParallelWrite.h"

#include "dsc/abi/quant_layout.h"
#include "dsc/half.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cstring>

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

uint64_t WeightReader::byteSize(Type type) { return getStorageBytes(type); }

Expected<std::vector<float>> WeightReader::readFloat(Attribute source,
                                                     ShapedType shaped) {
  return interpreter.evaluate(source, shaped.getShape());
}

/// GGUF's Q8_0/Q4_0 blocks are the scheme of the qtensor the importer gave
/// them: copy the values and scales over, exactly.
static Expected<QuantizedTensor> copyBlocks(const StoredRows &s,
                                            QTensorType type) {
  Encoding enc = s.file.getEncoding();
  QuantizedTensor qt;
  qt.init(type);
  int64_t groups = qt.cols / qt.group;
  bool q8 = enc == Encoding::Q8_0;
  if (qt.bits != (q8 ? 8u : 4u) || qt.group != 32 || !qt.symmetric ||
      qt.f32Scale)
    return fileError(s.file.getPath(),
                     "a " + stringifyEncoding(enc).str() +
                         " tensor cannot be read as a qtensor with a "
                         "scheme other than its own");
  for (int64_t r = 0; r < qt.rows; ++r) {
    const uint8_t *row = s.row(r);
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

/// Weights stored as ggml blocks are the file's blocks, row by row: only
/// sources that select or reorder whole rows keep them.
static Error copyGGMLRows(const std::optional<StoredRows> &stored,
                          FileSourceAttr file, QTensorType type,
                          raw_ostream &os) {
  Encoding format = *type.getScheme().getBlocks();
  StringRef name = file ? file.getPath() : StringRef("weight source");
  if (!stored)
    return fileError(name, "a weight stored as " + stringifyEncoding(format) +
                               " blocks cannot be transposed, rescaled or "
                               "have columns removed");
  if (stored->file.getEncoding() != format)
    return fileError(name, "a " +
                               stringifyEncoding(stored->file.getEncoding()) +
                               " tensor cannot be stored as " +
                               stringifyEncoding(format) + " blocks");
  for (uint64_t r = 0; r < static_cast<uint64_t>(type.getRows()); ++r)
    os.write(reinterpret_cast<const char *>(stored->row(r)), stored->rowBytes);
  return Error::success();
}

Error WeightReader::writeQuantized(Attribute source, QTensorType type,
                                   int64_t tileRows, raw_ostream &os,
                                   ArrayRef<float> importance,
                                   ArrayRef<float> hessian) {
  FileSourceAttr file = getFileSource(source);
  StringRef name = file ? file.getPath() : StringRef("weight source");
  QuantSchemeAttr s = type.getScheme();
  if (s.getGranularity() == Granularity::Channel && s.getAxis() != 0)
    return fileError(
        name, "quantizing per input column (channel = 1) is not supported");
  auto stored = interpreter.storedRows(source, type.getShape());
  if (!stored)
    return stored.takeError();
  std::vector<float> all;
  int64_t cols = type.getCols();
  std::function<void(int64_t, float *)> rowOf;
  if (*stored) {
    const StoredRows &rows = **stored;
    Encoding enc = rows.file.getEncoding();
    if ((enc == Encoding::Q8_0 || enc == Encoding::Q4_0) && !s.isGGML()) {
      auto qt = copyBlocks(rows, type);
      if (!qt)
        return qt.takeError();
      tileRows ? writeTiledQuantized(*qt, tileRows, os)
               : writePlainQuantized(*qt, os);
      return Error::success();
    }
    // By value: `enc` ends with this block, the rows (in `stored`) do not.
    // Rows are decoded on the writer's threads: both only read.
    rowOf = [enc, &rows, cols](int64_t r, float *out) {
      decodeRow(enc, rows.row(r), cols, out);
    };
  } else {
    auto w = interpreter.evaluate(source, type.getShape());
    if (!w)
      return w.takeError();
    all = std::move(*w);
    rowOf = [&](int64_t r, float *out) {
      memcpy(out, &all[r * cols], cols * 4);
    };
  }
  std::vector<float> factor;
  if (!hessian.empty()) {
    auto f = gptqFactor(hessian, cols);
    if (!f)
      return fileError(name, toString(f.takeError()));
    factor = std::move(*f);
  }
  if (Error e =
          ::dsc::writeQuantized(type, rowOf, importance, factor, tileRows, os))
    return fileError(name, toString(std::move(e)));
  return Error::success();
}

/// Whether a weight stored as ggml `format` blocks is the file's own
/// blocks, copied (`stored`: the rows the source selects, if it only
/// selects rows): every format dsc reads but IQ4_NL, which is also its own
/// scheme (--quantize iq4_nl), quantized from the source's values unless
/// the file holds these very blocks.
static bool keepsFileBlocks(Encoding format,
                            const std::optional<StoredRows> &stored) {
  return format != Encoding::IQ4_NL ||
         (stored && stored->file.getEncoding() == format);
}

bool WeightReader::copiesFileBlocks(Attribute source, QTensorType type) {
  std::optional<Encoding> format = type.getScheme().getBlocks();
  if (!format)
    return false;
  auto stored = interpreter.storedRows(source, type.getShape());
  if (!stored) {
    consumeError(stored.takeError());
    return false;
  }
  return keepsFileBlocks(*format, *stored);
}

Error WeightReader::write(Attribute source, Type type, raw_ostream &os) {
  return write(source, type, TiledLayoutAttr(), os);
}

Error WeightReader::write(Attribute source, Type type, TiledLayoutAttr layout,
                          raw_ostream &os, ArrayRef<float> importance,
                          ArrayRef<float> hessian) {
  if (auto q = dyn_cast<QTensorType>(type)) {
    if (q.getScheme().isGGML()) {
      auto stored = interpreter.storedRows(source, q.getShape());
      if (!stored)
        return stored.takeError();
      if (!keepsFileBlocks(*q.getScheme().getBlocks(), *stored))
        return writeQuantized(source, q, 0, os, importance, hessian);
      return copyGGMLRows(*stored, getFileSource(source), q, os);
    }
    return writeQuantized(source, q, layout ? layout.getRows() : 0, os,
                          importance, hessian);
  }
  auto shaped = cast<ShapedType>(type);
  Type elem = shaped.getElementType();
  uint64_t rows = shaped.getDimSize(0);
  uint64_t cols = shaped.getRank() == 2 ? shaped.getDimSize(1) : 1;
  if (layout) {
    // Materialize the row-major weight, then emit it tile by tile.
    SmallVector<char, 0> rowMajor;
    raw_svector_ostream buf(rowMajor);
    if (Error e = write(source, type, TiledLayoutAttr(), buf))
      return e;
    writeTilesParallel(rowMajor.data(), rows, cols, elem.isF32() ? 4 : 2,
                       layout, os);
    return Error::success();
  }

  auto stored = interpreter.storedRows(source, shaped.getShape());
  if (!stored)
    return stored.takeError();
  if (*stored) {
    const StoredRows &s = **stored;
    Encoding enc = s.file.getEncoding();
    if (encodingMatches(enc, elem)) {
      if (s.isIdentity()) {
        os.write(reinterpret_cast<const char *>(s.data), s.rowBytes * rows);
        return Error::success();
      }
      for (uint64_t r = 0; r < rows; ++r)
        os.write(reinterpret_cast<const char *>(s.row(r)), s.rowBytes);
      return Error::success();
    }
    std::vector<float> row(cols);
    for (uint64_t r = 0; r < rows; ++r) {
      decodeRow(enc, s.row(r), cols, row.data());
      encodeRow(elem, row.data(), cols, os);
    }
    return Error::success();
  }
  auto w = interpreter.evaluate(source, shaped.getShape());
  if (!w)
    return w.takeError();
  for (uint64_t r = 0; r < rows; ++r)
    encodeRow(elem, &(*w)[r * cols], cols, os);
  return Error::success();
}

} // namespace dsc
