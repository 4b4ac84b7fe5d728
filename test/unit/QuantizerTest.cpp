//===- QuantizerTest.cpp - the weight quantizer ---------------------------===//

#include "weights/Quantizer.h"
#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "weights/Encodings.h"
#include "weights/Layouts.h"

#include "dsc/abi/ggml_decode.h"
#include "dsc/abi/quant_layout.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
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

namespace {
uint32_t bitsOf(float f) {
  uint32_t b;
  memcpy(&b, &f, 4);
  return b;
}
} // namespace

// The vector loop of round to nearest gives the scalar loop's bytes: the
// same values, scale bits (signed zeros included) and zero point, for every
// width, both symmetries, f16 and f32 scales, fixed and own scales, group
// lengths with and without a tail of fewer than 8 or 32 values, and groups
// that hold ties of magnitude, halves, zeros, NaNs, infinities, tiny and
// huge values (the vector loop hands the groups it cannot take to the
// scalar one).
TEST(Quantizer, VectorRoundToNearestMatchesScalar) {
  std::mt19937 rng(11);
  std::normal_distribution<float> nd(0.0f, 0.02f);
  const int64_t lengths[] = {8, 13, 32, 40, 64, 172, 4096};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  int checked = 0;
  for (int64_t n : lengths)
    for (int kind = 0; kind < 12; ++kind) {
      std::vector<float> w(n);
      for (float &v : w)
        v = nd(rng);
      switch (kind) {
      case 1: // a tie of magnitude: the first one's sign decides
        w[n / 4] = 0.25f;
        w[n / 2] = -0.25f;
        break;
      case 2:
        w[n / 4] = -0.25f;
        w[n - 1] = 0.25f;
        break;
      case 3: // all zeros, some negative
        for (int64_t i = 0; i < n; ++i)
          w[i] = i % 3 ? 0.0f : -0.0f;
        break;
      case 4: // values on halves of the grid
        for (int64_t i = 0; i < n; ++i)
          w[i] = (static_cast<int>(i % 15) - 7.5f) * 0.125f;
        break;
      case 5:
        w[n / 3] = nan;
        break;
      case 6:
        w[n - 1] = -inf;
        break;
      case 7: // tiny: scales underflow f16
        for (float &v : w)
          v *= 1e-30f;
        break;
      case 8: // huge: f16 scales overflow
        for (float &v : w)
          v *= 1e36f;
        break;
      case 9: // non-negative (asymmetric ranges from zero)
        for (float &v : w)
          v = std::fabs(v);
        break;
      case 10: // a subnormal largest value (f32 scales: 1/d overflows)
        for (float &v : w)
          v *= 1e-37f;
        break;
      case 11: // one value, the rest zeros
        std::fill(w.begin(), w.end(), 0.0f);
        w[n / 2] = -0.1f;
        break;
      }
      for (unsigned bits : {2u, 3u, 4u, 5u, 6u, 8u})
        for (bool sym : {true, false})
          for (bool f32 : {false, true})
            for (float fixed : {nan, 0.004f, 0.0f}) {
              if (!sym && !std::isnan(fixed))
                continue; // shared scales are symmetric
              std::vector<uint8_t> uv(n, 0xAA), us(n, 0x55);
              float dv = -1, ds = -2;
              uint8_t zv = 1, zs = 2;
              ::dsc::quantizeGroupRTN(w.data(), n, bits, sym, f32, fixed,
                                      uv.data(), &dv, &zv, true);
              ::dsc::quantizeGroupRTN(w.data(), n, bits, sym, f32, fixed,
                                      us.data(), &ds, &zs, false);
              ASSERT_EQ(uv, us)
                  << "n " << n << " kind " << kind << " bits " << bits
                  << " sym " << sym << " f32 " << f32 << " fixed " << fixed;
              ASSERT_EQ(bitsOf(dv), bitsOf(ds))
                  << "n " << n << " kind " << kind << " bits " << bits
                  << " sym " << sym << " f32 " << f32;
              ASSERT_EQ(zv, zs);
              ++checked;
            }
    }
  EXPECT_GT(checked, 1000);
}

//===----------------------------------------------------------------------===//
// Non-uniform levels: `--quantize iq4_nl`'s rounding to the 16 levels, its
// scale search, the blocks the writer stores (read back by the runtime's
// decoder), and the scheme dsc-quant-apply's policy gives each shape.
//===----------------------------------------------------------------------===//

namespace {
QTensorType iq4Type(MLIRContext &ctx, int64_t rows, int64_t cols) {
  ctx.loadDialect<DscDialect>();
  return QTensorType::get(&ctx, {rows, cols}, Float32Type::get(&ctx),
                          QuantSchemeAttr::getGGML(&ctx, Encoding::IQ4_NL));
}

llvm::Expected<::dsc::QuantizedTensor>
quantize(QTensorType t, const std::vector<float> &w, ArrayRef<float> imp = {}) {
  int64_t cols = t.getCols();
  return ::dsc::quantizeRows(
      t, [&](int64_t r, float *out) { std::copy_n(&w[r * cols], cols, out); },
      imp);
}
} // namespace

