//===- WeightReader.h - weights in their canonical bytes --------*- C++ -*-===//
//
// Turns a weight's #dsc.file source into the bytes of its dsc.global type:
// row-major f32/f16/bf16 for tensors, the plain layout of quant_layout.h for
// !dsc.qtensor. Files are mmapped; conversions (f16 -> f32, ggml blocks ->
// plain, HF RoPE row order, ONNX transposes) stream row by row.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_WEIGHTS_WEIGHTREADER_H
#define DSC_WEIGHTS_WEIGHTREADER_H

#include "Dsc/IR/DscTypes.h"
#include "weights/Quantizer.h"
#include "mlir/IR/Types.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <vector>

namespace dsc {

struct Located;

class WeightReader {
public:
  /// Writes the weight `source` (a #dsc.file or #dsc.scaled) holds, as
  /// `type`, to `os`.
  llvm::Error write(mlir::Attribute source, mlir::Type type,
                    llvm::raw_ostream &os);

  /// Writes `source` as `type` stored with `layout` (row-major if null).
  /// Quantized types use `importance` (per column) to search their scales
  /// when given (see quantizeRows).
  llvm::Error write(mlir::Attribute source, mlir::Type type,
                    mlir::dsc::TiledLayoutAttr layout, llvm::raw_ostream &os,
                    llvm::ArrayRef<float> importance = {});

  /// The weight `source` holds, as row-major floats of `type`'s shape.
  llvm::Expected<std::vector<float>> readFloat(mlir::Attribute source,
                                               mlir::ShapedType type);

  /// Size in bytes of a value of `type` (a static tensor or a qtensor in the
  /// plain layout).
  static uint64_t byteSize(mlir::Type type);

  /// The bytes of a mapped file.
  llvm::Expected<llvm::StringRef> map(llvm::StringRef path);

private:
  llvm::Expected<Located> locate(mlir::dsc::FileSourceAttr src,
                                 mlir::ShapedType type);
  llvm::Expected<QuantizedTensor> readQuantized(mlir::dsc::FileSourceAttr src,
                                                mlir::dsc::QTensorType type,
                                                llvm::ArrayRef<float> importance);
  static void writePlain(const QuantizedTensor &qt, llvm::raw_ostream &os);
  static void writeTiled(const QuantizedTensor &qt, llvm::raw_ostream &os);

  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> files;
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
