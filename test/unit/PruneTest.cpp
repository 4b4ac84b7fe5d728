//===- PruneTest.cpp - structured pruning's planner -----------------------===//

#include "prune/Plan.h"
#include "prune/Reference.h"
#include "weights/ParallelWrite.h"

#include "llvm/Support/Error.h"
#include "gtest/gtest.h"

#include <random>

using namespace dsc;

namespace {

TEST(PruneSpec, Parses) {
  auto s = parsePruneSpec("ffn=0.3,heads=0.25,layers=2");
  ASSERT_TRUE(!!s) << llvm::toString(s.takeError());
  EXPECT_DOUBLE_EQ(s->ffn, 0.3);
  EXPECT_DOUBLE_EQ(s->heads, 0.25);
  EXPECT_EQ(s->layers, 2);
  auto one = parsePruneSpec("layers=1");
  ASSERT_TRUE(!!one);
  EXPECT_EQ(one->ffn, 0);
}

TEST(PruneSpec, RejectsWithTheReason) {
  for (auto [text, why] :
       {std::pair{"ffn=1", "'ffn' must be a fraction in [0, 1)"},
        {"heads=-0.1", "'heads' must be a fraction"},
        {"ffn=x", "not 'x'"},
        {"layers=1.5", "'layers' must be a number of layers"},
        {"attn=0.2", "unknown structure 'attn'"},
        {"", "expected ffn=F"}}) {
    auto s = parsePruneSpec(text);
    ASSERT_FALSE(!!s) << text;
    std::string msg = llvm::toString(s.takeError());
    EXPECT_NE(msg.find(why), std::string::npos) << msg;
  }
}

TEST(PruneHeads, WholeGroupsOrQueryHeads) {
  auto gqa = headCut(8, 4, 0.25); // 2 query heads = one group of two
  ASSERT_TRUE(!!gqa);
  EXPECT_EQ(gqa->kvGroups, 1);
  EXPECT_EQ(gqa->queryPerGroup, 0);
  auto mqa = headCut(4, 1, 0.25); // one query head of the only group
  ASSERT_TRUE(!!mqa);
  EXPECT_EQ(mqa->kvGroups, 0);
  EXPECT_EQ(mqa->queryPerGroup, 1);
  auto within = headCut(8, 2, 0.25); // one query head in each group of 4
  ASSERT_TRUE(!!within);
  EXPECT_EQ(within->queryPerGroup, 1);
  EXPECT_FALSE(!!headCut(4, 2, 0.25)); // one head of two groups
  llvm::consumeError(headCut(4, 2, 0.25).takeError());
  EXPECT_FALSE(!!headCut(8, 4, 0.01)); // no head at all
  llvm::consumeError(headCut(8, 4, 0.01).takeError());
}

TEST(PruneRefit, SolvesRidgeSystems) {
  // G = [[4, 2], [2, 3]], B = G * [[1, -1], [2, 0.5]].
  std::vector<double> G{4, 2, 2, 3};
  std::vector<double> B{4 * 1 + 2 * 2, 4 * -1 + 2 * 0.5, 2 * 1 + 3 * 2,
                        2 * -1 + 3 * 0.5};
  ASSERT_TRUE(solveRidge(G, B, 2, 2, 0.0));
  EXPECT_NEAR(B[0], 1, 1e-12);
  EXPECT_NEAR(B[1], -1, 1e-12);
  EXPECT_NEAR(B[2], 2, 1e-12);
  EXPECT_NEAR(B[3], 0.5, 1e-12);
  std::vector<double> singular{1, 1, 1, 1}, b{1, 1};
  EXPECT_FALSE(solveRidge(singular, b, 2, 1, 0.0));
  EXPECT_TRUE(solveRidge(singular, b, 2, 1, 1e-3));
}

Matrix randomMatrix(std::mt19937 &rng, int64_t rows, int64_t cols,
                    double scale) {
  std::normal_distribution<float> d(0.0f, static_cast<float>(scale));
  Matrix m(rows, cols);
  for (float &x : m.data)
    x = d(rng);
  return m;
}

/// The shape of randomModel's models besides their layers and heads.
struct RandomShape {
  int64_t vocab = 24, dim = 16, headDim = 4, hidden = 12;
  unsigned seed = 7;
};

RefModel randomModel(int64_t layers, int64_t heads, int64_t kvHeads,
                     const RandomShape &shape = {}) {
  std::mt19937 rng(shape.seed);
  RefModel m;
  m.vocab = shape.vocab;
  m.dim = shape.dim;
  m.headDim = shape.headDim;
  m.embedding = randomMatrix(rng, m.vocab, m.dim, 1.0);
  m.outputNorm.assign(m.dim, 1.0f);
  for (int64_t i = 0; i < layers; ++i) {
    RefLayer l;
    l.nHeads = heads;
    l.nKVHeads = kvHeads;
    l.hidden = shape.hidden;
    l.attnNorm.assign(m.dim, 1.0f);
    l.ffnNorm.assign(m.dim, 1.0f);
    double s = 1.0 / std::sqrt(double(m.dim));
    l.wq = randomMatrix(rng, heads * m.headDim, m.dim, s);
    l.wk = randomMatrix(rng, kvHeads * m.headDim, m.dim, s);
    l.wv = randomMatrix(rng, kvHeads * m.headDim, m.dim, s);
    l.wo = randomMatrix(rng, m.dim, heads * m.headDim, s);
    l.gate = randomMatrix(rng, l.hidden, m.dim, s);
    l.up = randomMatrix(rng, l.hidden, m.dim, s);
    l.down =
        randomMatrix(rng, m.dim, l.hidden, 1.0 / std::sqrt(double(l.hidden)));
    m.layers.push_back(std::move(l));
  }
  return m;
}

std::vector<std::vector<int32_t>> windows() {
  std::mt19937 rng(3);
  std::vector<std::vector<int32_t>> w(2, std::vector<int32_t>(10));
  for (auto &v : w)
    for (int32_t &t : v)
      t = static_cast<int32_t>(rng() % 24);
  return w;
}

double klOf(const RefModel &teacher, const RefModel &student) {
  double total = 0;
  int64_t rows = 0;
  for (const auto &t : windows()) {
    Matrix x, a, b;
    embed(teacher, t, x);
    runLayers(teacher, 0, x, a);
    logProbs(teacher, a, a);
    embed(student, t, x);
    runLayers(student, 0, x, b);
    logProbs(student, b, b);
    total += meanKL(a, b) * a.rows;
    rows += a.rows;
  }
  return total / rows;
}

/// The teacher method's scores come from forward passes that start at the
/// layer of the structure removed; each must be the KL of the whole model
/// without that structure, computed from scratch.
TEST(PruneScores, AreTheKLOfTheModelWithoutTheStructure) {
  RefModel teacher = randomModel(2, 4, 2);
  PruneOptions o;
  o.spec.ffn = 0.25;
  o.spec.heads = 0.5;
  o.refit = false;
  auto plan = planPruning(teacher, windows(), windows(), o);
  ASSERT_TRUE(!!plan) << llvm::toString(plan.takeError());
  int checked = 0;
  for (const Score &s : plan->scores) {
    PrunePlan one;
    for (int64_t i = 0; i < 2; ++i) {
      PlanLayer p;
      p.source = i;
      p.qHeads = {0, 1, 2, 3};
      p.kvHeads = {0, 1};
      for (int64_t j = 0; j < 12; ++j)
        p.channels.push_back(j);
      if (i == s.layer && s.kind == "ffn")
        llvm::erase(p.channels, s.index);
      if (i == s.layer && s.kind == "group") {
        llvm::erase(p.kvHeads, s.index);
        p.qHeads = {2 * p.kvHeads[0], 2 * p.kvHeads[0] + 1};
      }
      one.layers.push_back(p);
    }
    ASSERT_TRUE(s.kind == "ffn" || s.kind == "group") << s.kind;
    EXPECT_NEAR(s.score, klOf(teacher, applyPlan(teacher, one)),
                1e-4 + 1e-3 * s.score)
        << s.kind << " " << s.layer << " " << s.index;
    ++checked;
  }
  EXPECT_EQ(checked, 2 * (12 + 2));
  // Removed: the lowest of each layer.
  for (const Score &s : plan->scores)
    if (s.removed)
      for (const Score &t : plan->scores)
        if (t.kind == s.kind && t.layer == s.layer && !t.removed)
          EXPECT_LE(s.score, t.score);
}

/// The refit fits the pruned layers to the teacher's outputs on the
/// calibration windows: on those windows the student gets closer.
TEST(PruneRefit, LowersTheCalibrationKL) {
  RefModel teacher = randomModel(2, 4, 2);
  PruneOptions o;
  o.spec.ffn = 0.5;
  o.refit = false;
  auto plain = planPruning(teacher, windows(), windows(), o);
  o.refit = true;
  auto fitted = planPruning(teacher, windows(), windows(), o);
  ASSERT_TRUE(plain && fitted);
  EXPECT_LT(fitted->calibKL, plain->calibKL);
  int refits = 0;
  for (const PlanLayer &p : fitted->layers)
    refits += (p.wo ? 1 : 0) + (p.down ? 1 : 0);
  EXPECT_GT(refits, 0);
}

TEST(PruneLayers, GreedyRemovalIsTheCheapest) {
  RefModel teacher = randomModel(3, 4, 2);
  PruneOptions o;
  o.spec.layers = 1;
  auto plan = planPruning(teacher, windows(), windows(), o);
  ASSERT_TRUE(!!plan);
  ASSERT_EQ(plan->layers.size(), 2u);
  int64_t removed = -1;
  for (const Score &s : plan->scores)
    if (s.removed)
      removed = s.layer;
  double best = INFINITY;
  for (int64_t drop = 0; drop < 3; ++drop) {
    RefModel m = teacher;
    m.layers.erase(m.layers.begin() + drop);
    best = std::min(best, klOf(teacher, m));
    if (drop == removed)
      EXPECT_NEAR(klOf(teacher, m), plan->scores[drop].score, 1e-6);
  }
  EXPECT_NEAR(plan->scores[removed].score, best, 1e-9);
  EXPECT_FALSE(!!planPruning(teacher, windows(), windows(), [] {
    PruneOptions o;
    o.spec = {0, 0, 3};
    return o;
  }()));
}

} // namespace

