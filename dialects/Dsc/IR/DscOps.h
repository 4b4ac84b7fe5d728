//===- DscOps.h - dsc operations --------------------------------*- C++ -*-===//

#ifndef DSC_IR_DSCOPS_H
#define DSC_IR_DSCOPS_H

#include "Dsc/IR/DscAttrs.h"
#include "Dsc/IR/DscDialect.h"
#include "Dsc/IR/DscTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "Dsc/IR/DscOps.h.inc"

namespace mlir::dsc {
/// The `#dsc.config` of the module enclosing `op`, or null.
ModelConfigAttr getModelConfig(Operation *op);
} // namespace mlir::dsc

#endif // DSC_IR_DSCOPS_H
