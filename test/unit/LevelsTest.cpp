//===- LevelsTest.cpp - quantizing to IQ4_NL's non-uniform levels ---------===//
//
// `--quantize iq4_nl`: the quantizer's rounding to the 16 levels, its scale
// search, the blocks it writes (read back by the runtime's decoder), and
// the scheme dsc-quant-apply's policy gives each shape.
//
//===----------------------------------------------------------------------===//

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "weights/Encodings.h"
#include "weights/Layouts.h"
#include "weights/Quantizer.h"

#include "dsc/abi/ggml_decode.h"
#include "dsc/abi/quant_layout.h"

#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::dsc;

namespace {
QTensorType iq4Type(MLIRContext &ctx, int64_t rows, int64_t cols) {
  ctx.loadDialect<DscDialect>();
  return QTensorType::get(&ctx, {rows, cols}, Float32Type::get(&ctx),
                          QuantSchemeAttr::getGGML(&ctx, Encoding::IQ4_NL));
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
  double eRtn = 0, eSearched = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    eRtn += imp[i % cols] * (w[i] - rtn[i]) * (w[i] - rtn[i]);
    eSearched += imp[i % cols] * (w[i] - searched[i]) * (w[i] - searched[i]);
  }
  EXPECT_LT(eSearched, 0.97 * eRtn);
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
