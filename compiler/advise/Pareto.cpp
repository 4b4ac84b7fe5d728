//===- Pareto.cpp - choosing a variant for a device -----------------------===//

#include "advise/Pareto.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using llvm::formatv;

namespace dsc::advise {

bool dominates(const Point &a, const Point &b) {
  bool noWorse =
      a.kld <= b.kld && a.memory <= b.memory && a.decodeTokS >= b.decodeTokS;
  bool better =
      a.kld < b.kld || a.memory < b.memory || a.decodeTokS > b.decodeTokS;
  return noWorse && better;
}

std::vector<bool> paretoFront(const std::vector<Point> &points) {
  std::vector<bool> front(points.size(), true);
  for (size_t i = 0; i < points.size(); ++i)
    for (size_t j = 0; j < points.size() && front[i]; ++j)
      if (j != i && dominates(points[j], points[i]))
        front[i] = false;
  return front;
}

static std::string mib(uint64_t bytes) {
  double m = bytes / 1048576.0;
  if (m >= 1024)
    return formatv("{0:F1} GiB", m / 1024).str();
  return formatv(m >= 10 ? "{0:F0} MiB" : "{0:F1} MiB", m).str();
}

static std::string tokS(double t) {
  return formatv(t >= 100 ? "{0:F0}" : "{0:F1}", t).str();
}

Decision decide(const std::vector<Point> &points, const Constraints &c,
                const std::string &deviceName,
                const std::string &fasterDeviceHint) {
  Decision d;
  d.onFront = paretoFront(points);
  d.fails.assign(points.size(), "");
  std::vector<size_t> fits, fast, ok;
  for (size_t i = 0; i < points.size(); ++i) {
    const Point &p = points[i];
    if (p.memory > c.memBytes) {
      d.fails[i] = "needs " + mib(p.memory);
      continue;
    }
    fits.push_back(i);
    if (c.minTokS > 0 && p.decodeTokS < c.minTokS) {
      d.fails[i] = "too slow";
      continue;
    }
    fast.push_back(i);
    if (p.kld > c.maxKld) {
      d.fails[i] = "KL too high";
      continue;
    }
    ok.push_back(i);
  }
  if (!ok.empty()) {
    // The fastest, within 5% (noise in the model itself): then the lower
    // KL, then the smaller. Whatever dominates it would be feasible and
    // win these comparisons, so the choice is on the front.
    size_t best = ok.front();
    for (size_t i : ok) {
      const Point &a = points[i], &b = points[best];
      bool faster = a.decodeTokS > b.decodeTokS * 1.05;
      bool tie = !faster && b.decodeTokS <= a.decodeTokS * 1.05;
      if (faster ||
          (tie && (a.kld < b.kld || (a.kld == b.kld && a.memory < b.memory))))
        best = i;
    }
    d.chosen = static_cast<int>(best);
    const Point &p = points[best];
    d.reason = formatv("{0}: the fastest predicted decode ({1} tok/s) of "
                       "the {2} candidate{3} that fit {4} in {5}{6} and keep "
                       "KL <= {7}",
                       p.id, tokS(p.decodeTokS), ok.size(),
                       ok.size() == 1 ? "" : "s", deviceName, mib(c.memBytes),
                       c.minTokS > 0
                           ? formatv(", reach {0} tok/s", tokS(c.minTokS)).str()
                           : std::string(),
                       c.maxKld)
                   .str();
    if (!p.compilable)
      d.reason += "; dsc cannot compile for this device's target yet";
    return d;
  }
  if (fits.empty()) {
    size_t small = 0;
    for (size_t i = 1; i < points.size(); ++i)
      if (points[i].memory < points[small].memory)
        small = i;
    d.reason = formatv("nothing fits {0} in {1}: the smallest candidate ({2}) "
                       "needs {3}; use a device with more memory or a "
                       "smaller model",
                       deviceName, mib(c.memBytes), points[small].id,
                       mib(points[small].memory))
                   .str();
    return d;
  }
  if (fast.empty()) {
    size_t best = fits.front();
    for (size_t i : fits)
      if (points[i].decodeTokS > points[best].decodeTokS)
        best = i;
    double factor = c.minTokS / std::max(points[best].decodeTokS, 1e-9);
    d.reason =
        formatv("nothing reaches {0} tok/s on {1}: the fastest that fits "
                "({2}) decodes at {3} tok/s; it needs {4:F1}x the memory "
                "bandwidth ({5}), or a smaller model",
                tokS(c.minTokS), deviceName, points[best].id,
                tokS(points[best].decodeTokS), factor,
                fasterDeviceHint.empty() ? std::string("a GPU")
                                         : fasterDeviceHint)
            .str();
    return d;
  }
  size_t best = fast.front();
  for (size_t i : fast)
    if (points[i].kld < points[best].kld)
      best = i;
  // The closest variant at any size and speed: what more memory and
  // bandwidth would buy.
  size_t closest = 0;
  for (size_t i = 1; i < points.size(); ++i)
    if (points[i].kld < points[closest].kld)
      closest = i;
  d.reason = formatv("nothing keeps KL <= {0} on {1}: the closest that fits "
                     "and is fast enough ({2}) has KL {3:F4}; allow "
                     "--max-kld {3:F4}",
                     c.maxKld, deviceName, points[best].id, points[best].kld)
                 .str();
  if (closest != best)
    d.reason +=
        formatv(", or give it {0} and {1} tok/s for {2} (KL {3:F4})",
                mib(points[closest].memory), tokS(points[closest].decodeTokS),
                points[closest].id, points[closest].kld)
            .str();
  return d;
}

} // namespace dsc::advise
