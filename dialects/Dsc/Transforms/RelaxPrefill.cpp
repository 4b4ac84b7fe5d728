//===- RelaxPrefill.cpp - prompts' linear products in bf16 ----------------===//
//
// An opt-in trade (dsc compile --prefill-precision=bf16): with float
// weights, prompt processing is bound by multiplies, and bf16 dot products
// run twice as many a cycle as f32 FMAs. The permission is an attribute on
// each dsc.linear, so that the choice is visible in the IR and the kernel
// is picked by code generation (CodegenLowerKernels.cpp) from what the
// target can do.
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
    if (products != "bf16") {
      getOperation().emitError("dsc-graph-relax-prefill: products must be "
                               "bf16, got '")
          << products << "'";
      return signalPassFailure();
    }
    Builder b(&getContext());
    TypeAttr bf16 = TypeAttr::get(b.getBF16Type());
    getOperation().walk([&](LinearOp op) {
      auto w = dyn_cast<RankedTensorType>(op.getWeight().getType());
      if (w && isa<FloatType>(w.getElementType()))
        op.setPrefillProductsAttr(bf16);
    });
  }
};
} // namespace
