//===- WeightsPack.cpp - tile linear weights for the kernels --------------===//

#include "Dsc/Transforms/Passes.h"

#include "llvm/ADT/DenseMap.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_WEIGHTSPACK
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

namespace {
struct WeightsPackPass : dsc::impl::WeightsPackBase<WeightsPackPass> {
  using WeightsPackBase::WeightsPackBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (tileRows != 4 || tileCols != 16) {
      module.emitError("dsc has kernels for 4x16 tiles only, got ")
          << static_cast<int64_t>(tileRows) << "x"
          << static_cast<int64_t>(tileCols);
      return signalPassFailure();
    }
    // A global can be tiled when every read of it feeds linear layers as
    // their weight (an embedding table that is also the classifier stays
    // row-major for the lookup).
    llvm::DenseMap<StringAttr, bool> onlyLinear;
    module.walk([&](WeightOp op) {
      bool linear = llvm::all_of(op->getUses(), [](OpOperand &use) {
        auto l = dyn_cast<LinearOp>(use.getOwner());
        return l && use.getOperandNumber() == 1;
      });
      auto [it, inserted] =
          onlyLinear.try_emplace(op.getGlobalAttr().getAttr(), linear);
      if (!inserted)
        it->second &= linear;
    });
    auto layout = TiledLayoutAttr::get(&getContext(), tileRows, tileCols);
    for (GlobalOp g : module.getOps<GlobalOp>()) {
      // Quantized weights: 4 rows by their scale groups, always.
      if (auto q = dyn_cast<QTensorType>(g.getType())) {
        if (!g.getLayoutAttr() && q.getRows() % 4 == 0)
          g.setLayoutAttr(TiledLayoutAttr::get(&getContext(), 4,
                                               getQuantGroupColumns(q)));
        continue;
      }
      auto t = dyn_cast<RankedTensorType>(g.getType());
      if (!t || t.getRank() != 2 || !onlyLinear.lookup(g.getSymNameAttr()) ||
          g.getLayoutAttr())
        continue;
      Type e = t.getElementType();
      if (!e.isF32() && !e.isF16() && !e.isBF16())
        continue;
      if (t.getDimSize(0) % tileRows || t.getDimSize(1) % tileCols)
        continue; // row-major kernels handle any shape
      g.setLayoutAttr(layout);
    }
  }
};
} // namespace
