//===- SourceInterpreter.h - evaluating weight-source trees -----*- C++ -*-===//
//
// The one place that gives weight sources their meaning: a #dsc.file is
// read and decoded, then each transform wrapping it (#dsc.transpose,
// #dsc.rope_permute, #dsc.slice, #dsc.scaled) is applied from the innermost
// out. Trees whose transforms only select and reorder rows can also be
// evaluated to the stored rows they pick, so that weights are copied or
// decoded row by row (and ggml blocks kept exact) without materializing them.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_WEIGHTS_SOURCEINTERPRETER_H
#define DSC_WEIGHTS_SOURCEINTERPRETER_H

#include "Dsc/IR/DscAttrs.h"
#include "weights/MappedFiles.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <vector>

namespace dsc {

/// The rows of a checkpoint file that make up a weight, in the weight's row
/// order. A 1-D weight's rows are single elements.
struct StoredRows {
  mlir::dsc::FileSourceAttr file;
  const uint8_t *data = nullptr; // the file's bytes at the source's offset
  uint64_t rowBytes = 0;         // bytes of one stored row
  uint64_t rowElems = 0;         // elements of one stored row
  std::vector<uint64_t> rows;    // weight row r is stored row rows[r]

  const uint8_t *row(uint64_t r) const { return data + rows[r] * rowBytes; }
  /// Whether the weight's rows are the stored rows in order.
  bool isIdentity() const;
};

class SourceInterpreter {
public:
  explicit SourceInterpreter(MappedFiles &files) : files(files) {}

  /// The weight `source` holds, as row-major floats of `shape`.
  llvm::Expected<std::vector<float>> evaluate(mlir::Attribute source,
                                              llvm::ArrayRef<int64_t> shape);

  /// The stored rows of a weight of `shape` when every transform in
  /// `source` only selects or reorders rows (#dsc.rope_permute, #dsc.slice
  /// of rows); std::nullopt when one mixes elements of a row or scales them.
  llvm::Expected<std::optional<StoredRows>>
  storedRows(mlir::Attribute source, llvm::ArrayRef<int64_t> shape);

private:
  /// A node of a source tree and the shape it yields.
  struct Node {
    mlir::dsc::WeightSourceAttrInterface attr;
    llvm::SmallVector<int64_t, 2> shape;
  };
  /// The nodes from `source` (asked for `shape`) down to its #dsc.file,
  /// checked to fit each other.
  llvm::Expected<llvm::SmallVector<Node>> chain(mlir::Attribute source,
                                                llvm::ArrayRef<int64_t> shape);
  /// `file`'s rows for a weight of `shape`, checked against the file's size.
  llvm::Expected<StoredRows> locate(mlir::dsc::FileSourceAttr file,
                                    llvm::ArrayRef<int64_t> shape);

  MappedFiles &files;
};

/// The #dsc.file at the bottom of `source`, or null.
mlir::dsc::FileSourceAttr getFileSource(mlir::Attribute source);

} // namespace dsc

#endif
