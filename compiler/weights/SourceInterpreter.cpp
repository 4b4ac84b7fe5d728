//===- SourceInterpreter.cpp - evaluating weight-source trees -------------===//

#include "weights/SourceInterpreter.h"
#include "support/Errors.h"
#include "weights/Encodings.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/TypeSwitch.h"

#include <numeric>

using namespace llvm;
using namespace mlir;
using namespace mlir::dsc;

namespace dsc {

bool StoredRows::isIdentity() const {
  for (uint64_t r = 0; r < rows.size(); ++r)
    if (rows[r] != r)
      return false;
  return true;
}

FileSourceAttr getFileSource(Attribute source) {
  while (auto ws = dyn_cast_or_null<WeightSourceAttrInterface>(source)) {
    if (auto file = dyn_cast<FileSourceAttr>(source))
      return file;
    source = ws.getInnerSource();
  }
  return {};
}

/// [rows, cols] of a 1-D or 2-D shape; a 1-D weight is a column.
static std::pair<uint64_t, uint64_t> rowsCols(ArrayRef<int64_t> shape) {
  return {static_cast<uint64_t>(shape[0]),
          shape.size() == 2 ? static_cast<uint64_t>(shape[1]) : 1};
}

Expected<SmallVector<SourceInterpreter::Node>>
SourceInterpreter::chain(Attribute source, ArrayRef<int64_t> shape) {
  if (!source)
    return createStringError(inconvertibleErrorCode(),
                             "a weight has no source to read it from");
  // The shape relations report through MLIR diagnostics; keep the first as
  // the error, named by the file it concerns.
  MLIRContext *ctx = source.getContext();
  std::string message;
  ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
    if (message.empty())
      message = d.str();
    return success();
  });
  auto emit = [&] { return mlir::emitError(UnknownLoc::get(ctx)); };
  auto fail = [&]() -> Error {
    FileSourceAttr file = getFileSource(source);
    return fileError(file ? file.getPath() : StringRef("weight source"),
                     message);
  };

  SmallVector<Node> nodes;
  SmallVector<int64_t, 2> current(shape.begin(), shape.end());
  if (failed(verifyWeightSource(source, shape, emit)))
    return fail();
  for (Attribute a = source; a;) {
    auto ws = cast<WeightSourceAttrInterface>(a);
    nodes.push_back({ws, current});
    current = *ws.getSourceShape(current, emit);
    a = ws.getInnerSource();
  }
  return nodes;
}

Expected<StoredRows> SourceInterpreter::locate(FileSourceAttr file,
                                               ArrayRef<int64_t> shape) {
  auto bytes = files.map(file.getPath());
  if (!bytes)
    return bytes.takeError();
  uint64_t off = static_cast<uint64_t>(file.getOffset());
  uint64_t size = static_cast<uint64_t>(file.getSize());
  if (off > bytes->size() || size > bytes->size() - off)
    return fileError(file.getPath(),
                     "weight data at offset " + std::to_string(off) + " (" +
                         std::to_string(size) +
                         " bytes) runs past the end of the file (" +
                         std::to_string(bytes->size()) + " bytes)");
  auto [rows, cols] = rowsCols(shape);
  int64_t blockElems;
  uint64_t blockBytes = getEncodingBlockBytes(file.getEncoding(), &blockElems);
  StoredRows s;
  s.file = file;
  s.data = reinterpret_cast<const uint8_t *>(bytes->data()) + off;
  s.rowElems = cols;
  s.rowBytes = cols / blockElems * blockBytes;
  s.rows.resize(rows);
  std::iota(s.rows.begin(), s.rows.end(), 0);
  return s;
}

//===----------------------------------------------------------------------===//
// Transforms on row-major floats: `in` has the inner source's shape, the
// result the transform's.
//===----------------------------------------------------------------------===//

static std::vector<float> transpose(const std::vector<float> &in, uint64_t rows,
                                    uint64_t cols) {
  std::vector<float> out(rows * cols);
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < cols; ++c)
      out[r * cols + c] = in[c * rows + r];
  return out;
}

static std::vector<float> ropePermute(RopePermuteSourceAttr rope,
                                      const std::vector<float> &in,
                                      uint64_t rows, uint64_t cols) {
  std::vector<float> out(rows * cols);
  for (uint64_t r = 0; r < rows; ++r) {
    uint64_t from = rope.getSourceRow(r, rows);
    std::copy_n(&in[from * cols], cols, &out[r * cols]);
  }
  return out;
}