namespace {
TEST(PruneFFN, KeptWidthIsAligned) {
  EXPECT_EQ(ffnChannelsRemoved(172, 0.25, 32), 172 - 128);
  EXPECT_EQ(ffnChannelsRemoved(172, 0.1, 32), 172 - 160);
  EXPECT_EQ(ffnChannelsRemoved(768, 0.25, 32), 192);
  // Too narrow for 32: 16, then 8, ... until some go and some stay.
  EXPECT_EQ(ffnChannelsRemoved(8, 0.25, 32), 2);
  EXPECT_EQ(ffnChannelsRemoved(12, 0.25, 32), 4);
  EXPECT_EQ(ffnChannelsRemoved(172, 0.25, 1), 43);
  EXPECT_EQ(ffnChannelsRemoved(172, 0, 32), 0);
}
} // namespace

namespace {
/// Without its last layer, the model's last kept layer is refitted to the
/// teacher's final residual stream: before, it was fitted to its own
/// layer's output, which it already matched, and nothing changed.
TEST(PruneRefit, AbsorbsARemovedLastLayer) {
  RefModel teacher = randomModel(3, 4, 2);
  RefLayer &last = teacher.layers.back();
  for (float &w : last.wo.data)
    w *= 0.3f;
  for (float &w : last.down.data)
    w *= 0.3f;
  PruneOptions o;
  o.spec.layers = 1;
  o.refit = false;
  auto plain = planPruning(teacher, windows(), windows(), o);
  o.refit = true;
  auto fitted = planPruning(teacher, windows(), windows(), o);
  ASSERT_TRUE(plain && fitted);
  ASSERT_EQ(fitted->layers.back().source, 1) << "the last layer should go";
  EXPECT_TRUE(fitted->layers.back().down.has_value());
  EXPECT_LT(fitted->calibKL, 0.9 * plain->calibKL);
}

TEST(PruneRefit, InterceptRecoversAnAffineMap) {
  // y = x A^T + b exactly, with inputs that do not average to zero: the
  // fit with an intercept recovers A and b; without one it cannot.
  std::mt19937 rng(7);
  Matrix A = randomMatrix(rng, 3, 5, 1.0), w0(3, 5);
  std::vector<float> b{0.5f, -2.0f, 1.25f};
  std::vector<Matrix> xs, ys;
  for (int k = 0; k < 2; ++k) {
    Matrix x = randomMatrix(rng, 40, 5, 1.0);
    for (float &v : x.data)
      v += 0.3f;
    Matrix y;
    linear(x, A, b, y);
    xs.push_back(x);
    ys.push_back(y);
  }
  auto fit = leastSquares(xs, ys, w0, 0.0, true);
  ASSERT_TRUE(fit.has_value());
  ASSERT_EQ(fit->bias.size(), b.size());
  for (size_t i = 0; i < A.data.size(); ++i)
    EXPECT_NEAR(fit->w.data[i], A.data[i], 1e-4);
  for (size_t i = 0; i < b.size(); ++i)
    EXPECT_NEAR(fit->bias[i], b[i], 1e-4);
  EXPECT_LT(fit->error, 1e-6);
  auto plain = leastSquares(xs, ys, w0, 0.0, false);
  ASSERT_TRUE(plain.has_value());
  EXPECT_TRUE(plain->bias.empty());
  EXPECT_GT(plain->error, 1.0);
}

TEST(PruneRefit, BiasCorrectionKeepsTheLowerError) {
  RefModel teacher = randomModel(2, 4, 2);
  PruneOptions o;
  o.spec.ffn = 0.5;
  auto plain = planPruning(teacher, windows(), windows(), o);
  o.biasCorrect = true;
  auto biased = planPruning(teacher, windows(), windows(), o);
  ASSERT_TRUE(plain && biased);
  int biases = 0;
  for (const PlanLayer &p : biased->layers) {
    biases += !p.bo.empty() + !p.bdown.empty();
    if (!p.bdown.empty())
      EXPECT_EQ(static_cast<int64_t>(p.bdown.size()), teacher.dim);
  }
  for (const PlanLayer &p : plain->layers)
    EXPECT_TRUE(p.bo.empty() && p.bdown.empty());
  EXPECT_GT(biases, 0);
  // The student the plan describes computes with the biases.
  RefModel student = applyPlan(teacher, *biased);
  EXPECT_EQ(student.layers[0].bdown, biased->layers[0].bdown);
}

TEST(PruneNorm, ScaleFitMatchesTheTeachersNormalizedInput) {
  // The teacher's input is the student's with channel 1 negated (the RMS
  // unchanged): the fitted scale negates g_1 and leaves the others.
  std::mt19937 rng(3);
  Matrix s = randomMatrix(rng, 20, 4, 1.0), t = s;
  for (int64_t r = 0; r < t.rows; ++r)
    t.row(r)[1] = -t.row(r)[1];
  std::vector<float> g{0.5f, 2.0f, -1.0f, 1.5f};
  auto fit = fitNormScale({s}, {t}, g, 1e-5);
  ASSERT_TRUE(fit.has_value());
  for (size_t k = 0; k < g.size(); ++k)
    EXPECT_NEAR((*fit)[k], k == 1 ? -g[k] : g[k], 1e-5) << k;
  // Inputs that match already: nothing to lower.
  EXPECT_FALSE(fitNormScale({s}, {s}, g, 1e-5).has_value());
}

TEST(PruneNorm, CorrectionRefitsTheScales) {
  RefModel teacher = randomModel(2, 4, 2);
  PruneOptions o;
  o.spec.ffn = 0.5;
  o.normCorrect = true;
  auto plan = planPruning(teacher, windows(), windows(), o);
  ASSERT_TRUE(!!plan);
  ASSERT_TRUE(plan->outputNorm.has_value());
  EXPECT_NE(*plan->outputNorm, teacher.outputNorm);
  EXPECT_EQ(applyPlan(teacher, *plan).outputNorm, *plan->outputNorm);
  // Only FFN channels go: layer 0's attention block sees the teacher's
  // inputs and computes its outputs, nothing to refit; layer 1's input
  // differs.
  EXPECT_FALSE(plan->layers[0].attnNorm.has_value());
  EXPECT_FALSE(plan->layers[0].ffnNorm.has_value());
  EXPECT_TRUE(plan->layers[1].attnNorm.has_value());
}

/// --quantize auto reruns a layer from inside it, after what the changed
/// matrix does not touch: the result is the whole layer's, to the bit.
TEST(ReferenceLayer, FinishingFromAnyPointIsTheWholeLayer) {
  RefModel m = randomModel(1, 4, 2);
  Matrix x;
  embed(m, windows()[0], x);
  LayerTrace before;
  runLayer(m, m.layers[0], x, before);
  std::mt19937 rng(11);
  for (auto [point, which] : {std::pair{LayerPoint::Attention, &RefLayer::wo},
                              {LayerPoint::Mid, &RefLayer::gate},
                              {LayerPoint::Mid, &RefLayer::up},
                              {LayerPoint::Act, &RefLayer::down}}) {
    RefModel changed = m;
    Matrix &w = changed.layers[0].*which;
    w = randomMatrix(rng, w.rows, w.cols, 0.3);
    LayerTrace whole, part = before;
    runLayer(changed, changed.layers[0], x, whole);
    finishLayer(changed, changed.layers[0], point, x, part);
    ASSERT_EQ(whole.out.data, part.out.data) << static_cast<int>(point);
  }
}

/// The reference's work is split over threads by rows and heads; the
/// logits are the same bits on one thread as on several.
TEST(ReferenceLayer, ThreadsDoNotChangeTheResult) {
  RefModel m = randomModel(1, 4, 2,
                           {/*vocab=*/300, /*dim=*/256, /*headDim=*/64,
                            /*hidden=*/384, /*seed=*/5});
  std::mt19937 rng(5);
  std::vector<int32_t> tokens(96);
  for (int32_t &t : tokens)
    t = static_cast<int32_t>(rng() % m.vocab);
  auto run = [&](unsigned threads, double &kl) {
    setWeightWriterThreads(threads);
    Matrix x, lp, uniform(static_cast<int64_t>(tokens.size()), m.vocab);
    embed(m, tokens, x);
    runLayers(m, 0, x, x);
    logProbs(m, x, lp);
    kl = meanKL(lp, uniform);
    setWeightWriterThreads(0);
    return lp.data;
  };
  double kl1, kl4;
  std::vector<float> one = run(1, kl1), four = run(4, kl4);
  EXPECT_EQ(one, four);
  EXPECT_EQ(kl1, kl4);
}
} // namespace
