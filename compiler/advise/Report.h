//===- Report.h - dsc advise's table, JSON and chart ------------*- C++ -*-===//

#ifndef DSC_ADVISE_REPORT_H
#define DSC_ADVISE_REPORT_H

#include "advise/CostModel.h"
#include "advise/DeviceProfile.h"
#include "advise/Pareto.h"

#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace dsc::advise {

/// Quality as `dsc eval` measures it, against the full model.
struct Quality {
  double kldMean = 0, kldP99 = 0, ppl = 0, pplRef = 0, top1 = 1;
  uint64_t tokens = 0;
};

/// A candidate on one device: measured quality, predicted memory and speed.
struct CandidateResult {
  std::string id;     // short name: "f16", "int4-g32", "prune-10+int8"
  std::string scheme; // what compile is given: "--quantize int8:channel"
  std::string quantize, prune; // its --quantize and --prune ("" for none)
  uint64_t memBudget = 0;      // --mem-budget of --quantize auto
  Quality quality;
  MemoryEstimate memory;
  SpeedEstimate speed;
  double measuredDecodeTokS = 0; // --validate on this machine; 0: not run
  bool compilable = true;
};

struct DeviceReport {
  DeviceProfile device;
  Constraints constraints;
  int64_t ctx = 0;
  std::vector<CandidateResult> candidates;
  Decision decision;
  std::vector<std::string> notes; // candidates left out and why
  int calibrations = 0; // calibration runs for all the candidates
  bool predictOnly = false; // no quality measured, no decision
};

/// The points the decision sees.
std::vector<Point> toPoints(const std::vector<CandidateResult> &cands);

void printTable(llvm::raw_ostream &os, const DeviceReport &r);

/// The table of --predict-only: memory and speed, with the decode terms.
void printPredictions(llvm::raw_ostream &os, const DeviceReport &r);

/// The decode and prefill terms as JSON (seconds).
llvm::json::Value speedTermsToJSON(const SpeedEstimate &s);

llvm::json::Value reportToJSON(const DeviceReport &r);

/// An SVG chart: KL divergence (log) against memory (log) of the first
/// report's candidates, its Pareto front joined, the recommendation ringed
/// and each report's device memory as a vertical line.
std::string plotSVG(const std::vector<DeviceReport> &reports,
                    llvm::StringRef title);

} // namespace dsc::advise

#endif