// Without calibration every value is its group's scale times the level
// nearest it, and the group's largest magnitude maps to the lowest level.
TEST(Levels, RoundToNearestTakesTheNearestLevel) {
  MLIRContext ctx;
  const int64_t rows = 8, cols = 128;
  QTensorType t = iq4Type(ctx, rows, cols);
  std::vector<float> w = randomWeights(rows * cols, 3);
  auto qt = quantize(t, w);
  ASSERT_TRUE(static_cast<bool>(qt));
  ASSERT_TRUE(qt->levels &&
              std::equal(qt->levels, qt->levels + 16, dsc_iq4_levels));
  std::vector<float> deq(w.size());
  ::dsc::dequantize(*qt, deq.data());
  for (int64_t i = 0; i < rows * cols; ++i) {
    float d = qt->scale[i / 32];
    ASSERT_NE(d, 0.0f);
    EXPECT_EQ(deq[i], d * dsc_iq4_levels[qt->u[i]]);
    for (int l = 0; l < 16; ++l)
      EXPECT_LE(std::fabs(w[i] - deq[i]),
                std::fabs(w[i] - d * dsc_iq4_levels[l]) * (1 + 1e-6f))
          << "value " << i << " level " << l;
  }
  // The outlier: -127 times an f16 scale.
  EXPECT_EQ(qt->u[rows * cols / 3], 0);
  EXPECT_NEAR(deq[rows * cols / 3], 0.2f, 1e-4);
  // A group of zeros gives zeros.
  std::vector<float> zeros(4 * 32, 0.0f);
  auto qz = quantize(iq4Type(ctx, 4, 32), zeros);
  ASSERT_TRUE(static_cast<bool>(qz));
  std::vector<float> dz(zeros.size(), 1.0f);
  ::dsc::dequantize(*qz, dz.data());
  EXPECT_EQ(dz, zeros);
}

TEST(Levels, ImportanceSearchNeverLosesToRoundToNearest) {
  MLIRContext ctx;
  const int64_t rows = 8, cols = 64;
  QTensorType t = iq4Type(ctx, rows, cols);
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(0.0f, 4.0f);
  std::vector<float> imp(cols);
  for (float &v : imp)
    v = u(rng) * u(rng);
  std::vector<float> w = randomWeights(rows * cols, 5);
  std::vector<float> rtn = w, searched = w;
  ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, rtn.data())));
  ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, searched.data(), imp)));
  EXPECT_LT(weightedError(w, searched, imp, cols),
            0.97 * weightedError(w, rtn, imp, cols));
}

// The blocks the writer stores decode, with the runtime's decoder, to the
// quantizer's values: 18 bytes per 32 values, d then 16 bytes of nibbles.
TEST(Levels, BlocksDecodeToTheQuantizedValues) {
  MLIRContext ctx;
  const int64_t rows = 4, cols = 96;
  QTensorType t = iq4Type(ctx, rows, cols);
  std::vector<float> w = randomWeights(rows * cols, 9);
  auto qt = quantize(t, w);
  ASSERT_TRUE(static_cast<bool>(qt));
  std::string bytes;
  llvm::raw_string_ostream os(bytes);
  ::dsc::writeIQ4NLBlocks(*qt, os);
  os.flush();
  ASSERT_EQ(bytes.size(), rows * cols / 32 * sizeof(dsc_ggml_block_iq4_nl));
  ASSERT_EQ(bytes.size(), getStorageBytes(t, {}));
  std::vector<float> deq(w.size()), decoded(w.size());
  ::dsc::dequantize(*qt, deq.data());
  for (int64_t r = 0; r < rows; ++r)
    ::dsc::decodeRow(Encoding::IQ4_NL,
                     reinterpret_cast<const uint8_t *>(bytes.data()) +
                         r * (cols / 32) * sizeof(dsc_ggml_block_iq4_nl),
                     cols, &decoded[r * cols]);
  EXPECT_EQ(decoded, deq);
}

TEST(Levels, SpecAndPolicy) {
  MLIRContext ctx;
  ctx.loadDialect<DscDialect>();
  QuantSpec spec;
  std::string why;
  ASSERT_TRUE(succeeded(parseQuantSpec("iq4_nl", spec, &why))) << why;
  EXPECT_EQ(spec.ggml, Encoding::IQ4_NL);
  EXPECT_EQ(spec.bits, 4u);
  // Rows of a multiple of 32 columns: IQ4_NL blocks, whatever the rows.
  QuantSchemeAttr s = chooseQuantScheme(&ctx, spec, 6, 256, 0);
  ASSERT_TRUE(s);
  EXPECT_EQ(s.getBlocks(), Encoding::IQ4_NL);
  // Others: what int4:group=32 gives them (here 8 bits per channel: no
  // group of a multiple of 32 columns divides 172).
  s = chooseQuantScheme(&ctx, spec, 64, 172, 0);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s.isGGML());
  EXPECT_EQ(s.getBits(), 8u);
  EXPECT_FALSE(succeeded(parseQuantSpec("iq4_xs", spec, &why)));
  EXPECT_NE(why.find("iq4_nl"), std::string::npos) << why;
}
