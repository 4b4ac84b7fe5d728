//===- CalibStats.h - what calibration saw, as a file -----------*- C++ -*-===//
//
// Calibration runs the model on text (pipeline/Calibrate.cpp) and records,
// for each input of linear layers (an observation point of
// dsc-calib-instrument), per-column statistics and a sample of rows. The
// passes that use them (dsc-quant-awq-scale, dsc-quant-mixed-precision)
// read them from a file, so that `dsc-opt` reproduces what `dsc compile
// --calib` does and one calibration serves several compiles.
//
// File layout (little-endian, the host's):
//   char     magic[8] = "DSCCALB2" ("DSCCALB1": no tokens, no Hessians)
//   uint64   points
//   int64    window, uint64 tokens          (DSCCALB2)
//   int32    token[tokens]                  (DSCCALB2)
//   per point, by id:
//     int64  cols, uint64 rows (rows seen), int64 sampleRows
//     double absMean[cols], sqMean[cols]
//     float  sample[sampleRows * cols]
//     int64  hessianCols (0 or cols)        (DSCCALB2)
//     float  hessian[hessianCols * hessianCols]  (DSCCALB2)
//
//===----------------------------------------------------------------------===//

#ifndef DSC_QUANT_CALIBSTATS_H
#define DSC_QUANT_CALIBSTATS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace dsc {

/// What one observation point (an input of linear layers) saw.
struct ActivationStats {
  int64_t cols = 0;
  uint64_t rows = 0;           // rows seen
  std::vector<double> absMean; // mean |x| per column
  std::vector<double> sqMean;  // mean x^2 per column
  std::vector<float> sample;   // sampleRows x cols, spread over the text
  int64_t sampleRows = 0;
  // mean x^T x over the rows seen (cols x cols), for GPTQ; empty when
  // calibration did not collect it.
  std::vector<float> hessian;
};

/// What calibration recorded: per observation point, and the tokens it ran
/// on (in windows of `window` from position 0), which --quantize auto runs
/// the reference model on.
struct CalibData {
  std::vector<ActivationStats> points;
  std::vector<int32_t> tokens;
  int64_t window = 0;
};

/// Limits a file is checked against before anything is allocated.
constexpr int64_t kMaxStatsCols = int64_t(1) << 24;
constexpr int64_t kMaxStatsSampleRows = int64_t(1) << 20;

/// Parses statistics from `bytes`; errors name `name` and the field.
llvm::Expected<CalibData> parseCalibStats(llvm::StringRef bytes,
                                          llvm::StringRef name);

/// Reads the statistics file at `path`.
llvm::Expected<CalibData> readCalibStats(llvm::StringRef path);

/// Writes `data` to `path` (as DSCCALB2) through a temporary, so that a
/// failed write leaves no partial file.
llvm::Error writeCalibStats(llvm::StringRef path, const CalibData &data);

} // namespace dsc

#endif
