//===- WeightUses.cpp - who reads which dsc.global ------------------------===//

#include "quant/WeightUses.h"

#include "Dsc/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

using namespace mlir::dsc;
using llvm::cast;

namespace dsc {

ReadMap weightReads(mlir::ModuleOp module) {
  ReadMap reads;
  module.walk(
      [&](WeightOp w) { reads[w.getGlobalAttr().getAttr()].push_back(w); });
  return reads;
}

GlobalOp globalOf(mlir::ModuleOp module, mlir::Value v) {
  auto w = v ? v.getDefiningOp<WeightOp>() : WeightOp();
  return w ? module.lookupSymbol<GlobalOp>(w.getGlobalAttr()) : GlobalOp();
}

mlir::FailureOr<CalibratedInputs> loadCalibration(mlir::ModuleOp module,
                                                  llvm::StringRef path) {
  auto acts = readCalibStats(path);
  if (!acts)
    return module.emitError(llvm::toString(acts.takeError()));
  auto fn = module.lookupSymbol<mlir::func::FuncOp>("forward");
  if (!fn)
    return module.emitError("no func.func @forward to calibrate");
  CalibratedInputs c{std::move(acts->points), getLinearInputs(fn),
                     std::move(acts->tokens), acts->window};
  if (c.inputs.size() != c.acts.size())
    return module.emitError()
           << path << ": calibration saw " << c.acts.size()
           << " observation points, the model has " << c.inputs.size();
  for (auto [id, x] : llvm::enumerate(c.inputs)) {
    int64_t cols = cast<mlir::ShapedType>(x.getType()).getDimSize(1);
    if (cols != c.acts[id].cols)
      return module.emitError()
             << path << ": observation point " << id << " has "
             << c.acts[id].cols << " columns, the model's input has " << cols;
  }
  return c;
}

bool readsOnly(const ReadMap &reads, GlobalOp g,
               llvm::function_ref<bool(mlir::OpOperand &)> ok) {
  auto it = reads.find(g.getSymNameAttr());
  if (it == reads.end())
    return false;
  for (WeightOp w : it->second)
    for (mlir::OpOperand &use : w->getUses())
      if (!ok(use))
        return false;
  return true;
}

} // namespace dsc
