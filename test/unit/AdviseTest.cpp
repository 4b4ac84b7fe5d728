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

/// stories260K's shape: 5 layers of 64-wide rows, an FFN of 172, 8 heads
/// of 8 values, 4 KV heads, a 512-token table; every matrix in format `f`.
VariantLayout layout(bool tied, WeightFormat f) {
  VariantLayout v;
  v.shape = ModelShape{5, 64, 172, 8, 4, 8, 512, 512, tied};
  unsigned bytesPerWeight = f == WeightFormat::Float ? 4 : 1;
  auto add = [&](const char *name, int64_t rows, int64_t cols, bool emb) {
    WeightInfo w;
    w.name = name;
    w.rows = rows;
    w.cols = cols;
    w.elements = rows * cols;
    w.bytes = static_cast<uint64_t>(rows * cols) * bytesPerWeight;
    w.format = f;
    w.group = 32;
    w.embedding = emb;
    v.weights.push_back(w);
    v.weightsBytes += w.bytes;
  };
  add("token_embd", 512, 64, true);
  for (int l = 0; l < 5; ++l) {
    add("q", 64, 64, false);
    add("k", 32, 64, false);
    add("v", 32, 64, false);
    add("o", 64, 64, false);
    add("gate", 160, 64, false);
    add("up", 160, 64, false);
    add("down", 64, 160, false);
  }
  if (!tied)
    add("output", 512, 64, false);
  v.codeBytes = 100000;
  v.kvElemBytes = 4;
  return v;
}

/// A one-core device with every constant given (none estimated).
DeviceProfile device(double bw, double overheadUs) {
  DeviceProfile d;
  d.name = "test";
  d.target = "x86_64";
  d.memBytes = 1ull << 30;
  d.bandwidthGBs = bw;
  d.gflops = 100;
  d.cores = 1;
  d.layerOverheadUs = overheadUs;
  d.efficiencyFloat = 0.8;
  d.efficiencyInt8 = 0.5;
  d.efficiencyInt4 = 0.6;
  d.attentionNs = 10;
  d.attentionNsPerDim = 1;
  d.portableNsPerWeight = 2;
  return d;
}

