//===- KnapsackTest.cpp - one choice per item within a byte budget --------===//

#include "quant/Knapsack.h"

#include <gtest/gtest.h>

#include <random>

using dsc::KnapsackOption;
using dsc::solveKnapsack;

namespace {
using Items = std::vector<std::vector<KnapsackOption>>;

/// Every combination: the least cost within the budget.
double bruteForce(const Items &items, uint64_t budget) {
  double best = INFINITY;
  std::vector<size_t> at(items.size(), 0);
  for (;;) {
    uint64_t bytes = 0;
    double cost = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      bytes += items[i][at[i]].bytes;
      cost += items[i][at[i]].cost;
    }
    if (bytes <= budget)
      best = std::min(best, cost);
    size_t i = 0;
    while (i < items.size() && ++at[i] == items[i].size())
      at[i++] = 0;
    if (i == items.size())
      return best;
  }
}

void totals(const Items &items, const std::vector<size_t> &pick,
            uint64_t &bytes, double &cost) {
  bytes = 0;
  cost = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    bytes += items[i][pick[i]].bytes;
    cost += items[i][pick[i]].cost;
  }
}
} // namespace

TEST(Knapsack, PicksTheOptimalSetOnAHandMadeCase) {
  // Greedy by cost saved per byte upgrades item 0 first (0.9 per unit) and
  // then cannot afford item 1's big step; the optimum upgrades item 1 only.
  Items items = {{{64, 1.0}, {128, 0.1}}, {{64, 10.0}, {256, 0.0}}};
  auto pick = solveKnapsack(items, 320);
  ASSERT_TRUE(static_cast<bool>(pick));
  EXPECT_EQ(*pick, (std::vector<size_t>{0, 1}));
  // At the exact size of both upgrades, both.
  pick = solveKnapsack(items, 384);
  ASSERT_TRUE(static_cast<bool>(pick));
  EXPECT_EQ(*pick, (std::vector<size_t>{1, 1}));
  // One byte short of it: not both.
  pick = solveKnapsack(items, 383);
  ASSERT_TRUE(static_cast<bool>(pick));
  EXPECT_EQ(*pick, (std::vector<size_t>{0, 1}));
}

TEST(Knapsack, MatchesBruteForceAndMeetsTheBudget) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> units(1, 12), count(1, 4);
  std::uniform_real_distribution<double> cost(0.0, 1.0);
  for (int trial = 0; trial < 200; ++trial) {
    Items items(1 + trial % 5);
    uint64_t least = 0, most = 0;
    for (auto &opts : items) {
      int n = count(rng);
      uint64_t lo = UINT64_MAX, hi = 0;
      for (int k = 0; k < n; ++k) {
        opts.push_back({64ull * units(rng), cost(rng)});
        lo = std::min(lo, opts.back().bytes);
        hi = std::max(hi, opts.back().bytes);
      }
      least += lo;
      most += hi;
    }
    uint64_t budget = least + (most - least) * (trial % 7) / 6;
    auto pick = solveKnapsack(items, budget);
    ASSERT_TRUE(static_cast<bool>(pick)) << trial;
    uint64_t bytes;
    double c;
    totals(items, *pick, bytes, c);
    EXPECT_LE(bytes, budget) << trial;
    EXPECT_NEAR(c, bruteForce(items, budget), 1e-12) << trial;
  }
}

TEST(Knapsack, CoarseUnitsStayWithinTheBudget) {
  // Sizes that are not whole units, and a unit coarsened 16-fold.
  std::mt19937 rng(5);
  std::uniform_int_distribution<uint64_t> size(100, 5000);
  std::uniform_real_distribution<double> cost(0.0, 1.0);
  Items items(20);
  uint64_t least = 0;
  for (auto &opts : items) {
    for (int k = 0; k < 3; ++k)
      opts.push_back({size(rng), cost(rng)});
    least += std::min({opts[0].bytes, opts[1].bytes, opts[2].bytes});
  }
  for (uint64_t budget : {least, least + 777, least + 20000, least + 90000}) {
    auto pick = solveKnapsack(items, budget, 64, budget / 64 / 16);
    ASSERT_TRUE(static_cast<bool>(pick));
    uint64_t bytes;
    double c;
    totals(items, *pick, bytes, c);
    EXPECT_LE(bytes, budget);
  }
}

TEST(Knapsack, SaysWhatTheSmallestChoiceNeeds) {
  Items items = {{{128, 1.0}, {64, 2.0}}, {{192, 0.0}}};
  auto pick = solveKnapsack(items, 255);
  ASSERT_FALSE(static_cast<bool>(pick));
  EXPECT_EQ(llvm::toString(pick.takeError()),
            "the smallest choice needs 256 bytes, more than the budget of 255");
  pick = solveKnapsack(items, 256);
  ASSERT_TRUE(static_cast<bool>(pick));
  EXPECT_EQ(*pick, (std::vector<size_t>{1, 0}));
}
