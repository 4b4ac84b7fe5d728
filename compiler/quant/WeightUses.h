//===- WeightUses.h - who reads which dsc.global ----------------*- C++ -*-===//

#ifndef DSC_QUANT_WEIGHTUSES_H
#define DSC_QUANT_WEIGHTUSES_H

#include "Dsc/IR/DscOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace dsc {

/// The dsc.weight reads of each global, by symbol.
using ReadMap =
    llvm::DenseMap<mlir::StringAttr, llvm::SmallVector<mlir::dsc::WeightOp>>;

ReadMap weightReads(mlir::ModuleOp module);

/// The global `v` reads, if it is a dsc.weight.
mlir::dsc::GlobalOp globalOf(mlir::ModuleOp module, mlir::Value v);

/// Whether `g` is read and every use of every read is accepted by `ok`.
bool readsOnly(const ReadMap &reads, mlir::dsc::GlobalOp g,
               llvm::function_ref<bool(mlir::OpOperand &)> ok);

} // namespace dsc

#endif