double sumBytes(const VariantLayout &v, bool skipTable) {
  double b = 0;
  for (const WeightInfo &w : v.weights)
    b += w.embedding && skipTable ? w.bytes / 512.0 : w.bytes;
  return b;
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

TEST(AdviseCostModel, StreamTermIsBytesOverBandwidthAndEfficiency) {
  VariantLayout v = layout(true, WeightFormat::Float);
  DecodeTerms t = decodeTerms(v, device(10, 0), 1);
  EXPECT_EQ(t.level, "memory");
  // Tied: the table is the classifier, read whole.
  EXPECT_DOUBLE_EQ(t.weightBytes, sumBytes(v, false));
  EXPECT_DOUBLE_EQ(t.kvBytes, 5.0 * 2 * 4 * 8 * 4);
  EXPECT_NEAR(t.stream, t.weightBytes / (10e9 * 0.8), 1e-15);
  EXPECT_NEAR(decodeTerms(v, device(20, 0), 1).stream, t.stream / 2, 1e-15);
  // Untied: one row of the table per token.
  VariantLayout u = layout(false, WeightFormat::Float);
  EXPECT_DOUBLE_EQ(decodeTerms(u, device(10, 0), 1).weightBytes,
                   sumBytes(u, true));
  // The profile's efficiency per format; the built-in one where it has
  // none.
  VariantLayout q = layout(true, WeightFormat::Int8);
  EXPECT_NEAR(decodeTerms(q, device(10, 0), 1).stream,
              sumBytes(q, false) / (10e9 * 0.5), 1e-15);
  DeviceProfile none = device(10, 0);
  none.efficiencyInt8 = 0;
  EXPECT_NEAR(decodeTerms(q, none, 1).stream,
              sumBytes(q, false) /
                  (10e9 * kernelEfficiency(WeightFormat::Int8, false)),
              1e-15);
}

TEST(AdviseCostModel, WorkingSetPicksTheLevel) {
  VariantLayout v = layout(true, WeightFormat::Float); // about 1 MB
  DeviceProfile d = device(10, 0);
  d.cacheBytes = 4 << 20;
  d.cacheBandwidthGBs = 40;
  DecodeTerms c = decodeTerms(v, d, 1);
  EXPECT_EQ(c.level, "cache");
  // From a cache the efficiency is not applied (the fixed costs, measured
  // on cached models, hold what the kernels lose there).
  EXPECT_NEAR(c.stream, c.weightBytes / 40e9, 1e-15);
  d.l2Bytes = 2 << 20;
  d.l2BandwidthGBs = 80;
  EXPECT_EQ(decodeTerms(v, d, 1).level, "l2");
  d.l2Bytes = 512 << 10; // one core's L2 is less than the working set
  EXPECT_EQ(decodeTerms(v, d, 1).level, "cache");
  d.cores = 2; // two cores' are not
  EXPECT_EQ(decodeTerms(v, d, 1).level, "l2");
  d.l2Bytes = 0;
  d.cacheBytes = 1 << 20; // half of it is less than the working set
  EXPECT_EQ(decodeTerms(v, d, 1).level, "memory");
  // The KV cache is part of the working set.
  d.cacheBytes = 4 << 20;
  EXPECT_EQ(decodeTerms(v, d, 20000).level, "memory");
}

TEST(AdviseCostModel, PortableKernelTakesTheRowsTheIntegerKernelsRefuse) {
  WeightInfo w;
  w.rows = 64;
  w.cols = 172;
  w.format = WeightFormat::Int8;
  EXPECT_TRUE(usesPortableKernel(w)); // per channel: a group of 172
  w.cols = 64;
  EXPECT_FALSE(usesPortableKernel(w));
  w.group = 48;
  EXPECT_TRUE(usesPortableKernel(w));
  w.format = WeightFormat::Float;
  EXPECT_FALSE(usesPortableKernel(w));

  // stories260K's FFN down projection (172 wide) per channel in int8.
  VariantLayout v = layout(true, WeightFormat::Int8);
  for (WeightInfo &x : v.weights)
    if (x.name == "down") {
      x.cols = 172;
      x.group = 0;
    }
  DeviceProfile d = device(10, 0);
  DecodeTerms t = decodeTerms(v, d, 1);
  // 5 x 64 x 172 weights at 2 ns, one thread (each is below the kernels'
  // parallel threshold).
  EXPECT_NEAR(t.portable, 5 * 64 * 172 * 2e-9, 1e-12);
  d.cores = 4;
  EXPECT_NEAR(decodeTerms(v, d, 1).portable, t.portable, 1e-15);
  // Streamed are the others only.
  EXPECT_LT(t.stream, decodeTerms(layout(true, WeightFormat::Int8),
                                  device(10, 0), 1)
                          .stream);
}

TEST(AdviseCostModel, FixedCostsArePerLayerByFormat) {
  // Five layers and the classifier (a seventh of a layer each).
  VariantLayout v = layout(true, WeightFormat::Int4);
  DeviceProfile d = device(10, 7);
  EXPECT_NEAR(decodeTerms(v, d, 1).overhead, (5 + 1.0 / 7) * 7e-6, 1e-12);
  d.layerOverheadInt4Us = 14;
  EXPECT_NEAR(decodeTerms(v, d, 1).overhead, (5 + 1.0 / 7) * 14e-6, 1e-12);
  // Another format's figure does not apply.
  EXPECT_NEAR(decodeTerms(layout(true, WeightFormat::Float), d, 1).overhead,
              (5 + 1.0 / 7) * 7e-6, 1e-12);
  // The untied table is looked up, not multiplied: no call.
  VariantLayout u = layout(false, WeightFormat::Float);
  EXPECT_NEAR(decodeTerms(u, device(10, 7), 1).overhead,
              (5 + 1.0 / 7) * 7e-6, 1e-12);
}

TEST(AdviseCostModel, AttentionIsPerHeadAndCachedPosition) {
  VariantLayout v = layout(true, WeightFormat::Float);
  DeviceProfile d = device(10, 0);
  // 5 layers x 8 heads x 101 positions x (10 + 8 x 1) ns.
  EXPECT_NEAR(decodeTerms(v, d, 100).attention, 5 * 8 * 101 * 18e-9, 1e-12);
  EXPECT_NEAR(attentionScoreNs(d, 64), 74, 1e-12);
  // Split between the threads once a layer's work reaches the kernels'
  // threshold (8 heads x positions x 8 values >= DSC_PARALLEL_MIN_WORK).
  d.cores = 2;
  int64_t below = DSC_PARALLEL_MIN_WORK / 64 - 2, above = below + 2;
  EXPECT_NEAR(decodeTerms(v, d, below).attention,
              5 * 8 * (below + 1) * 18e-9, 1e-12);
  EXPECT_NEAR(decodeTerms(v, d, above).attention,
              5 * 8 * (above + 1) * 18e-9 / 2, 1e-12);
  // Unmeasured: estimated from one core's compute.
  d.attentionNs = d.attentionNsPerDim = 0;
  EXPECT_NEAR(attentionScoreNs(d, 8), (4 * 8 + 40) / 50.0, 1e-12);
}

TEST(AdviseCostModel, SpeedIsTheInverseOfTheTerms) {
  VariantLayout v = layout(true, WeightFormat::Float);
  DeviceProfile d = device(10, 3);
  SpeedEstimate s = estimateSpeed(v, d, 256);
  DecodeTerms t = decodeTerms(v, d, 128);
  EXPECT_NEAR(s.decodeTokS, 1 / t.total(), 1e-9 * s.decodeTokS);
  EXPECT_DOUBLE_EQ(s.bytesPerToken, t.weightBytes + t.kvBytes);
  EXPECT_FALSE(s.fromCache);
  EXPECT_GT(t.stream, 0);
  EXPECT_GT(t.overhead, 0);
  EXPECT_GT(t.attention, 0);
}

TEST(AdviseCostModel, PrefillIsBoundByTheMultipliesRate) {
  VariantLayout v = layout(true, WeightFormat::Int8);
  DeviceProfile d = device(10, 0);
  d.attentionNs = 1e-9; // (next to nothing)
  d.attentionNsPerDim = 0;
  double work = 0;
  for (const WeightInfo &w : v.weights)
    work += static_cast<double>(w.rows) * w.cols;
  PrefillTerms p = prefillTerms(v, d, 100);
  // int8 unmeasured: at the float rate.
  EXPECT_NEAR(p.matmul, 2 * work * 100 / 100e9, 1e-12);
  d.gflopsInt8 = 400;
  EXPECT_NEAR(prefillTerms(v, d, 100).matmul, 2 * work * 100 / 400e9, 1e-12);
  // Attention: query i attends to i + 1 positions.
  d.attentionNs = 10;
  EXPECT_NEAR(prefillTerms(v, d, 100).attention,
              5 * 8 * (100 * 101 / 2) * 10e-9, 1e-12);
  SpeedEstimate s = estimateSpeed(v, d, 100);
  EXPECT_NEAR(s.prefillTokS, 100 / s.prefill.total(), 1e-6);
}

TEST(AdviseCostModel, SpeedBudgetInvertsTheModel) {
  VariantLayout v = layout(true, WeightFormat::Int4);
  DeviceProfile d = device(10, 5);
  uint64_t budget = weightsBudgetForSpeed(v, d, 64, 2000);
  ASSERT_GT(budget, 0u);
  // Weights of exactly that size, all int4, in the same layers, decode at
  // 2000 tok/s.
  VariantLayout at = v;
  double scale = budget / sumBytes(v, false);
  for (WeightInfo &w : at.weights)
    w.bytes = static_cast<uint64_t>(w.bytes * scale);
  EXPECT_NEAR(estimateSpeed(at, d, 64).decodeTokS, 2000, 2);
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
  // The measured constants too.
  DeviceProfile m = device(10, 3);
  m.layerOverheadInt8Us = 4;
  m.layerOverheadInt4Us = 5;
  m.l2Bytes = 2 << 20;
  m.l2BandwidthGBs = 60;
  m.gflopsInt8 = 300;
  m.gflopsInt4 = 350;
  auto mb = profileFromJSON(llvm::formatv("{0}", profileToJSON(m)).str(),
                            "m.json");
  ASSERT_TRUE(bool(mb)) << llvm::toString(mb.takeError());
  for (auto [a, b] :
       {std::pair{mb->layerOverheadUs, m.layerOverheadUs},
        std::pair{mb->layerOverheadInt8Us, m.layerOverheadInt8Us},
        std::pair{mb->layerOverheadInt4Us, m.layerOverheadInt4Us},
        std::pair{mb->l2BandwidthGBs, m.l2BandwidthGBs},
        std::pair{mb->efficiencyFloat, m.efficiencyFloat},
        std::pair{mb->efficiencyInt8, m.efficiencyInt8},
        std::pair{mb->efficiencyInt4, m.efficiencyInt4},
        std::pair{mb->attentionNs, m.attentionNs},
        std::pair{mb->attentionNsPerDim, m.attentionNsPerDim},
        std::pair{mb->portableNsPerWeight, m.portableNsPerWeight},
        std::pair{mb->gflopsInt8, m.gflopsInt8},
        std::pair{mb->gflopsInt4, m.gflopsInt4}})
    EXPECT_EQ(a, b);
  EXPECT_EQ(mb->l2Bytes, m.l2Bytes);
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
  EXPECT_EQ(err("{\"target\": \"x\", \"mem_bytes\": 1, \"bandwidth_gbs\": 1, "
                "\"efficiency_int4\": 78}"),
            "p.json: efficiency_int4: must be a fraction of the bandwidth, at "
            "most 1 (is 78)");
  EXPECT_EQ(err("{\"target\": \"x\", \"mem_bytes\": 1, \"bandwidth_gbs\": 1, "
                "\"attention_ns\": -2}"),
            "p.json: attention_ns: must not be negative (is -2)");
  EXPECT_EQ(err("{\"target\": \"x\", \"mem_bytes\": 1, \"bandwidth_gbs\": 1, "
                "\"l2_bytes\": 1024}"),
            "p.json: l2_bandwidth_gbs: must be given with l2_bytes");
}

} // namespace
