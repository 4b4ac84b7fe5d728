//===- CodegenLower.cpp - the forward function to linalg and kernels ------===//
//
// Gives the forward function the signature the runtime calls, on buffers,
// and converts its dsc ops one pattern each (CodegenLowerKernels.cpp,
// CodegenLowerLinalg.cpp) into linalg and dsc.ukernel on tensors. The
// weights, tokens, KV cache and logits enter the tensor world through
// bufferization.to_tensor / materialize_in_destination, so that one-shot
// bufferization places every other buffer (buildLowerToLoopsPipeline).
//
//===----------------------------------------------------------------------===//

#include "Dsc/Transforms/CodegenLower.h"
#include "Dsc/Transforms/CUDAProgram.h"

#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"

#include "mlir/IR/Dominance.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "dsc/abi/model_desc.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_CODEGENLOWER
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

Value lower::rows(OpBuilder &b, Location loc, Value tensor) {
  return tensor::DimOp::create(b, loc, tensor, 0);
}
Value lower::toI64(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}
Value lower::i64(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
}
Value lower::f32(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}
Value lower::toF32(OpBuilder &b, Location loc, Value v) {
  return v.getType().isF32()
             ? v
             : arith::ExtFOp::create(b, loc, b.getF32Type(), v).getResult();
}
Value lower::empty(OpBuilder &b, Location loc, RankedTensorType type,
                   Value rows, Value like) {
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    if (!type.isDynamicDim(i))
      continue;
    assert((i == 0 || like) && "a dynamic dimension past the rows needs like");
    dyn.push_back(i == 0 ? rows
                         : tensor::DimOp::create(b, loc, like, i).getResult());
  }
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dyn);
}
arith::FastMathFlagsAttr lower::reassoc(MLIRContext *ctx) {
  return arith::FastMathFlagsAttr::get(ctx, arith::FastMathFlags::reassoc |
                                                arith::FastMathFlags::contract);
}

