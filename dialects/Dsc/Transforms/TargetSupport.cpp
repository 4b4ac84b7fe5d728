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
