//===- TargetSupport.cpp - which registry target a pass compiles for ------===//

#include "Dsc/Transforms/Passes.h"

using namespace mlir;

FailureOr<const mlir::dsc::TargetInfo *>
mlir::dsc::resolveTarget(ModuleOp module, llvm::StringRef option) {
  llvm::StringRef name = option;
  if (name.empty())
    if (auto attr = module->getAttrOfType<StringAttr>(kTargetAttr))
      name = attr.getValue();
  if (name.empty())
    return &getDefaultTarget();
  if (const TargetInfo *t = findTarget(name))
    return t;
  return module.emitError("unknown target '")
         << name << "' (known: " << listTargetNames() << ")";
}

namespace mlir::dsc {
#define GEN_PASS_DEF_TARGETATTACH
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

namespace {
struct TargetAttachPass : mlir::dsc::impl::TargetAttachBase<TargetAttachPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto t = mlir::dsc::resolveTarget(module, target);
    if (failed(t))
      return signalPassFailure();
    // The canonical name, so that an alias compiles to the same IR.
    module->setAttr(mlir::dsc::kTargetAttr,
                    StringAttr::get(module.getContext(), (*t)->name));
  }
};
} // namespace