namespace {

/// The model's constants as the descriptor the runtime reads
/// (dsc/abi/model_desc.h), emitted as the int64 array it is laid out as.
void emitModelDesc(ModuleOp module, ModelConfigAttr c,
                   const TargetInfo &target) {
  int64_t size = 0, id = 0;
  if (auto a = module->getAttrOfType<IntegerAttr>(kWeightsSizeAttr))
    size = a.getInt();
  if (auto a = module->getAttrOfType<IntegerAttr>(kModelIdAttr))
    id = a.getInt();
  dsc_model_desc_t d = {};
  d.magic = DSC_MODEL_DESC_MAGIC;
  d.version = DSC_MODEL_DESC_VERSION;
  d.vocab = c.getVocabSize();
  d.dim = c.getDim();
  d.layers = c.getNLayers();
  d.heads = c.getNHeads();
  d.kv_heads = c.getNKvHeads();
  d.head_dim = c.getHeadDim();
  d.max_seq = c.getMaxSeqLen();
  d.weights_size = size;
  d.model_id = id;
  // The cache element the target's attention kernels use (the registry).
  d.kv_elem_bytes = target.kvCacheType == "f16" ? 2 : 4;
  SmallVector<int64_t> desc;
#define DSC_DESC_FIELD(name, meaning) desc.push_back(d.name);
#include "dsc/abi/model_desc.def"
#undef DSC_DESC_FIELD
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto arrTy = LLVM::LLVMArrayType::get(b.getI64Type(), desc.size());
  LLVM::GlobalOp::create(b, module.getLoc(), arrTy, /*isConstant=*/true,
                         LLVM::Linkage::External, kModelDescName,
                         b.getI64TensorAttr(desc));
}

/// Replaces `fn` by `dsc_forward(%weights: memref<?xi8>, %tokens:
/// memref<?xi32>, %pos, %n_out: index, %cache: memref<?xT>, %logits:
/// memref<?xVxf32>)`, its body unchanged but for the arguments' and the
/// result's way into and out of tensors.
FailureOr<func::FuncOp> rewriteSignature(func::FuncOp fn,
                                         const TargetInfo &target) {
  FunctionType ft = fn.getFunctionType();
  auto cacheType = ft.getNumInputs() == 4
                       ? dyn_cast<KVCacheType>(ft.getInput(3))
                       : KVCacheType();
  auto logitsType = ft.getNumResults() == 1
                        ? dyn_cast<RankedTensorType>(ft.getResult(0))
                        : RankedTensorType();
  if (!cacheType || !logitsType || logitsType.getRank() != 2 ||
      !isa<RankedTensorType>(ft.getInput(0)) || !ft.getInput(1).isIndex() ||
      !ft.getInput(2).isIndex() || !fn.getBody().hasOneBlock())
    return fn.emitOpError("expected the forward signature (tensor<?xi32>, "
                          "index, index, !dsc.kv_cache) -> tensor<?xVxf32>");
  std::string cacheElem;
  llvm::raw_string_ostream(cacheElem) << cacheType.getElementType();
  if (cacheElem != target.kvCacheType)
    return fn.emitOpError("target '")
           << target.name << "' keeps the KV cache in " << target.kvCacheType
           << ", not " << cacheElem;
  MLIRContext *ctx = fn.getContext();
  OpBuilder b(fn);
  Location loc = fn.getLoc();
  auto dyn = ShapedType::kDynamic;
  auto tokensType = cast<RankedTensorType>(ft.getInput(0));
  SmallVector<Type> argTypes = {
      MemRefType::get({dyn}, b.getI8Type()),
      MemRefType::get(tokensType.getShape(), tokensType.getElementType()),
      b.getIndexType(),
      b.getIndexType(),
      MemRefType::get({dyn}, cacheType.getElementType()),
      MemRefType::get(logitsType.getShape(), logitsType.getElementType())};
  auto newFn = func::FuncOp::create(b, loc, kForwardEntry,
                                    b.getFunctionType(argTypes, {}));
  newFn->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
  Block *entry = newFn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  Block &old = fn.getBody().front();
  Value tokens = bufferization::ToTensorOp::create(
      b, loc, tokensType, entry->getArgument(1), /*restrict=*/true,
      /*writable=*/false);
  // Attention's patterns take the buffer back out of the cast.
  Value cache = UnrealizedConversionCastOp::create(b, loc, cacheType,
                                                   entry->getArgument(4))
                    .getResult(0);
  old.getArgument(0).replaceAllUsesWith(tokens);
  old.getArgument(1).replaceAllUsesWith(entry->getArgument(2));
  old.getArgument(2).replaceAllUsesWith(entry->getArgument(3));
  old.getArgument(3).replaceAllUsesWith(cache);
  auto ret = cast<func::ReturnOp>(old.getTerminator());
  entry->getOperations().splice(entry->end(), old.getOperations(), old.begin(),
                                std::prev(old.end()));
  b.setInsertionPointToEnd(entry);
  auto store = bufferization::MaterializeInDestinationOp::create(
      b, ret.getLoc(), TypeRange{}, ret.getOperand(0), entry->getArgument(5));
  store.setRestrict(true);
  store.setWritable(true);
  func::ReturnOp::create(b, ret.getLoc());
  fn.erase();
  return newFn;
}

/// Whether `op` only makes a destination for another op to write: an empty
/// tensor, or one filled with a constant.
bool isDestinationMaker(Operation *op) {
  if (isa<tensor::EmptyOp>(op))
    return true;
  auto fill = dyn_cast<linalg::FillOp>(op);
  return fill && fill.hasPureTensorSemantics() &&
         fill.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>() &&
         fill.getInputs()[0].getDefiningOp<arith::ConstantOp>();
}

/// Canonicalization folds the row counts of all activations into the
/// tokens' count, so that CSE merges the identical RoPE tables of all
/// layers into one. CSE also merges the destinations of all layers, which
/// bufferization would allocate at the first one's place, all alive
/// together: each user gets its own copy again, just before it.
LogicalResult shareRopeTables(func::FuncOp fn) {
  MLIRContext *ctx = fn.getContext();
  RewritePatternSet patterns(ctx);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
  if (failed(applyPatternsGreedily(fn, std::move(patterns))))
    return fn.emitOpError("canonicalization did not converge");
  IRRewriter rewriter(ctx);
  DominanceInfo dominance(fn);
  eliminateCommonSubExpressions(rewriter, dominance, fn);
  SmallVector<Operation *> shared;
  fn.walk([&](Operation *op) {
    if (isDestinationMaker(op) && !op->hasOneUse() && !op->use_empty())
      shared.push_back(op);
  });
  // Fills before the empty tensors they fill (post-order walk).
  for (Operation *op : llvm::reverse(shared)) {
    for (OpOperand &use : llvm::make_early_inc_range(op->getUses())) {
      rewriter.setInsertionPoint(use.getOwner());
      Operation *copy = rewriter.clone(*op);
      if (auto fill = dyn_cast<linalg::FillOp>(copy)) {
        // Its own empty tensor too.
        Operation *empty = fill.getDpsInits()[0].getDefiningOp();
        rewriter.setInsertionPoint(fill);
        fill.getDpsInitsMutable()[0].set(rewriter.clone(*empty)->getResult(0));
      }
      use.set(copy->getResult(0));
    }
    rewriter.eraseOp(op);
  }
  // Empty tensors whose fills got copies of their own.
  fn.walk([&](tensor::EmptyOp e) {
    if (e->use_empty())
      rewriter.eraseOp(e);
  });
  return success();
}

struct CodegenLowerPass : dsc::impl::CodegenLowerBase<CodegenLowerPass> {
  using CodegenLowerBase::CodegenLowerBase;

