//===- CalibInstrument.cpp - observation points for calibration -----------===//

#include "Dsc/Transforms/Passes.h"

#include "llvm/ADT/SetVector.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_CALIBINSTRUMENT
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

SmallVector<Value> mlir::dsc::getLinearInputs(func::FuncOp fn) {
  llvm::SetVector<Value> inputs;
  fn.walk([&](LinearOp op) { inputs.insert(op.getInput()); });
  return inputs.takeVector();
}

namespace {
struct CalibInstrumentPass
    : dsc::impl::CalibInstrumentBase<CalibInstrumentPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fn = module.lookupSymbol<func::FuncOp>("forward");
    if (!fn) {
      module.emitError("no func.func @forward to instrument");
      return signalPassFailure();
    }
    if (!fn.getOps<ObserveOp>().empty()) {
      fn.emitOpError("is instrumented already");
      return signalPassFailure();
    }
    OpBuilder b(&getContext());
    int64_t id = 0;
    for (Value v : getLinearInputs(fn)) {
      if (Operation *def = v.getDefiningOp())
        b.setInsertionPointAfter(def);
      else
        b.setInsertionPointToStart(&fn.getBody().front());
      ObserveOp::create(b, v.getLoc(), v, id++);
    }
  }
};
} // namespace
