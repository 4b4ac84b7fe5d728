//===- AdviseTest.cpp - dsc advise's cost model and choice ----------------===//

#include "advise/CostModel.h"
#include "advise/DeviceProfile.h"
#include "advise/Pareto.h"

#include "llvm/Support/FormatVariadic.h"
#include "gtest/gtest.h"

using namespace dsc::advise;

namespace {

Point pt(const char *id, double kld, uint64_t mem, double tokS) {
  return Point{id, kld, mem, tokS, true};
}

TEST(AdvisePareto, Dominance) {
  EXPECT_TRUE(dominates(pt("a", 0.1, 10, 5), pt("b", 0.2, 10, 5)));
  EXPECT_FALSE(dominates(pt("a", 0.1, 10, 5), pt("b", 0.1, 10, 5)));
  EXPECT_FALSE(dominates(pt("a", 0.1, 20, 5), pt("b", 0.2, 10, 5)));
  std::vector<Point> pts = {pt("full", 0, 100, 10), pt("int8", 0.001, 50, 20),
                            pt("bad", 0.01, 60, 15), pt("int4", 0.05, 30, 30)};
  std::vector<bool> front = paretoFront(pts);
  EXPECT_EQ(front, (std::vector<bool>{true, true, false, true}));
}

TEST(AdvisePareto, ChoosesTheFastestFeasibleOnTheFront) {
  std::vector<Point> pts = {pt("full", 0, 100, 10), pt("int8", 0.001, 50, 20),
                            pt("int4", 0.08, 30, 30)};
  Decision d = decide(pts, Constraints{1000, 0, 0.05}, "dev");
  ASSERT_EQ(d.chosen, 1); // int4 is faster but over the KL tolerance
  EXPECT_TRUE(d.onFront[1]);
  EXPECT_EQ(d.fails[2], "KL too high");
  EXPECT_NE(d.reason.find("int8: the fastest predicted decode (20.0 tok/s)"),
            std::string::npos)
      << d.reason;
  // A looser tolerance takes int4; a tight memory leaves only it.
  EXPECT_EQ(decide(pts, Constraints{1000, 0, 0.1}, "dev").chosen, 2);
  EXPECT_EQ(decide(pts, Constraints{40, 0, 1}, "dev").chosen, 2);
}

TEST(AdvisePareto, TiesGoToTheCloserThenTheSmaller) {
  // Within 5% in speed: the lower KL wins, not the 3% faster.
  std::vector<Point> pts = {pt("a", 0.02, 50, 100), pt("b", 0.01, 60, 97)};
  EXPECT_EQ(decide(pts, Constraints{1000, 0, 0.05}, "dev").chosen, 1);
  std::vector<Point> same = {pt("a", 0.01, 60, 100), pt("b", 0.01, 50, 100)};
  EXPECT_EQ(decide(same, Constraints{1000, 0, 0.05}, "dev").chosen, 1);
}

TEST(AdvisePareto, SaysWhatWouldFit) {
  std::vector<Point> pts = {pt("full", 0, 100 << 20, 10),
                            pt("int4", 0.05, 30 << 20, 30)};
  Decision mem = decide(pts, Constraints{10 << 20, 0, 1}, "dev");
  EXPECT_EQ(mem.chosen, -1);
  EXPECT_NE(mem.reason.find("the smallest candidate (int4) needs 30 MiB"),
            std::string::npos)
      << mem.reason;
  Decision slow = decide(pts, Constraints{1u << 30, 60, 1}, "dev",
                         "a GPU: cuda-sm80 predicts 900 tok/s for int4");
  EXPECT_EQ(slow.chosen, -1);
  EXPECT_NE(slow.reason.find("the fastest that fits (int4) decodes at 30.0 "
                             "tok/s; it needs 2.0x the memory bandwidth (a "
                             "GPU: cuda-sm80"),
            std::string::npos)
      << slow.reason;
  Decision kl = decide(pts, Constraints{50 << 20, 0, 0.01}, "dev");
  EXPECT_EQ(kl.chosen, -1);
  EXPECT_NE(kl.reason.find("allow --max-kld 0.0500, or give it 100 MiB"),
            std::string::npos)
      << kl.reason;
}

/// A model like stories260K's shape with weights of `bytes` each.
VariantLayout layout(bool tied, WeightFormat f) {
  VariantLayout v;
  v.shape = ModelShape{5, 64, 172, 8, 4, 8, 512, 512, tied};
  v.weights.push_back(
      {"token_embd", 512 * 64 * 4, 512 * 64, WeightFormat::Float, true});
  v.weights.push_back({"blk", 1000000, 250000, f, false});
  v.weightsBytes = 512 * 64 * 4 + 1000000;
  v.codeBytes = 100000;
  v.kvElemBytes = 4;
  return v;
}

DeviceProfile device(double bw, double overheadUs) {
  DeviceProfile d;
  d.name = "test";
  d.target = "x86_64";
  d.memBytes = 1ull << 30;
  d.bandwidthGBs = bw;
  d.gflops = 100;
  d.layerOverheadUs = overheadUs;
  return d;
}

TEST(AdviseCostModel, MemoryIsWeightsKVCacheAndRuntime) {
  VariantLayout v = layout(true, WeightFormat::Float);
  MemoryEstimate m = estimateMemory(v, 256);
  EXPECT_EQ(m.weights, v.weightsBytes);
  // [layers][2][kv_heads][ctx][head_dim] f32 (dsc/abi/kv_cache.h).
  EXPECT_EQ(m.kvCache, 5u * 2 * 4 * 256 * 8 * 4);
  EXPECT_GT(m.runtime, v.codeBytes + (1u << 20));
  EXPECT_EQ(m.total(), m.weights + m.kvCache + m.runtime);
  v.kvElemBytes = 2;
  EXPECT_EQ(estimateMemory(v, 256).kvCache, m.kvCache / 2);
}

TEST(AdviseCostModel, DecodeStreamsTheWeightsAtTheBandwidth) {
  VariantLayout v = layout(true, WeightFormat::Float);
  SpeedEstimate s1 = estimateSpeed(v, device(10, 0), 2);
  SpeedEstimate s2 = estimateSpeed(v, device(20, 0), 2);
  // Tied: the table is the classifier, read whole.
  double kv = 5.0 * 2 * 4 * 8 * 4 * 1; // the mean position of 2
  EXPECT_DOUBLE_EQ(s1.bytesPerToken, v.weightsBytes + kv);
  EXPECT_NEAR(s1.decodeTokS,
              10e9 * kernelEfficiency(WeightFormat::Float, false) /
                  s1.bytesPerToken,
              1e-6 * s1.decodeTokS);
  EXPECT_NEAR(s2.decodeTokS / s1.decodeTokS, 2.0, 1e-9);
  // Untied: one row of the table per token.
  SpeedEstimate u =
      estimateSpeed(layout(false, WeightFormat::Float), device(10, 0), 2);
  EXPECT_DOUBLE_EQ(u.bytesPerToken, 64 * 4 + 1000000 + kv);
  // The fixed cost per layer adds up.
  SpeedEstimate o = estimateSpeed(v, device(10, 20), 2);
  EXPECT_NEAR(1 / o.decodeTokS - 1 / s1.decodeTokS, 5 * 20e-6, 1e-12);
  // Quantized weights stream less efficiently per byte (measured).
  SpeedEstimate q =
      estimateSpeed(layout(true, WeightFormat::Int4), device(10, 0), 2);
  EXPECT_LT(q.efficiency, s1.efficiency);
}

TEST(AdviseCostModel, WeightsThatFitTheCacheAreReadFromIt) {
  VariantLayout v = layout(true, WeightFormat::Float);
  DeviceProfile d = device(10, 0);
  d.cacheBytes = 4 << 20;
  d.cacheBandwidthGBs = 40;
  SpeedEstimate s = estimateSpeed(v, d, 2);
  EXPECT_TRUE(s.fromCache);
  EXPECT_NEAR(s.decodeTokS / estimateSpeed(v, device(10, 0), 2).decodeTokS, 4.0,
              1e-9);
  d.cacheBytes = 1 << 20; // half of it is less than the weights
  EXPECT_FALSE(estimateSpeed(v, d, 2).fromCache);
}

TEST(AdviseCostModel, SpeedBudgetInvertsTheModel) {
  VariantLayout v = layout(true, WeightFormat::Int4);
  DeviceProfile d = device(10, 5);
  uint64_t budget = weightsBudgetForSpeed(v, d, 64, 5000);
  ASSERT_GT(budget, 0u);
  // Weights of exactly that size, all int4, decode at 5000 tok/s.
  VariantLayout at = v;
  at.weights = {{"blk", budget, 1, WeightFormat::Int4, false}};
  EXPECT_NEAR(estimateSpeed(at, d, 64).decodeTokS, 5000, 1);
  EXPECT_EQ(weightsBudgetForSpeed(v, d, 64, 0), UINT64_MAX);
  EXPECT_EQ(weightsBudgetForSpeed(v, d, 64, 1e9), 0u); // overhead alone
}

TEST(AdviseProfiles, BuiltinsAreCompleteAndValid) {
  for (const char *name : {"rpi4", "rpi5", "android-arm64", "x86-laptop",
                           "x86-server", "cuda-sm80", "cuda-sm90"}) {
    const DeviceProfile *p = findBuiltinProfile(name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_FALSE(bool(checkProfile(*p, name))) << name;
    EXPECT_GT(p->gflops, 0) << name;
    EXPECT_GT(p->cores, 0) << name;
  }
  EXPECT_EQ(findBuiltinProfile("rpi9"), nullptr);
}

TEST(AdviseProfiles, JSONRoundTripAndErrors) {
  const DeviceProfile &rpi5 = *findBuiltinProfile("rpi5");
  std::string text = llvm::formatv("{0}", profileToJSON(rpi5)).str();
  auto back = profileFromJSON(text, "p.json");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->memBytes, rpi5.memBytes);
  EXPECT_EQ(back->bandwidthGBs, rpi5.bandwidthGBs);
  EXPECT_EQ(back->features, rpi5.features);
  EXPECT_EQ(back->target, "rpi5");
  auto err = [](const char *json) {
    auto p = profileFromJSON(json, "p.json");
    return p ? std::string("no error") : llvm::toString(p.takeError());
  };
  EXPECT_EQ(err("{\"mem_bytes\": 1, \"bandwidth_gbs\": 1}"),
            "p.json: target: missing");
  EXPECT_EQ(
      err("{\"target\": \"x\", \"mem_bytes\": 1.5, \"bandwidth_gbs\": 1}"),
      "p.json: mem_bytes: expected a whole, non-negative number (is 1.5)");
  EXPECT_EQ(err("{\"target\": \"x\", \"mem_bytes\": 1, \"bandwidth_gbs\": 1, "
                "\"features\": [1]}"),
            "p.json: features: expected an array of strings");
  EXPECT_EQ(err("{\"target\": \"x\", \"mem_bytes\": 1, \"bandwidth_gbs\": 1, "
                "\"cache_bytes\": 1024}"),
            "p.json: cache_bandwidth_gbs: must be given with cache_bytes");
}

} // namespace
