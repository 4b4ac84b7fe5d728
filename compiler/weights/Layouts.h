//===- Layouts.h - weights in the executable's storage layouts --*- C++ -*-===//
//
// The bytes a dsc.global's type and layout call for: quantized weights in
// the plain layout of quant_layout.h or as #dsc.tiled tiles, float weights
// tile by tile.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_WEIGHTS_LAYOUTS_H
#define DSC_WEIGHTS_LAYOUTS_H

#include "Dsc/IR/DscAttrs.h"
#include "weights/Quantizer.h"

#include "llvm/Support/raw_ostream.h"

namespace dsc {

/// `qt` in the plain layout: packed values row by row, then the scales,
/// then (asymmetric) the zero points, each part aligned.
void writePlainQuantized(const QuantizedTensor &qt, llvm::raw_ostream &os);

/// The two parts of it: the values of `qt`'s rows (the bytes written:
/// rows of several blocks concatenate), then, after `written` bytes of
/// values, the padding and the rest (`qt`'s values unused).
uint64_t writePlainValues(const QuantizedTensor &qt, llvm::raw_ostream &os);
void writePlainScales(const QuantizedTensor &qt, uint64_t written,
                      llvm::raw_ostream &os);

/// `qt` as tiles of `tileRows` rows by one scale group: 4, the tiles'
/// scales (and zero points) ahead of their values; 16, the row-interleaved
/// 4-bit blocks (both in dsc/abi/quant_layout.h).
void writeTiledQuantized(const QuantizedTensor &qt, int64_t tileRows,
                         llvm::raw_ostream &os);

/// `qt` (non-uniform levels) as IQ4_NL blocks, row by row, as a GGUF file
/// stores them.
void writeIQ4NLBlocks(const QuantizedTensor &qt, llvm::raw_ostream &os);

/// A row-major [rows, cols] buffer of `esize`-byte elements, tile by tile.
void writeTiles(const char *rowMajor, uint64_t rows, uint64_t cols,
                uint64_t esize, mlir::dsc::TiledLayoutAttr layout,
                llvm::raw_ostream &os);

} // namespace dsc

#endif
