//===- MeasureCache.h - --quantize auto's measurements, as a file -*- C++
//-*-===//
//
// dsc-quant-mixed-precision measures what each candidate scheme of each
// weight costs (the KL divergence it adds, or its output error) and then
// solves a knapsack for the budget. The measurements do not depend on the
// budget: this file keeps them, so that compiles of one model at several
// budgets (bench/quality.py --curve, dsc advise) measure once. Its key, a
// digest of everything the measurements depend on (the module with its
// weights' bytes, the calibration statistics file, the candidate table and
// the pass's options), says whether a file applies; one that does not is
// measured again and replaced.
//
// File layout (little-endian, the host's):
//   char    magic[8] = "DSCMEAS1"
//   uint64  key
//   int64   tokens        calibration tokens measured on (0: measure=output)
//   uint64  weights
//   per weight, in the order the pass measures them:
//     uint32 nameLength, char name[nameLength]
//     uint32 values
//     per value: uint32 entry (the candidate table's line, increasing),
//                double value (as measured, before any normalization)
//
//===----------------------------------------------------------------------===//

#ifndef DSC_QUANT_MEASURECACHE_H
#define DSC_QUANT_MEASURECACHE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dsc {

struct MeasureCache {
  struct Weight {
    std::string name;
    std::vector<std::pair<uint32_t, double>> values; // by entry
  };
  uint64_t key = 0;
  int64_t tokens = 0;
  std::vector<Weight> weights;
};

/// Limits a file is checked against before anything is allocated.
constexpr uint32_t kMaxMeasureName = 4096;
constexpr uint32_t kMaxMeasureEntries = 1024;

/// Parses a measurement file from `bytes`; errors name `name` and the field.
llvm::Expected<MeasureCache> parseMeasureCache(llvm::StringRef bytes,
                                               llvm::StringRef name);

/// Reads the file at `path`: nothing when there is none, an error when it
/// cannot be read or parsed.
llvm::Expected<std::optional<MeasureCache>>
readMeasureCache(llvm::StringRef path);

/// Writes `cache` to `path` through a temporary renamed over it, so that
/// no reader ever sees a partial file.
llvm::Error writeMeasureCache(llvm::StringRef path, const MeasureCache &cache);

} // namespace dsc

#endif
