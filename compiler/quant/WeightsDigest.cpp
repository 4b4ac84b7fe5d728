//===- WeightsDigest.cpp - weights replaced by digests of their bytes -----===//

#include "quant/Passes.h"
#include "weights/WeightReader.h"

#include "Dsc/IR/DscDialect.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

namespace dsc {
#define GEN_PASS_DEF_WEIGHTSDIGEST
#include "quant/Passes.h.inc"
} // namespace dsc

using namespace llvm;

namespace dsc {
namespace {
struct WeightsDigestPass : impl::WeightsDigestBase<WeightsDigestPass> {
  void runOnOperation() override {
    mlir::ModuleOp module = getOperation();
    WeightReader reader;
    for (auto global : module.getOps<mlir::dsc::GlobalOp>()) {
      mlir::Attribute src = global.getSourceAttr();
      if (!src)
        continue;
      DigestStream digest;
      if (Error e = reader.write(src, global.getType(), digest)) {
        global.emitError(toString(std::move(e)));
        return signalPassFailure();
      }
      std::string hex;
      raw_string_ostream(hex) << format_hex(digest.digest(), 18);
      global.removeSourceAttr();
      global->setAttr("dsc.digest",
                      mlir::StringAttr::get(module.getContext(), hex));
    }
    module->removeAttr(mlir::dsc::DscDialect::getTokenizerAttrName());
    module->setLoc(mlir::UnknownLoc::get(module.getContext()));
  }
};
} // namespace
} // namespace dsc
