//===- Evaluate.h - quality of a compiled model against another -*- C++ -*-===//
//
// `dsc eval` and `dsc advise` measure quality the same way: two compiled
// executables (the reference and the variant, the same kernels users run)
// evaluate the same tokens in windows and stream their logits, which are
// compared position by position.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DRIVER_EVALUATE_H
#define DSC_DRIVER_EVALUATE_H

#include "support/Progress.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace dsc {

class HostRun;

/// What one comparison measured.
struct EvalStats {
  double ppl = 0, pplRef = 0;     // perplexity of the variant, the reference
  double kldMean = 0, kldP99 = 0; // KL(reference || variant) per position
  double top1 = 0;                // fraction of positions whose argmax agree
  uint64_t tokens = 0;            // positions compared
};

/// Runs `refExe` and `variantExe` (compiled for this host) on `ids` in
/// windows of `window` tokens (`threads` each, 0 for all cores), through
/// `run`, which holds their token file `tokFile`, and compares their
/// logits. `textPath` names the text in errors; `status` shows progress.
llvm::Expected<EvalStats>
compareLogits(HostRun &run, llvm::StringRef refExe, llvm::StringRef variantExe,
              llvm::StringRef tokFile, llvm::ArrayRef<int32_t> ids,
              int64_t vocab, int64_t window, int threads,
              llvm::StringRef textPath, ProgressLine &status);

} // namespace dsc

#endif