static Expected<std::vector<float>> slice(SliceSourceAttr s,
                                          const std::vector<float> &in,
                                          uint64_t innerRows,
                                          uint64_t innerCols) {
  std::vector<int64_t> rows(s.getRows().begin(), s.getRows().end());
  std::vector<int64_t> cols(s.getCols().begin(), s.getCols().end());
  if (rows.empty()) {
    rows.resize(innerRows);
    std::iota(rows.begin(), rows.end(), 0);
  }
  if (cols.empty()) {
    cols.resize(innerCols);
    std::iota(cols.begin(), cols.end(), 0);
  }
  // The attribute's verifier bounds them; an unverified one must not read
  // outside the buffer.
  for (int64_t r : rows)
    if (r < 0 || static_cast<uint64_t>(r) >= innerRows)
      return createStringError(inconvertibleErrorCode(),
                               "#dsc.slice row index out of range");
  for (int64_t c : cols)
    if (c < 0 || static_cast<uint64_t>(c) >= innerCols)
      return createStringError(inconvertibleErrorCode(),
                               "#dsc.slice column index out of range");
  std::vector<float> out;
  out.reserve(rows.size() * cols.size());
  for (int64_t r : rows)
    for (int64_t c : cols)
      out.push_back(in[r * innerCols + c]);
  return out;
}

static void scale(ScaledSourceAttr s, std::vector<float> &w, uint64_t rows,
                  uint64_t cols) {
  if (DenseFPElementsAttr f = s.getRows()) {
    auto v = f.getValues<float>();
    for (uint64_t r = 0; r < rows; ++r)
      for (uint64_t c = 0; c < cols; ++c)
        w[r * cols + c] *= v[r];
  }
  if (DenseFPElementsAttr f = s.getCols()) {
    auto v = f.getValues<float>();
    for (uint64_t r = 0; r < rows; ++r)
      for (uint64_t c = 0; c < cols; ++c)
        w[r * cols + c] *= v[c];
  }
}

Expected<std::vector<float>>
SourceInterpreter::evaluate(Attribute source, ArrayRef<int64_t> shape) {
  auto nodes = chain(source, shape);
  if (!nodes)
    return nodes.takeError();
  const Node &leaf = nodes->back();
  auto stored = locate(cast<FileSourceAttr>(leaf.attr), leaf.shape);
  if (!stored)
    return stored.takeError();
  auto [leafRows, leafCols] = rowsCols(leaf.shape);
  std::vector<float> w(leafRows * leafCols);
  Encoding enc = stored->file.getEncoding();
  for (uint64_t r = 0; r < leafRows; ++r)
    decodeRow(enc, stored->row(r), leafCols, &w[r * leafCols]);

  for (size_t i = nodes->size() - 1; i-- > 0;) {
    const Node &node = (*nodes)[i];
    auto [rows, cols] = rowsCols(node.shape);
    auto [innerRows, innerCols] = rowsCols((*nodes)[i + 1].shape);
    Attribute a = node.attr;
    if (isa<TransposeSourceAttr>(a)) {
      w = transpose(w, rows, cols);
    } else if (auto rope = dyn_cast<RopePermuteSourceAttr>(a)) {
      w = ropePermute(rope, w, rows, cols);
    } else if (auto s = dyn_cast<SliceSourceAttr>(a)) {
      auto out = slice(s, w, innerRows, innerCols);
      if (!out)
        return fileError(stored->file.getPath(), toString(out.takeError()));
      w = std::move(*out);
    } else if (auto s = dyn_cast<ScaledSourceAttr>(a)) {
      scale(s, w, rows, cols);
    } else {
      std::string name;
      raw_string_ostream(name) << a;
      return fileError(stored->file.getPath(),
                       "no interpretation for the weight source " + name);
    }
  }
  return w;
}

Expected<std::optional<StoredRows>>
SourceInterpreter::storedRows(Attribute source, ArrayRef<int64_t> shape) {
  auto nodes = chain(source, shape);
  if (!nodes)
    return nodes.takeError();
  for (size_t i = 0; i + 1 < nodes->size(); ++i) {
    auto s = dyn_cast<SliceSourceAttr>((*nodes)[i].attr);
    bool rowsOnly = isa<RopePermuteSourceAttr>((*nodes)[i].attr) ||
                    (s && s.getCols().empty());
    if (!rowsOnly)
      return std::nullopt;
  }
  const Node &leaf = nodes->back();
  auto stored = locate(cast<FileSourceAttr>(leaf.attr), leaf.shape);
  if (!stored)
    return stored.takeError();
  // Map the weight's rows inward, through each transform to the file's.
  std::vector<uint64_t> rows(nodes->front().shape[0]);
  std::iota(rows.begin(), rows.end(), 0);
  for (size_t i = 0; i + 1 < nodes->size(); ++i) {
    const Node &node = (*nodes)[i];
    uint64_t innerRows = (*nodes)[i + 1].shape[0];
    for (uint64_t &r : rows) {
      if (auto rope = dyn_cast<RopePermuteSourceAttr>(node.attr))
        r = rope.getSourceRow(r, node.shape[0]);
      else
        r = cast<SliceSourceAttr>(node.attr).getRows()[r];
      if (r >= innerRows)
        return fileError(stored->file.getPath(),
                         "#dsc.slice row index out of range");
    }
  }
  stored->rows = std::move(rows);
  return std::optional<StoredRows>(std::move(*stored));
}

} // namespace dsc
