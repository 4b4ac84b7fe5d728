//===- Encodings.h - checkpoint element encodings ---------------*- C++ -*-===//
//
// Rows of a checkpoint's encodings (f32, f16, bf16, ggml blocks) to floats,
// and floats to the element types of dsc.global tensors.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_WEIGHTS_ENCODINGS_H
#define DSC_WEIGHTS_ENCODINGS_H

#include "Dsc/IR/DscAttrs.h"

#include "mlir/IR/Types.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>

namespace dsc {

/// Decodes `n` elements stored with `enc` at `src` (whole blocks for the ggml
/// encodings) into `out`.
void decodeRow(mlir::dsc::Encoding enc, const uint8_t *src, uint64_t n,
               float *out);

/// Writes `n` floats as the float type `elem` (f32, f16 or bf16).
void encodeRow(mlir::Type elem, const float *in, uint64_t n,
               llvm::raw_ostream &os);

/// Whether elements stored with `enc` are already bytes of `elem`.
bool encodingMatches(mlir::dsc::Encoding enc, mlir::Type elem);

} // namespace dsc

#endif
