//===- Calibrate.h - calibration on text ------------------------*- C++ -*-===//
//
// Calibration runs the model itself: dsc-calib-instrument marks the inputs
// of the linear layers, the instrumented model is compiled for the host and
// run on the calibration text. What the layers saw is written to a file
// (quant/CalibStats.h) that the passes of activation-aware scaling (AWQ)
// and of `--quantize auto`'s mixed precision read.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PIPELINE_CALIBRATE_H
#define DSC_PIPELINE_CALIBRATE_H

#include "quant/CalibStats.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc {

struct CalibOptions {
  std::string text;         // calibration text file
  int64_t window = 256;     // tokens per forward pass, from position 0
  int64_t maxTokens = 4096; // tokens of the text used
  int64_t samples = 128;    // rows kept per point for error estimates, and
                            // the fewest tokens calibration runs on
  int threads = 0;          // 0: all cores
  bool hessians = false;    // also mean x^T x per point (for GPTQ)
  bool progress = false;
};

/// Compiles `module` (as imported; the graph passes run on a copy) with
/// observation points for the host, runs it on the text and returns what
/// each point of dsc-calib-instrument saw, by id, and the tokens it ran on:
/// the statistics that dsc-quant-awq-scale and dsc-quant-mixed-precision
/// read (writeCalibStats). The text must be text (checkIsText) of at least
/// `samples` tokens.
llvm::Expected<CalibData> collectActivations(mlir::ModuleOp module,
                                             const CalibOptions &options);

} // namespace dsc

#endif
