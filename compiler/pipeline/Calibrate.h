//===- Calibrate.h - calibration on text ------------------------*- C++ -*-===//
//
// Calibration runs the model itself: dsc-calib-instrument marks the inputs
// of the linear layers, the instrumented model is compiled for the host and
// run on the calibration text, and what the layers saw drives
// activation-aware scaling (AWQ) and the mixed-precision choice of
// `--quantize auto`.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PIPELINE_CALIBRATE_H
#define DSC_PIPELINE_CALIBRATE_H

#include "pipeline/Codegen.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc {

struct CalibOptions {
  std::string text;          // calibration text file
  int64_t window = 256;      // tokens per forward pass, from position 0
  int64_t maxTokens = 4096;  // tokens of the text used
  int64_t samples = 128;     // rows kept per point for error estimates, and
                             // the fewest tokens calibration runs on
  int threads = 0;           // 0: all cores
  bool progress = false;
};

/// What one observation point (an input of linear layers) saw.
struct ActivationStats {
  int64_t cols = 0;
  uint64_t rows = 0;              // rows seen
  std::vector<double> absMean;    // mean |x| per column
  std::vector<double> sqMean;     // mean x^2 per column
  std::vector<float> sample;      // sampleRows x cols, spread over the text
  int64_t sampleRows = 0;
};

/// Compiles `module` (after graph passes, unquantized) with observation
/// points for the host, runs it on the text and returns what each point of
/// dsc-calib-instrument saw, by id. The text must be text (checkIsText) of
/// at least `samples` tokens.
llvm::Expected<std::vector<ActivationStats>>
collectActivations(mlir::ModuleOp module, const CalibOptions &options);

/// Activation-aware weight quantization (Lin et al., "AWQ: Activation-aware
/// Weight Quantization for LLM Compression and Acceleration", MLSys 2024):
/// for each activation whose producer can absorb a per-column scale (an
/// RMSNorm weight, the rows of the `up` projection before SwiGLU, the rows
/// of `v` before attention), searches s = mean|x|^alpha over alpha in [0, 1)
/// for the least output error of the quantized layers reading it on the
/// calibration rows, then rescales the weights' columns by s and the
/// producer by 1/s (#dsc.scaled sources). `module` is quantized already
/// (dsc-quant-apply); alpha = 0 is round to nearest, so no layer gets worse
/// on the calibration rows.
llvm::Error applyActivationAwareScales(
    mlir::ModuleOp module, const std::vector<ActivationStats> &acts,
    const CalibOptions &options, std::string *report = nullptr);

/// `--quantize auto`: gives every matrix that linear layers or the
/// embedding lookup read (the classifier and the table included) a
/// `dsc.quantize` attribute: an int4 (groups of `group`) or int8 per-channel
/// #dsc.quant scheme, or false (float), so that the weights fit in `budget` bytes with the least summed
/// relative error (greedy by error saved per byte). The error of a linear
/// weight is that of its output on the calibration rows, of a table only
/// looked up that of its rows. `module` is after graph passes, unquantized.
llvm::Error chooseMixedPrecision(mlir::ModuleOp module,
                                 const std::vector<ActivationStats> &acts,
                                 uint64_t budget, int64_t group,
                                 std::string *report);

/// Parses a size with an optional unit (B, KB, MB, GB, KiB, MiB, GiB).
llvm::Expected<uint64_t> parseByteSize(llvm::StringRef text);

} // namespace dsc

#endif
