//===- Knapsack.h - one choice per item within a byte budget ----*- C++ -*-===//
//
// --quantize auto gives each weight one of a few precisions, each with a
// size and a measured cost (its effect on the KL divergence), and the sum of
// the sizes must stay within the budget: a multiple-choice knapsack, solved
// exactly by dynamic programming over the bytes.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_QUANT_KNAPSACK_H
#define DSC_QUANT_KNAPSACK_H

#include "llvm/Support/Error.h"

#include <cstdint>
#include <vector>

namespace dsc {

struct KnapsackOption {
  uint64_t bytes;
  double cost;
};

/// For each item the index of its option such that the summed bytes are at
/// most `budget` and the summed cost is least. Sizes are counted in units
/// of `unit` bytes (every size a multiple of it makes the answer exact);
/// when budget / unit exceeds `maxUnits`, the unit grows, sizes are rounded
/// up to it (the answer stays within the budget) and left-over bytes go to
/// the upgrades that save the most cost per byte. An error when even the
/// smallest option of every item does not fit, or an item has no option.
llvm::Expected<std::vector<size_t>>
solveKnapsack(const std::vector<std::vector<KnapsackOption>> &items,
              uint64_t budget, uint64_t unit = 64,
              uint64_t maxUnits = uint64_t(1) << 18);

} // namespace dsc

#endif
