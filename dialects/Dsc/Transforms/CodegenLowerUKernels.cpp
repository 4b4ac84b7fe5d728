//===- CodegenLowerUKernels.cpp - dsc.ukernel on buffers to calls ---------===//

#include "Dsc/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_CODEGENLOWERUKERNELS
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

namespace {

/// Aligned base pointer of a buffer, plus its offset, as !llvm.ptr.
Value barePointer(OpBuilder &b, Location loc, Value m) {
  auto type = cast<MemRefType>(m.getType());
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, m);
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, m);
  Value bytes = arith::MulIOp::create(
      b, loc, meta.getOffset(),
      arith::ConstantIndexOp::create(
          b, loc, type.getElementType().getIntOrFloatBitWidth() / 8));
  Value addr = arith::AddIOp::create(b, loc, base, bytes);
  Value addr64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), addr);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), addr64);
}

struct UKernelToCall : OpRewritePattern<UKernelOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(UKernelOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureBufferSemantics())
      return rewriter.notifyMatchFailure(op, "not bufferized");
    const KernelSignature &sig = getKernelSignature(op.getKernel());
    Location loc = op.getLoc();
    SmallVector<Value> buffers(op.getInputs());
    llvm::append_range(buffers, op.getOutputs());
    // The verifier checked that the operands match the declaration's kinds.
    SmallVector<Value> args;
    SmallVector<Type> types;
    auto buffer = buffers.begin();
    auto scalar = op.getArgs().begin();
    for (char kind : sig.argKinds) {
      args.push_back(kind == 'p' ? barePointer(rewriter, loc, *buffer++)
                                 : *scalar++);
      types.push_back(args.back().getType());
    }
    auto module = op->getParentOfType<ModuleOp>();
    if (!module.lookupSymbol(sig.symbol)) {
      OpBuilder::InsertionGuard g(rewriter);
      rewriter.setInsertionPointToStart(module.getBody());
      auto decl = func::FuncOp::create(rewriter, loc, sig.symbol,
                                       rewriter.getFunctionType(types, {}));
      decl.setPrivate();
    }
    rewriter.replaceOpWithNewOp<func::CallOp>(op, sig.symbol, TypeRange{},
                                              args);
    return success();
  }
};

struct CodegenLowerUKernelsPass
    : dsc::impl::CodegenLowerUKernelsBase<CodegenLowerUKernelsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<UKernelToCall>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    WalkResult left = getOperation().walk([](UKernelOp op) {
      op.emitOpError("has tensor operands left: bufferize first");
      return WalkResult::interrupt();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
