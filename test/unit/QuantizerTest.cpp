//===- QuantizerTest.cpp - the weight quantizer ---------------------------===//

#include "Dsc/IR/DscOps.h"
#include "weights/Quantizer.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::dsc;

namespace {
QTensorType qtype(MLIRContext &ctx, int64_t rows, int64_t cols, unsigned bits,
                  Granularity g, int64_t block, bool sym) {
  ctx.loadDialect<DscDialect>();
  auto s = QuantSchemeAttr::get(&ctx, bits, g, block, sym,
                                Float16Type::get(&ctx));
  return QTensorType::get(&ctx, {rows, cols}, Float32Type::get(&ctx), s);
}

std::vector<float> randomWeights(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> w(n);
  for (float &v : w)
    v = d(rng);
  w[n / 3] = 0.2f; // an outlier
  return w;
}

double weightedError(const std::vector<float> &a, const std::vector<float> &b,
                     const std::vector<float> &imp, int64_t cols) {
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i)
    e += imp[i % cols] * (a[i] - b[i]) * (a[i] - b[i]);
  return e;
}

struct Scheme {
  unsigned bits;
  Granularity g;
  int64_t block;
  bool sym;
};
} // namespace

TEST(Quantizer, FakeQuantizeIsDequantizedQuantize) {
  MLIRContext ctx;
  QTensorType t = qtype(ctx, 8, 64, 4, Granularity::Group, 32, true);
  std::vector<float> w = randomWeights(8 * 64, 1), fake = w;
  auto qt = ::dsc::quantizeRows(t, [&](int64_t r, float *out) {
    std::copy_n(&w[r * 64], 64, out);
  });
  ASSERT_TRUE(static_cast<bool>(qt));
  std::vector<float> deq(w.size());
  ::dsc::dequantize(*qt, deq.data());
  ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, fake.data())));
  EXPECT_EQ(fake, deq);
  // 4-bit symmetric values map the largest magnitude to -8 exactly.
  EXPECT_NEAR(deq[64 * 8 / 3], 0.2f, 1e-4); // the f16 scale rounds
}

TEST(Quantizer, ImportanceSearchNeverLosesToRoundToNearest) {
  MLIRContext ctx;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 4.0f);
  const Scheme schemes[] = {{4, Granularity::Group, 32, true},
                            {4, Granularity::Group, 32, false},
                            {8, Granularity::Channel, 0, true},
                            {4, Granularity::Channel, 0, true},
                            {4, Granularity::Tensor, 0, true},
                            {4, Granularity::Head, 4, true},
                            {8, Granularity::Tensor, 0, true}};
  for (const Scheme &s : schemes) {
    QTensorType t = qtype(ctx, 8, 64, s.bits, s.g, s.block, s.sym);
    std::vector<float> w = randomWeights(8 * 64, s.bits + s.block);
    std::vector<float> imp(64);
    for (float &v : imp)
      v = u(rng) * u(rng);
    std::vector<float> rtn = w, searched = w;
    ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, rtn.data())));
    ASSERT_FALSE(
        static_cast<bool>(::dsc::fakeQuantize(t, searched.data(), imp)));
    double eRtn = weightedError(w, rtn, imp, 64);
    double eSearched = weightedError(w, searched, imp, 64);
    EXPECT_LE(eSearched, eRtn) << "bits " << s.bits << " granularity "
                               << static_cast<int>(s.g);
    // On these weights (an outlier, varied importance) it helps.
    EXPECT_LT(eSearched, 0.97 * eRtn) << "bits " << s.bits << " granularity "
                                      << static_cast<int>(s.g);
  }
}

TEST(Quantizer, RejectsImportanceOfTheWrongLength) {
  MLIRContext ctx;
  QTensorType t = qtype(ctx, 4, 64, 8, Granularity::Channel, 0, true);
  std::vector<float> w(4 * 64, 1.0f), imp(32, 1.0f);
  llvm::Error e = ::dsc::fakeQuantize(t, w.data(), imp);
  ASSERT_TRUE(static_cast<bool>(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "importance has 32 values for 64 columns");
}
