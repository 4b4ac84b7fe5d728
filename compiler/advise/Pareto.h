//===- Pareto.h - choosing a variant for a device ---------------*- C++ -*-===//
//
// The candidates not beaten on every axis at once (KL divergence, memory,
// decode speed) form the Pareto front. Of those that meet the constraints
// (they fit the memory, decode fast enough, stay within the KL tolerance),
// the fastest is recommended, ties going to the closer one, then the
// smaller. When none meets them, the advice says which constraint fails
// and what would lift it.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ADVISE_PARETO_H
#define DSC_ADVISE_PARETO_H

#include <cstdint>
#include <string>
#include <vector>

namespace dsc::advise {

/// One candidate as the decision sees it.
struct Point {
  std::string id;
  double kld = 0;      // mean KL divergence from the full model
  uint64_t memory = 0; // total bytes at the context
  double decodeTokS = 0;
  bool compilable = true; // dsc compiles for the device's target
};

struct Constraints {
  uint64_t memBytes = 0;
  double minTokS = 0; // 0: none
  double maxKld = 0.05;
};

struct Decision {
  int chosen = -1;                // index into the points, -1 when none fits
  std::vector<bool> onFront;      // per point
  std::vector<std::string> fails; // per point: "" or why it is out
  std::string reason;             // one line
};

/// Whether `a` is at least as good as `b` on every axis and better on one.
bool dominates(const Point &a, const Point &b);

/// The points no other point dominates.
std::vector<bool> paretoFront(const std::vector<Point> &points);

/// Chooses among `points` for `c` on the device `deviceName`;
/// `fasterDeviceHint` ("a GPU: cuda-sm80 predicts ...") is said when
/// nothing decodes fast enough.
Decision decide(const std::vector<Point> &points, const Constraints &c,
                const std::string &deviceName,
                const std::string &fasterDeviceHint = "");

} // namespace dsc::advise

#endif
