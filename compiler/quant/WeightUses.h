//===- WeightUses.h - who reads which dsc.global ----------------*- C++ -*-===//

#ifndef DSC_QUANT_WEIGHTUSES_H
#define DSC_QUANT_WEIGHTUSES_H

#include "quant/CalibStats.h"

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

/// The statistics in the file `path` with the activations they describe:
/// @forward's linear inputs, the observation points they were recorded at.
struct CalibratedInputs {
  std::vector<ActivationStats> acts; // by observation point
  llvm::SmallVector<mlir::Value> inputs;
  std::vector<int32_t> tokens; // what calibration ran on (may be empty)
  int64_t window = 0;
};
/// Fails, diagnosed on `module`, when the file cannot be read, the module
/// has no @forward, or the statistics are of another model.
mlir::FailureOr<CalibratedInputs> loadCalibration(mlir::ModuleOp module,
                                                  llvm::StringRef path);

/// Whether `g` is read and every use of every read is accepted by `ok`.
bool readsOnly(const ReadMap &reads, mlir::dsc::GlobalOp g,
               llvm::function_ref<bool(mlir::OpOperand &)> ok);

} // namespace dsc

#endif
