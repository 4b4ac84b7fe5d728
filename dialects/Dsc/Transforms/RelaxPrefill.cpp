//===- RelaxPrefill.cpp - prompts' linear products in bf16 or f16 ---------===//
//
// An opt-in trade (dsc compile --prefill-precision=bf16|f16): with float
// weights, prompt processing is bound by multiplies, and bf16 dot products
// run twice as many a cycle as f32 FMAs; a GPU's tensor cores multiply f16
// (x rounded to it) where its CUDA cores take f32. The permission is an
// attribute on each dsc.linear, so that the choice is visible in the IR
// and the kernel is picked from what the target can do: by code
// generation on the CPU (CodegenLowerKernels.cpp), by the CUDA program's
// weight entries on a GPU (CUDAProgram.cpp).
//
//===----------------------------------------------------------------------===//

#include "Dsc/Transforms/Passes.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_GRAPHRELAXPREFILL
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

namespace {
struct GraphRelaxPrefillPass
    : dsc::impl::GraphRelaxPrefillBase<GraphRelaxPrefillPass> {
  using Base::Base;
  void runOnOperation() override {
    if (products != "bf16" && products != "f16") {
      getOperation().emitError("dsc-graph-relax-prefill: products must be "
                               "bf16 or f16, got '")
          << products << "'";
      return signalPassFailure();
    }
    Builder b(&getContext());
    bool f16 = products == "f16";
    TypeAttr type =
        TypeAttr::get(f16 ? Type(b.getF16Type()) : Type(b.getBF16Type()));
    getOperation().walk([&](LinearOp op) {
      // bf16: float weights (rounded too). f16: weights whose values f16
      // holds exactly, f16 ones and quantized ones (their integers).
      Type t = op.getWeight().getType();
      auto w = dyn_cast<RankedTensorType>(t);
      bool allowed =
          f16 ? isa<QTensorType>(t) || (w && w.getElementType().isF16())
              : w && isa<FloatType>(w.getElementType());
      if (allowed)
        op.setPrefillProductsAttr(type);
    });
  }
};
} // namespace
