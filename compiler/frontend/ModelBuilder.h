//===- ModelBuilder.h - checkpoint -> dsc IR --------------------*- C++ -*-===//

#ifndef DSC_FRONTEND_MODELBUILDER_H
#define DSC_FRONTEND_MODELBUILDER_H

#include "frontend/Checkpoint.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace dsc {

/// Name of the forward function the builder emits.
constexpr llvm::StringLiteral kForwardFuncName = "forward";

/// Emits the dsc module of a checkpoint: the #dsc.config, one dsc.global per
/// weight (referencing its file) and `func.func @forward(%tokens, %pos,
/// %n_out, %cache) -> logits` computing logits for the last `n_out` of the
/// tokens at positions pos, pos+1, ...
mlir::OwningOpRef<mlir::ModuleOp> buildModule(mlir::MLIRContext &ctx,
                                              const Checkpoint &ckpt);

/// The dsc type a tensor of the checkpoint gets.
mlir::Type weightType(mlir::MLIRContext &ctx, const TensorRef &t);

} // namespace dsc

#endif
