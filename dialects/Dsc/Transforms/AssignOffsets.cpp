//===- AssignOffsets.cpp - weight blob layout -----------------------------===//

#include "Dsc/Transforms/Passes.h"

#include "llvm/ADT/DenseSet.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_WEIGHTSASSIGNOFFSETS
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

namespace {
struct WeightsAssignOffsetsPass
    : dsc::impl::WeightsAssignOffsetsBase<WeightsAssignOffsetsPass> {
  using WeightsAssignOffsetsBase::WeightsAssignOffsetsBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (alignment <= 0 || (alignment & (alignment - 1))) {
      module.emitError("alignment must be a power of two, got ")
          << static_cast<int64_t>(alignment);
      return signalPassFailure();
    }
    llvm::DenseSet<StringAttr> used;
    module.walk([&](WeightOp op) { used.insert(op.getGlobalAttr().getAttr()); });
    uint64_t offset = 0;
    for (GlobalOp global :
         llvm::make_early_inc_range(module.getOps<GlobalOp>())) {
      if (!used.contains(global.getSymNameAttr())) {
        global.erase();
        continue;
      }
      offset = (offset + alignment - 1) / alignment * alignment;
      global.setOffsetAttr(
          IntegerAttr::get(IntegerType::get(&getContext(), 64), offset));
      offset += getStorageBytes(global.getType(), global.getLayoutAttr());
    }
    module->setAttr(kWeightsSizeAttr,
                    IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                     static_cast<int64_t>(offset)));
  }
};
} // namespace
