//===- Passes.h - dsc passes ------------------------------------*- C++ -*-===//

#ifndef DSC_TRANSFORMS_PASSES_H
#define DSC_TRANSFORMS_PASSES_H

#include "Dsc/IR/DscOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::dsc {

#define GEN_PASS_DECL
#include "Dsc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Dsc/Transforms/Passes.h.inc"

} // namespace mlir::dsc

#endif // DSC_TRANSFORMS_PASSES_H
