//===- DscTypes.h - dsc types -----------------------------------*- C++ -*-===//

#ifndef DSC_IR_DSCTYPES_H
#define DSC_IR_DSCTYPES_H

#include "Dsc/IR/DscAttrs.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#define GET_TYPEDEF_CLASSES
#include "Dsc/IR/DscTypes.h.inc"

namespace mlir::dsc {
/// Bytes a weight of `type` takes in the executable: row-major elements for
/// a tensor, the plain (or, with a tiled `layout`, the tiled) layout of
/// dsc/abi/quant_layout.h for a qtensor.
uint64_t getStorageBytes(Type type, TiledLayoutAttr layout = {});

/// Columns sharing a scale in each row of a qtensor: the group size, or
/// the whole row for the other granularities.
int64_t getQuantGroupColumns(QTensorType type);
} // namespace mlir::dsc

#endif // DSC_IR_DSCTYPES_H
