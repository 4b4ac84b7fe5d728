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
/// a tensor, the plain layout of dsc/quant_layout.h for a qtensor.
uint64_t getStorageBytes(Type type);
} // namespace mlir::dsc

#endif // DSC_IR_DSCTYPES_H
