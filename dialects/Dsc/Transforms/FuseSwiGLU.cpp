//===- FuseSwiGLU.cpp - fuse silu(gate) * up ------------------------------===//

#include "Dsc/Transforms/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_GRAPHFUSESWIGLU
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

namespace {
struct FuseSiLUMul : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MulOp mul,
                                PatternRewriter &rewriter) const override {
    Value gate, up;
    if (auto silu = mul.getLhs().getDefiningOp<SiLUOp>()) {
      gate = silu.getInput();
      up = mul.getRhs();
    } else if (auto silu = mul.getRhs().getDefiningOp<SiLUOp>()) {
      gate = silu.getInput();
      up = mul.getLhs();
    } else {
      return rewriter.notifyMatchFailure(mul, "no dsc.silu operand");
    }
    rewriter.replaceOpWithNewOp<SwiGLUOp>(mul, mul.getType(), gate, up);
    return success();
  }
};

struct GraphFuseSwiGLUPass
    : dsc::impl::GraphFuseSwiGLUBase<GraphFuseSwiGLUPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseSiLUMul>(&getContext());
    // Dead dsc.silu ops are erased by the driver since they are Pure.
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
