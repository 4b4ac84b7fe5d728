//===- Knapsack.cpp - one choice per item within a byte budget ------------===//

#include "quant/Knapsack.h"

#include "llvm/ADT/Twine.h"

#include <algorithm>
#include <limits>

using namespace llvm;

namespace dsc {

Expected<std::vector<size_t>>
solveKnapsack(const std::vector<std::vector<KnapsackOption>> &items,
              uint64_t budget, uint64_t unit, uint64_t maxUnits) {
  uint64_t least = 0;
  for (auto [i, opts] : llvm::enumerate(items)) {
    if (opts.empty())
      return createStringError(inconvertibleErrorCode(),
                               "item " + Twine(i) + " has no option");
    uint64_t m = std::numeric_limits<uint64_t>::max();
    for (const KnapsackOption &o : opts)
      m = std::min(m, o.bytes);
    least += m;
  }
  if (least > budget)
    return createStringError(inconvertibleErrorCode(),
                             "the smallest choice needs " + Twine(least) +
                                 " bytes, more than the budget of " +
                                 Twine(budget));
  unit = std::max<uint64_t>(unit, 1);
  if (budget / unit > maxUnits)
    unit = (budget / maxUnits + unit) / unit * unit;
  auto units = [&](uint64_t bytes) { return (bytes + unit - 1) / unit; };
  const uint64_t cap = budget / unit;
  const double inf = std::numeric_limits<double>::infinity();
  // best[c]: least cost of the items so far in at most c units; pick[i][c]
  // the option item i takes there.
  std::vector<double> best(cap + 1, 0.0), next(cap + 1);
  std::vector<std::vector<uint8_t>> pick(items.size(),
                                         std::vector<uint8_t>(cap + 1, 0));
  for (size_t i = 0; i < items.size(); ++i) {
    const auto &opts = items[i];
    for (uint64_t c = 0; c <= cap; ++c) {
      double b = inf;
      uint8_t at = 0;
      for (size_t k = 0; k < opts.size() && k < 256; ++k) {
        uint64_t w = units(opts[k].bytes);
        if (w > c || best[c - w] == inf)
          continue;
        double v = best[c - w] + opts[k].cost;
        if (v < b) {
          b = v;
          at = static_cast<uint8_t>(k);
        }
      }
      next[c] = b;
      pick[i][c] = at;
    }
    std::swap(best, next);
  }
  std::vector<size_t> choice(items.size(), 0);
  if (best[cap] == inf) {
    // Rounding sizes up to a coarse unit lost the fit: start from the
    // smallest options instead (they fit, checked above).
    for (size_t i = 0; i < items.size(); ++i)
      for (size_t k = 1; k < items[i].size(); ++k)
        if (items[i][k].bytes < items[i][choice[i]].bytes)
          choice[i] = k;
  } else {
    uint64_t c = cap;
    for (size_t i = items.size(); i-- > 0;) {
      choice[i] = pick[i][c];
      c -= units(items[i][choice[i]].bytes);
    }
  }
  // What rounding to units left over: the upgrades that save the most cost
  // per byte while they fit (nothing to do when sizes are whole units).
  uint64_t used = 0;
  for (size_t i = 0; i < items.size(); ++i)
    used += items[i][choice[i]].bytes;
  for (;;) {
    double bestRate = 0;
    size_t bi = 0, bk = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      const KnapsackOption &from = items[i][choice[i]];
      for (size_t k = 0; k < items[i].size(); ++k) {
        const KnapsackOption &to = items[i][k];
        if (to.cost >= from.cost || used - from.bytes + to.bytes > budget)
          continue;
        double rate = (from.cost - to.cost) /
                      std::max<double>(1.0, double(to.bytes) - from.bytes);
        if (to.bytes <= from.bytes)
          rate = inf; // cheaper and better
        if (rate > bestRate) {
          bestRate = rate;
          bi = i;
          bk = k;
        }
      }
    }
    if (bestRate <= 0)
      break;
    used = used - items[bi][choice[bi]].bytes + items[bi][bk].bytes;
    choice[bi] = bk;
  }
  return choice;
}

} // namespace dsc
