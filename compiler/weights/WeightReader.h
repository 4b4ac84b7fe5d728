//===- WeightReader.h - weights in their canonical bytes --------*- C++ -*-===//
//
// Turns a dsc.global's source (a #dsc.file, possibly wrapped in transforms)
// into the bytes of its type and layout: row-major f32/f16/bf16 for tensors,
// the plain layout of quant_layout.h for !dsc.qtensor, or #dsc.tiled tiles.
// The SourceInterpreter gives sources their values; weights whose sources
// only pick rows stream row by row from the mapped file.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_WEIGHTS_WEIGHTREADER_H
#define DSC_WEIGHTS_WEIGHTREADER_H

#include "Dsc/IR/DscTypes.h"
#include "weights/MappedFiles.h"
#include "weights/Quantizer.h"
#include "weights/SourceInterpreter.h"

#include "mlir/IR/Types.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

namespace dsc {

class WeightReader {
public:
  /// Writes the weight `source` holds, as `type`, to `os`.
  llvm::Error write(mlir::Attribute source, mlir::Type type,
                    llvm::raw_ostream &os);

  /// Writes `source` as `type` stored with `layout` (row-major if null).
  /// Quantized types use `importance` (per column) to search their scales
  /// when given, and `hessian` (cols x cols, the mean x^T x of the inputs)
  /// to round with GPTQ when given (see quantizeRows).
  llvm::Error write(mlir::Attribute source, mlir::Type type,
                    mlir::dsc::TiledLayoutAttr layout, llvm::raw_ostream &os,
                    llvm::ArrayRef<float> importance = {},
                    llvm::ArrayRef<float> hessian = {});

  /// The weight `source` holds, as row-major floats of `type`'s shape.
  llvm::Expected<std::vector<float>> readFloat(mlir::Attribute source,
                                               mlir::ShapedType type);

  /// Whether a weight of `type` is written as the file's own ggml blocks
  /// (copied, so nothing may rescale it), rather than quantized from the
  /// source's values.
  bool copiesFileBlocks(mlir::Attribute source, mlir::dsc::QTensorType type);

  /// Size in bytes of a value of `type` (a static tensor or a qtensor in the
  /// plain layout).
  static uint64_t byteSize(mlir::Type type);

  /// The bytes of a mapped file.
  llvm::Expected<llvm::StringRef> map(llvm::StringRef path) {
    return files.map(path);
  }

private:
  /// Quantizes `source` to `type` on the writer's threads and writes it,
  /// as tiles of `tileRows` rows (0: the plain layout); with `hessian`,
  /// rounding with GPTQ.
  llvm::Error writeQuantized(mlir::Attribute source,
                             mlir::dsc::QTensorType type, int64_t tileRows,
                             llvm::raw_ostream &os,
                             llvm::ArrayRef<float> importance,
                             llvm::ArrayRef<float> hessian);

  MappedFiles files;
  SourceInterpreter interpreter{files};
};

/// A 64-bit digest of the canonical bytes of every weight, for checking that
/// two imports hold identical weights.
class DigestStream : public llvm::raw_ostream {
public:
  DigestStream() { SetUnbuffered(); }
  uint64_t digest() const { return hash; }

private:
  void write_impl(const char *ptr, size_t size) override;
  uint64_t current_pos() const override { return pos; }
  uint64_t hash = 0xcbf29ce484222325ull;
  uint64_t pos = 0;
};

} // namespace dsc

#endif
