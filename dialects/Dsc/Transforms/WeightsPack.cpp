//===- WeightsPack.cpp - tile linear weights for the kernels --------------===//

#include "Dsc/IR/QuantTiles.h"
#include "Dsc/Transforms/CUDAProgram.h"
#include "Dsc/Transforms/Passes.h"
#include "dsc/abi/quant_layout.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_WEIGHTSPACK
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

llvm::DenseSet<StringAttr> mlir::dsc::getLinearOnlyGlobals(ModuleOp module) {
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
  llvm::DenseSet<StringAttr> globals;
  for (auto [name, linear] : onlyLinear)
    if (linear)
      globals.insert(name);
  return globals;
}

namespace {
struct WeightsPackPass : dsc::impl::WeightsPackBase<WeightsPackPass> {
  using WeightsPackBase::WeightsPackBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<const TargetInfo *> target = resolveTarget(module, this->target);
    if (failed(target))
      return signalPassFailure();
    if (interleave != "auto" && interleave != "true" && interleave != "false") {
      module.emitError("dsc-weights-pack: interleave must be auto, true or "
                       "false, not '")
          << interleave << "'";
      return signalPassFailure();
    }
    // A forward pass placed on the device (dsc-gpu-place-forward) reads
    // every weight in the plain layout its kernels take; a layout from an
    // earlier compile goes (the payload is written from the sources).
    if (isForwardOnDevice(module, **target)) {
      for (GlobalOp g : module.getOps<GlobalOp>())
        g.removeLayoutAttr();
      return;
    }
    int64_t tileRows = (*target)->floatTile.rows;
    int64_t tileCols = (*target)->floatTile.cols;
    int64_t quantRows = (*target)->quantTileRows;
    // A global can be tiled when every read of it feeds linear layers as
    // their weight (an embedding table that is also the classifier stays
    // row-major for the lookup).
    llvm::DenseSet<StringAttr> onlyLinear = getLinearOnlyGlobals(module);
    for (GlobalOp g : module.getOps<GlobalOp>()) {
      // Quantized weights: always tiled, by rows and their scale groups.
      if (auto q = dyn_cast<QTensorType>(g.getType())) {
        // IR laid out for another target (dsc compile of --emit=mlir
        // output) may hold row-interleaved blocks this one has no kernel
        // for: back to 4-row tiles, the same bytes (the payload is written
        // from the sources after layout). A target that reads them keeps
        // them unless interleave=false.
        bool reads = (*target)->rowInterleavedQ4;
        if (TiledLayoutAttr l = g.getLayoutAttr();
            l && l.getRows() == DSC_QR16_ROWS &&
            (!reads || interleave == "false"))
          g.removeLayoutAttr();
        // int4:group=32 weights only linear layers read, in 16-row blocks
        // where the target's kernels read those and it takes them by
        // default, or interleave=true (an embedding's lookup reads 4-row
        // tiles).
        bool chooses =
            reads &&
            (interleave == "true" ||
             (interleave == "auto" && (*target)->rowInterleavedQ4Default));
        bool blocks = chooses && isRowInterleavable(q) &&
                      onlyLinear.contains(g.getSymNameAttr());
        // interleave=true lays out again the 4-row tiles of earlier IR.
        if (blocks && interleave == "true")
          g.removeLayoutAttr();
        if (!g.getLayoutAttr() && blocks) {
          g.setLayoutAttr(TiledLayoutAttr::get(&getContext(), DSC_QR16_ROWS,
                                               DSC_QR16_COLS));
          continue;
        }
        // ggml blocks stay in the file's row order; their kernels read that.
        if (!g.getLayoutAttr() && quantRows && q.getRows() % quantRows == 0 &&
            !q.getScheme().isGGML())
          g.setLayoutAttr(TiledLayoutAttr::get(&getContext(), quantRows,
                                               getQuantTileColumns(q)));
        continue;
      }
      if (!tileRows || !tileCols)
        continue;
      auto t = dyn_cast<RankedTensorType>(g.getType());
      if (!t || t.getRank() != 2 || !onlyLinear.contains(g.getSymNameAttr()) ||
          g.getLayoutAttr())
        continue;
      Type e = t.getElementType();
      if (!e.isF32() && !e.isF16() && !e.isBF16())
        continue;
      if (t.getDimSize(0) % tileRows || t.getDimSize(1) % tileCols)
        continue; // row-major kernels handle any shape
      g.setLayoutAttr(
          TiledLayoutAttr::get(&getContext(), tileRows, tileCols));
    }
  }
};
} // namespace
