//===- Passes.h - passes that use calibration -------------------*- C++ -*-===//

#ifndef DSC_QUANT_PASSES_H
#define DSC_QUANT_PASSES_H

#include "Dsc/IR/DscOps.h"
#include "mlir/Pass/Pass.h"

namespace dsc {

#define GEN_PASS_DECL
#include "quant/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quant/Passes.h.inc"

/// Location of the remarks that report what a pass did, so that drivers
/// tell them from remarks about single weights.
constexpr llvm::StringLiteral kReportLoc = "dsc-report";

} // namespace dsc

#endif
