//===- GPUDeriveKernels.cpp - CUDA kernels from the CPU path's lowering ---===//
//
// The CUDA element-wise kernels are not written a second time: each is the
// linalg.generic that dsc-codegen-lower's pattern makes of the dsc op for
// the CPU (CodegenLowerLinalg.cpp), applied to a one-op function and moved
// onto the kernel's memref arguments. dsc-cuda-lower then lowers it as it
// does the hand-written sources (linalg to parallel loops, blocks of
// threads).
//
//===----------------------------------------------------------------------===//

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/CodegenLower.h"
#include "Dsc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_GPUDERIVEKERNELS
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;

namespace {

/// A kernel derived from a binary dsc op: `dsc_cuda_<name>(a, b, y, n)`,
/// y[i] = op(a[i], b[i]) over n values (the runtime's flattened rows).
struct Derived {
  const char *name;
  StringLiteral op;
};

const Derived kDerived[] = {
    {"add", dsc::AddOp::getOperationName()},
    {"swiglu", dsc::SwiGLUOp::getOperationName()},
};

/// The CPU lowering of `opName` on two [n, 1] tensors: the linalg.generic
/// dsc-codegen-lower's pattern makes of it, in a scratch function `scratch`
/// outside the module (which the caller erases).
static FailureOr<linalg::GenericOp> cpuLowering(OpBuilder &b, Location loc,
                                                OperationName opName,
                                                func::FuncOp &scratch) {
  MLIRContext *ctx = b.getContext();
  auto t = RankedTensorType::get({ShapedType::kDynamic, 1}, b.getF32Type());
  scratch = func::FuncOp::create(loc, "dsc_derive_scratch",
                                 b.getFunctionType({t, t}, {t}));
  Block *body = scratch.addEntryBlock();
  OpBuilder sb = OpBuilder::atBlockBegin(body);
  OperationState st(loc, opName);
  st.addOperands(body->getArguments());
  st.addTypes(t);
  Operation *op = sb.create(st);
  func::ReturnOp::create(sb, loc, op->getResults());

  RewritePatternSet patterns(ctx);
  dsc::populateCodegenLowerLinalgPatterns(patterns);
  ConversionTarget target(*ctx);
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         math::MathDialect, tensor::TensorDialect,
                         func::FuncDialect>();
  target.addIllegalOp(opName);
  if (failed(applyPartialConversion(scratch, target, std::move(patterns))))
    return failure();
  linalg::GenericOp generic;
  int generics = 0;
  scratch.walk([&](linalg::GenericOp g) {
    generic = g;
    ++generics;
  });
  // One element-wise generic (identity maps, parallel iterators) over its
  // two operands, nothing else computed. Its body may not read the output
  // (the CPU's is the first operand, the kernel's is not) nor use a value
  // of the scratch function.
  if (generics != 1 || generic.getNumDpsInputs() != 2 ||
      generic.getNumDpsInits() != 1 || !linalg::isElementwise(generic) ||
      !generic.getRegionOutputArgs()[0].use_empty())
    return failure();
  SetVector<Value> above;
  getUsedValuesDefinedAbove(generic.getRegion(), above);
  if (!above.empty())
    return failure();
  return generic;
}

struct GPUDeriveKernelsPass
    : dsc::impl::GPUDeriveKernelsBase<GPUDeriveKernelsPass> {
  using GPUDeriveKernelsBase::GPUDeriveKernelsBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    Location loc = module.getLoc();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto flat = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
    auto rows = MemRefType::get({ShapedType::kDynamic, 1}, b.getF32Type());
    for (const Derived &d : kDerived) {
      std::string name = std::string("dsc_cuda_") + d.name;
      if (module.lookupSymbol(name)) {
        module.emitError("dsc-gpu-derive-kernels: the module already has ")
            << name << ", which it derives from the CPU path's lowering";
        return signalPassFailure();
      }
      OperationName opName(d.op, ctx);
      func::FuncOp scratch;
      FailureOr<linalg::GenericOp> cpu = cpuLowering(b, loc, opName, scratch);
      if (failed(cpu)) {
        if (scratch)
          scratch.erase();
        module.emitError("dsc-gpu-derive-kernels: the CPU lowering of ")
            << opName
            << " is not one element-wise linalg.generic of its operands";
        return signalPassFailure();
      }
      auto f = func::FuncOp::create(
          b, loc, name,
          b.getFunctionType({flat, flat, flat, b.getIndexType()}, {}));
      f->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
      OpBuilder fb = OpBuilder::atBlockBegin(f.addEntryBlock());
      // The flattened values as the [n, 1] rows the op's pattern reads.
      Value n = f.getArgument(3);
      SmallVector<Value> views;
      for (unsigned i = 0; i < 3; ++i)
        views.push_back(memref::ExpandShapeOp::create(
            fb, loc, rows, f.getArgument(i),
            ArrayRef<ReassociationIndices>{{0, 1}},
            ArrayRef<OpFoldResult>{n, fb.getIndexAttr(1)}));
      // The CPU's generic on the kernel's buffers: its maps, iterators and
      // body; its destination the kernel's output (the CPU's is the first
      // operand, which bufferization overwrites).
      auto g = linalg::GenericOp::create(
          fb, loc, TypeRange{}, ValueRange{views[0], views[1]},
          ValueRange{views[2]}, cpu->getIndexingMapsArray(),
          cpu->getIteratorTypesArray());
      IRMapping map;
      cpu->getRegion().cloneInto(&g.getRegion(), map);
      func::ReturnOp::create(fb, loc);
      scratch.erase();
    }
  }
};

} // namespace
