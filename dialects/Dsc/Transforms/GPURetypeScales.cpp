//===- GPURetypeScales.cpp - kernels read scales as the weights store ----===//
//
// The kernel sources are written once over f32 scales; a model whose
// quantized weights keep f16 scales (dsc's default) gets kernels that load
// them as f16 and widen each in registers, so that its scales are copied
// to the device as the payload holds them and the decode GEMVs read half
// their bytes (int4:group=32: 18 bytes a group of 32 values, not 20).
// Which type is a constant of the model, chosen by the code generator from
// its device program (dsc/abi/cuda_program.h: DSC_CP_SCALES_F16).
//
//===----------------------------------------------------------------------===//

#include "Dsc/IR/DscDialect.h"
#include "Dsc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_GPURETYPESCALES
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

namespace {
constexpr StringLiteral kScales = DscDialect::getScalesArgAttrName();

bool isMarked(func::FuncOp f, unsigned i) {
  return i < f.getNumArguments() && f.getArgAttr(i, kScales);
}

struct GPURetypeScalesPass
    : dsc::impl::GPURetypeScalesBase<GPURetypeScalesPass> {
  using Base::Base;

  LogicalResult initialize(MLIRContext *ctx) override {
    if (type == "f16")
      elem = Float16Type::get(ctx);
    else if (type == "f32")
      elem = Float32Type::get(ctx);
    else
      return emitError(UnknownLoc::get(ctx))
             << "dsc-gpu-retype-scales: type must be f16 or f32, not '" << type
             << "'";
    return success();
  }

  /// Whether every use of scales argument `i` of `f` is one this pass
  /// rewrites: a load from it, or a call (checkCall checks the callee).
  LogicalResult checkUses(func::FuncOp f, unsigned i) {
    for (OpOperand &use : f.getArgument(i).getUses()) {
      Operation *user = use.getOwner();
      if ((isa<memref::LoadOp>(user) && use.getOperandNumber() == 0) ||
          isa<func::CallOp>(user))
        continue;
      return user->emitOpError()
             << "uses the scales of @" << f.getName()
             << " (only loads, and calls passing them to scales, can read "
                "another type)";
    }
    return success();
  }

  /// Whether `call` passes its caller's marked arguments exactly to its
  /// callee's marked arguments: the two are retyped together.
  LogicalResult checkCall(func::CallOp call, SymbolTable &symbols) {
    auto callee = symbols.lookup<func::FuncOp>(call.getCallee());
    auto caller = call->getParentOfType<func::FuncOp>();
    for (auto [i, v] : llvm::enumerate(call.getOperands())) {
      auto arg = dyn_cast<BlockArgument>(v);
      bool scales = arg && arg.getOwner()->getParentOp() == caller &&
                    isMarked(caller, arg.getArgNumber());
      bool takes = callee && isMarked(callee, i);
      if (scales && !takes)
        return call.emitOpError()
               << "passes the scales of @" << caller.getName()
               << " to an argument of @" << call.getCallee()
               << " that is not marked '" << kScales << "'";
      if (takes && !scales)
        return call.emitOpError()
               << "passes a value that is not its caller's '" << kScales
               << "' argument to the scales of @" << callee.getName();
    }
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SymbolTable symbols(module);
    SmallVector<std::pair<func::FuncOp, unsigned>> scales;
    bool failedAny = false;
    for (func::FuncOp f : module.getOps<func::FuncOp>()) {
      for (unsigned i = 0, e = f.getNumArguments(); i < e; ++i) {
        if (!isMarked(f, i))
          continue;
        // The dialect verifies the mark's argument type when it is loaded;
        // the kernels' sources are parsed without it.
        if (!DscDialect::isScalesArgType(f.getArgumentTypes()[i])) {
          f.emitOpError() << "argument " << i << " is marked '" << kScales
                          << "' but is not a 1-D memref of f32";
          failedAny = true;
          continue;
        }
        if (!f.isExternal() && failed(checkUses(f, i)))
          failedAny = true;
        scales.push_back({f, i});
      }
      f.walk([&](func::CallOp call) {
        if (failed(checkCall(call, symbols)))
          failedAny = true;
      });
    }
    if (failedAny)
      return signalPassFailure();

    for (auto [f, i] : scales) {
      f.removeArgAttr(i, kScales);
      if (elem.isF32())
        continue;
      auto t = cast<MemRefType>(f.getArgumentTypes()[i]);
      auto retyped = MemRefType::get(t.getShape(), elem, t.getLayout(),
                                     t.getMemorySpace());
      SmallVector<Type> inputs(f.getArgumentTypes());
      inputs[i] = retyped;
      f.setType(FunctionType::get(ctx, inputs, f.getResultTypes()));
      if (f.isExternal())
        continue;
      BlockArgument arg = f.getArgument(i);
      arg.setType(retyped);
      // Each load reads the narrow value (the op kept, with its
      // attributes) and widens it where it is read; calls pass the
      // retyped memref on to their retyped callees.
      for (OpOperand &use : llvm::make_early_inc_range(arg.getUses())) {
        auto load = dyn_cast<memref::LoadOp>(use.getOwner());
        if (!load)
          continue;
        Value v = load.getResult();
        Type wide = v.getType();
        v.setType(elem);
        OpBuilder b(load->getBlock(), std::next(load->getIterator()));
        Value widened = arith::ExtFOp::create(b, load.getLoc(), wide, v);
        v.replaceAllUsesExcept(widened, widened.getDefiningOp());
      }
    }
  }

  Type elem;
};
} // namespace
