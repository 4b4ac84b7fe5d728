//===- Advise.h - measuring the variants and choosing one -------*- C++ -*-===//
//
// What `dsc advise` reports and `dsc compile --auto` compiles come from this
// one function: every candidate variant of the model is compiled for this
// host and measured like `dsc eval` (the calibration text's first half
// calibrates, the second half is evaluated), laid out for each device's
// target (memory and bytes per token from that layout), predicted on each
// device (advise/CostModel.h) and chosen from (advise/Pareto.h).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DRIVER_ADVISE_H
#define DSC_DRIVER_ADVISE_H

#include "advise/Report.h"
#include "driver/ModelOptions.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace dsc {

struct AdviseRequest {
  std::string input;     // the checkpoint
  ModelSettings base;    // --tokenizer, --max-seq-len, --calib-tokens, --quiet
  std::string calib;     // the text: first half calibrates, second evaluates
  int64_t ctx = 0;       // context for memory and speed (0: the model's)
  int64_t evalCtx = 256; // windows of the evaluation
  int64_t evalTokens = 8192; // at most this many held-out tokens
  int threads = 0;           // of the evaluation runs (0: all cores)
  std::vector<advise::DeviceProfile> devices;
  std::optional<uint64_t> memBytes; // --mem, for every device
  double minTokS = 0, maxKld = 0.05;
  std::vector<std::string> only; // --candidates: these ids only
  bool validate = false;         // time each candidate's decoding here
  bool predictOnly = false; // layouts and predictions only: no calibration,
                            // no quality, no recommendation
  int64_t validateTokens = 128;  // positions each timed run generates
};

/// The candidates' ids, in the order they are measured.
std::vector<std::string> candidateIds();

/// The ids of a --candidates list (comma-separated); errors name `option`.
llvm::Expected<std::vector<std::string>>
parseCandidateIds(llvm::StringRef list, llvm::StringRef option);

/// Measures the candidates and decides for every device.
llvm::Expected<std::vector<advise::DeviceReport>>
runAdvice(const AdviseRequest &req);

/// The settings that compile what `report` recommends: `base` with its
/// quantization and pruning (calibrated on `calib`).
ModelSettings recommendedSettings(const advise::DeviceReport &report,
                                  const ModelSettings &base,
                                  llvm::StringRef calib);

/// A device from --device: a built-in name, "custom" (with `mem`,
/// `bandwidth` and `target`), or a profile file (.json). Errors name the
/// option or the file and the field.
llvm::Expected<advise::DeviceProfile> resolveDevice(llvm::StringRef name,
                                                    std::optional<uint64_t> mem,
                                                    double bandwidth,
                                                    llvm::StringRef target);

/// --measure: the host's profile, the kernels' costs measured by compiling
/// and timing synthetic probe models (small ones that stay in the L2 cache,
/// a large one streamed from memory unless `skipLarge`: then the
/// efficiencies and prefill rates are left unmeasured).
llvm::Expected<advise::DeviceProfile>
measureHostProfile(bool quiet, int threads, bool skipLarge = false);

/// Parses --mem and --mem-budget: a positive size.
llvm::Expected<uint64_t> parseMemOption(llvm::StringRef option,
                                        llvm::StringRef value);

} // namespace dsc

#endif
