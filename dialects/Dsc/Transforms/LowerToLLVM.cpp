//===- LowerToLLVM.cpp - math approximations and the LLVM pipeline --------===//

#include "Dsc/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_CODEGENAPPROXIMATEMATH
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;

namespace {
struct ApproximateMathPass
    : dsc::impl::CodegenApproximateMathBase<ApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    MathPolynomialApproximationOptions options;
    options.enableAvx2 = false;
    populateMathPolynomialApproximationPatterns(patterns, options);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::dsc::buildLowerToLoopsPipeline(OpPassManager &pm) {
  pm.addPass(dsc::createCodegenLower());
  // No CSE before bufferization: it would merge the tensor.empty ops of
  // all layers into one at the top, where bufferization allocates them.
  pm.addPass(createCanonicalizerPass());
  // The last result is computed in the logits argument.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferAlignment = 64;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createOwnershipBasedBufferDeallocationPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
  pm.addPass(bufferization::createLowerDeallocationsPass());
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  // Deallocations are placed at the end of the function; free each buffer
  // after its last use instead, so that the allocator reuses it.
  pm.addNestedPass<func::FuncOp>(
      bufferization::createOptimizeAllocationLivenessPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(dsc::createCodegenLowerUKernels());
}

void mlir::dsc::buildLowerToLLVMPipeline(OpPassManager &pm, bool alignedAlloc) {
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(dsc::createCodegenApproximateMath());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useAlignedAlloc = alignedAlloc;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::dsc::registerDscPipelines() {
  PassPipelineRegistration<>(
      "dsc-codegen-lower-to-loops",
      "Lowers the forward function to loops, buffers and micro-kernel calls",
      [](OpPassManager &pm) { buildLowerToLoopsPipeline(pm); });
  PassPipelineRegistration<>(
      "dsc-codegen-lower-to-llvm",
      "Lowers dsc-codegen-lower-to-loops' output (loops, memrefs, calls) to "
      "the LLVM "
      "dialect",
      [](OpPassManager &pm) { buildLowerToLLVMPipeline(pm); });
}
