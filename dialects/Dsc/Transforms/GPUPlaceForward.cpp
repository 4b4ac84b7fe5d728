//===- GPUPlaceForward.cpp - the forward pass on the device or the host ---===//
//
// Decided before weight layout, because it decides the layout: a forward
// pass on the device reads its weights as the device kernels do (plain),
// one on the host as the CPU kernels do (tiled). The decision is the
// device program's own reading of the function (CUDAProgram.cpp), so that
// what is placed on the device is exactly what the executable's program
// can run.
//
//===----------------------------------------------------------------------===//

#include "Dsc/Transforms/CUDAProgram.h"
#include "Dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_GPUPLACEFORWARD
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

namespace {
struct GPUPlaceForwardPass
    : dsc::impl::GPUPlaceForwardBase<GPUPlaceForwardPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<const TargetInfo *> t = resolveTarget(module, target);
    if (failed(t))
      return signalPassFailure();
    auto forward = module.lookupSymbol<func::FuncOp>("forward");
    if (!forward)
      return;
    forward->removeAttr(kDeviceForwardAttr);
    if (!hasDevice(**t))
      return;
    CUDAProgram p = buildCUDAProgram(module, CUDAProgramStage::Placement);
    if (!p.note.empty()) {
      forward.emitRemark("the forward pass stays on the host: ") << p.note;
      return;
    }
    forward->setAttr(kDeviceForwardAttr, UnitAttr::get(&getContext()));
  }
};
} // namespace
