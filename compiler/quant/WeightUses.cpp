//===- WeightUses.cpp - who reads which dsc.global ------------------------===//

#include "quant/WeightUses.h"

using namespace mlir::dsc;

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
