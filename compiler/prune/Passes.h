//===- Passes.h - structured pruning ----------------------------*- C++ -*-===//

#ifndef DSC_PRUNE_PASSES_H
#define DSC_PRUNE_PASSES_H

#include "Dsc/IR/DscOps.h"
#include "mlir/Pass/Pass.h"

namespace dsc {

#define GEN_PASS_DECL
#include "prune/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "prune/Passes.h.inc"

} // namespace dsc

#endif
