//===- DscOps.h - dsc operations --------------------------------*- C++ -*-===//

#ifndef DSC_IR_DSCOPS_H
#define DSC_IR_DSCOPS_H

#include "Dsc/IR/DscAttrs.h"
#include "Dsc/IR/DscDialect.h"
#include "Dsc/IR/DscTypes.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "registry/KernelABI.h"

namespace mlir::dsc {
/// The name of a kernel as dsc/abi/kernels.def spells it (`linear_f32`;
/// runtime entries `rt_observe`), which dsc.ukernel prints.
llvm::StringRef getKernelName(Kernel kernel);
std::optional<Kernel> findKernelByName(llvm::StringRef name);
ParseResult parseKernel(OpAsmParser &parser, Kernel &kernel);
LogicalResult
kernelFromAttribute(Kernel &kernel, Attribute attr,
                    llvm::function_ref<InFlightDiagnostic()> emitError);
} // namespace mlir::dsc

#define GET_OP_CLASSES
#include "Dsc/IR/DscOps.h.inc"

namespace mlir::dsc {
/// The `#dsc.config` of the module enclosing `op`, or null.
ModelConfigAttr getModelConfig(Operation *op);
} // namespace mlir::dsc

#endif // DSC_IR_DSCOPS_H
