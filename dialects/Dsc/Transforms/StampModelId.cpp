//===- StampModelId.cpp - the id that ties code to its weights ------------===//
//
// An executable and its weights payload may be written apart
// (--weights=external); the runtime refuses weights whose id differs from
// the one compiled into the code. The id is a digest of everything that
// decides the weight blob: the laid-out module (weight sources with their
// transforms, types, layouts, offsets) and the configuration.
//
//===----------------------------------------------------------------------===//

#include "Dsc/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_WEIGHTSSTAMPID
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

namespace {
/// FNV-1a over the printed module, streamed: no copy of the text.
class DigestStream : public llvm::raw_ostream {
public:
  DigestStream() { SetUnbuffered(); }
  uint64_t digest() const { return hash; }

private:
  void write_impl(const char *p, size_t n) override {
    for (size_t i = 0; i < n; ++i)
      hash = (hash ^ static_cast<uint8_t>(p[i])) * 0x100000001b3ull;
    pos += n;
  }
  uint64_t current_pos() const override { return pos; }
  uint64_t hash = 0xcbf29ce484222325ull;
  uint64_t pos = 0;
};

struct WeightsStampIdPass
    : dsc::impl::WeightsStampIdBase<WeightsStampIdPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (!module->hasAttr(kWeightsSizeAttr)) {
      module.emitError("dsc-weights-stamp-id needs the weight layout; run "
                       "dsc-weights-assign-offsets first");
      return signalPassFailure();
    }
    // An earlier id is not part of what it identifies.
    module->removeAttr(kModelIdAttr);
    DigestStream os;
    module.print(os);
    os.flush();
    module->setAttr(kModelIdAttr,
                    IntegerAttr::get(IntegerType::get(&getContext(), 64),
                                     static_cast<int64_t>(
                                         os.digest() & 0x7fffffffffffffffull)));
  }
};
} // namespace
