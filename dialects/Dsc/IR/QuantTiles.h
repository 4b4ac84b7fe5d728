//===- QuantTiles.h - two-level scales and tile widths ----------*- C++ -*-===//
//
// Two-level scales (`#dsc.quant<i4, group = 32, ..., scale = i8>`): each
// 32-column group's scale is an 8-bit code times one f16 scale per row and
// super-block (dsc/abi/quant_layout.h, DSC_QFLAG_SUPER). The super-block is
// the largest of 256, 192, 128 and 64 columns that divides the row, so it
// follows from the weight's shape and is not spelled.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_IR_QUANTTILES_H
#define DSC_IR_QUANTTILES_H

#include "Dsc/IR/DscTypes.h"

namespace mlir::dsc {

/// Columns of a super-block in rows of `cols`; 0 when none divides them.
inline int64_t getSuperBlockColumns(int64_t cols) {
  for (int64_t d = 256; d >= 64; d -= 64)
    if (cols % d == 0)
      return d;
  return 0;
}

/// Whether a scheme stores two-level scales (8-bit codes of a super-block
/// scale).
inline bool isTwoLevel(QuantSchemeAttr s) {
  return !s.isGGML() && s.getScaleType().isInteger(8);
}

/// Columns of a qtensor's tiles (#dsc.tiled<rows = 4, cols = N>): the
/// super-block with two-level scales, else the scale group.
inline int64_t getQuantTileColumns(QTensorType type) {
  return isTwoLevel(type.getScheme()) ? getSuperBlockColumns(type.getCols())
                                      : getQuantGroupColumns(type);
}

/// Whether a scheme's weights can be stored in row-interleaved 16x32 blocks
/// (dsc/abi/quant_layout.h, DSC_QR16_*): 4-bit symmetric values in groups
/// of 32 columns with f16 scales (int4:group=32).
inline bool isRowInterleavableScheme(QuantSchemeAttr s) {
  return !s.isGGML() && !isTwoLevel(s) && s.getBits() == 4 &&
         s.getSymmetric() && s.getGranularity() == Granularity::Group &&
         s.getBlockSize() == 32 && s.getScaleType().isF16();
}

/// The same for a qtensor: that scheme, rows a multiple of 16.
inline bool isRowInterleavable(QTensorType type) {
  return isRowInterleavableScheme(type.getScheme()) &&
         type.getRows() % 16 == 0 && type.getCols() % 32 == 0;
}

} // namespace mlir::dsc

#endif // DSC_IR_QUANTTILES_H