  void getDependentDialects(DialectRegistry &registry) const override {
    CodegenLowerBase::getDependentDialects(registry);
    // What the rest of buildLowerToLoopsPipeline bufferizes.
    arith::registerBufferizableOpInterfaceExternalModels(registry);
    linalg::registerBufferizableOpInterfaceExternalModels(registry);
    tensor::registerBufferizableOpInterfaceExternalModels(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    ModelConfigAttr config = getModelConfig(module);
    if (!config) {
      module.emitError("dsc-codegen-lower needs the module's dsc.config");
      return signalPassFailure();
    }
    auto fn = module.lookupSymbol<func::FuncOp>("forward");
    if (!fn) {
      module.emitError("no func.func @forward to lower");
      return signalPassFailure();
    }
    FailureOr<const TargetInfo *> t = resolveTarget(module, target);
    if (failed(t))
      return signalPassFailure();
    bool onDevice = isForwardOnDevice(module, **t);
    FailureOr<func::FuncOp> forward = rewriteSignature(fn, **t);
    if (failed(forward))
      return signalPassFailure();
    if (onDevice) {
      // Placed on the device (dsc-gpu-place-forward): the executable runs
      // the device program, never this function, whose weights are in the
      // device's layouts. Its entry point stays for the runtime to link;
      // its body only aborts (an assert, whose effects bufferization's
      // deallocation knows, where a trap's are unknown to it).
      Block &body = forward->getBody().front();
      Operation *ret = body.getTerminator();
      while (Operation *op = ret->getPrevNode())
        op->erase();
      OpBuilder b(ret);
      Value no = arith::ConstantIntOp::create(b, ret->getLoc(), 0, 1);
      cf::AssertOp::create(b, ret->getLoc(), no,
                           "the forward pass runs on the device");
    } else if (failed(lowerForwardBody(*forward, **t))) {
      return signalPassFailure();
    }
    for (GlobalOp g : llvm::make_early_inc_range(module.getOps<GlobalOp>()))
      g.erase();
    emitModelDesc(module, config, **t);
  }

  LogicalResult lowerForwardBody(func::FuncOp forward,
                                 const TargetInfo &target) {
    MLIRContext *ctx = &getContext();
    ConversionTarget legal(*ctx);
    legal.addIllegalDialect<DscDialect>();
    legal.addLegalOp<UKernelOp>();
    legal.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(ctx);
    populateCodegenLowerKernelPatterns(patterns, target);
    populateCodegenLowerLinalgPatterns(patterns);
    // A pattern that refuses an op says why; the driver's "failed to
    // legalize" that follows would only repeat it.
    bool explained = false;
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &d) {
      if (d.getSeverity() != DiagnosticSeverity::Error)
        return failure();
      if (explained && StringRef(d.str()).starts_with("failed to legalize"))
        return success();
      explained = true;
      return failure();
    });
    if (failed(applyPartialConversion(forward, legal, std::move(patterns))))
      return failure();
    forward->walk([](UnrealizedConversionCastOp cast) {
      if (cast.use_empty())
        cast.erase();
    });
    return shareRopeTables(forward);
  }
};

} // namespace
