//===- GPTQTest.cpp - error-compensating rounding -------------------------===//
//
// GPTQ against a direct implementation written here from the paper's
// column-by-column formulas (an explicit inverse Hessian, downdated after
// each column), and against round to nearest on correlated inputs.
//
//===----------------------------------------------------------------------===//

#include "weights/GPTQ.h"
#include "Dsc/IR/DscOps.h"
#include "weights/Quantizer.h"

#include "dsc/abi/ggml_decode.h"
#include "dsc/half.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace mlir;
using namespace mlir::dsc;

namespace {
QTensorType qtype(MLIRContext &ctx, int64_t rows, int64_t cols, unsigned bits,
                  Granularity g, int64_t block, bool sym) {
  ctx.loadDialect<DscDialect>();
  auto s =
      QuantSchemeAttr::get(&ctx, bits, g, block, sym, Float16Type::get(&ctx));
  return QTensorType::get(&ctx, {rows, cols}, Float32Type::get(&ctx), s);
}

/// Inputs whose columns are correlated (each a mix of a few factors), as a
/// layer's inputs are: n rows of k columns.
std::vector<float> correlatedInputs(int64_t n, int64_t k, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  const int64_t f = 6;
  std::vector<float> mix(f * k), x(n * k);
  for (float &v : mix)
    v = d(rng);
  for (int64_t r = 0; r < n; ++r) {
    float z[f];
    for (float &v : z)
      v = d(rng);
    for (int64_t c = 0; c < k; ++c) {
      float v = 0.1f * d(rng);
      for (int64_t j = 0; j < f; ++j)
        v += z[j] * mix[j * k + c];
      x[r * k + c] = v * (c % 7 == 0 ? 4.0f : 1.0f);
    }
  }
  return x;
}

std::vector<float> gram(const std::vector<float> &x, int64_t n, int64_t k) {
  std::vector<float> h(k * k, 0.0f);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) {
      double v = 0;
      for (int64_t r = 0; r < n; ++r)
        v += static_cast<double>(x[r * k + i]) * x[r * k + j];
      h[i * k + j] = static_cast<float>(v / n);
    }
  return h;
}

std::vector<float> weights(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> w(n);
  for (float &v : w)
    v = d(rng);
  return w;
}

/// Sum over the inputs x of |(q - w) x|^2.
double outputError(const std::vector<float> &q, const std::vector<float> &w,
                   const std::vector<float> &x, int64_t rows, int64_t cols,
                   int64_t n) {
  double e = 0;
  for (int64_t s = 0; s < n; ++s)
    for (int64_t r = 0; r < rows; ++r) {
      double dot = 0;
      for (int64_t c = 0; c < cols; ++c)
        dot += (q[r * cols + c] - w[r * cols + c]) * x[s * cols + c];
      e += dot * dot;
    }
  return e;
}

/// The direct GPTQ (the optimal brain quantizer's update): for each row,
/// with Hinv = (H + 0.01 diag H)^-1 in double, column j is rounded, the
/// error e = (w_j - q_j) / Hinv_jj moves every later w_k by -e Hinv_jk, and
/// j is eliminated from Hinv (Hinv -= Hinv_:j Hinv_j: / Hinv_jj). Symmetric
/// round-to-nearest grids only: a group's scale maps its value of largest
/// magnitude (when the group is reached) to -2^(bits-1) (4 bits) or 127
/// (8 bits), rounded to f16. With `levels` (16 ascending, IQ4_NL's) the
/// scale maps it to levels[0] and each value goes to the nearest level.
std::vector<float> directGPTQ(const std::vector<float> &w0,
                              const std::vector<float> &hf, int64_t rows,
                              int64_t cols, int64_t group, unsigned bits,
                              const int8_t *levels = nullptr) {
  int64_t k = cols;
  std::vector<double> h(k * k);
  for (int64_t i = 0; i < k * k; ++i)
    h[i] = hf[i];
  for (int64_t i = 0; i < k; ++i)
    h[i * k + i] *= 1.01;
  // Gauss-Jordan inverse.
  std::vector<double> inv(k * k, 0.0);
  for (int64_t i = 0; i < k; ++i)
    inv[i * k + i] = 1;
  for (int64_t c = 0; c < k; ++c) {
    double p = h[c * k + c];
    for (int64_t j = 0; j < k; ++j) {
      h[c * k + j] /= p;
      inv[c * k + j] /= p;
    }
    for (int64_t r = 0; r < k; ++r) {
      if (r == c)
        continue;
      double f = h[r * k + c];
      for (int64_t j = 0; j < k; ++j) {
        h[r * k + j] -= f * h[c * k + j];
        inv[r * k + j] -= f * inv[c * k + j];
      }
    }
  }
  std::vector<float> out(w0.size());
  int lo = bits == 8 ? -127 : -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> w(w0.begin() + r * k, w0.begin() + (r + 1) * k);
    std::vector<double> hinv = inv;
    float d = 0;
    for (int64_t j = 0; j < k; ++j) {
      if (j % group == 0) {
        float m = 0;
        for (int64_t c = j; c < j + group; ++c)
          if (std::fabs(static_cast<float>(w[c])) > std::fabs(m))
            m = static_cast<float>(w[c]);
        d = levels      ? m / static_cast<float>(levels[0])
            : bits == 8 ? std::fabs(m) / 127.0f
                        : m / static_cast<float>(lo);
        d = dsc_f16_to_f32(dsc_f32_to_f16(d));
      }
      float inv_d = d != 0 ? 1.0f / d : 0.0f;
      float q;
      if (levels) {
        // The nearest level by a linear scan (ties to the lower one).
        float x = static_cast<float>(w[j]) * inv_d;
        int best = 0;
        for (int l = 1; l < 16; ++l)
          if (std::fabs(x - levels[l]) < std::fabs(x - levels[best]))
            best = l;
        q = levels[best];
      } else {
        q = std::nearbyint(static_cast<float>(w[j]) * inv_d);
        q = std::min(std::max(q, static_cast<float>(lo)),
                     static_cast<float>(hi));
      }
      out[r * k + j] = q * d;
      double e = (w[j] - q * d) / hinv[j * k + j];
      for (int64_t c = j + 1; c < k; ++c)
        w[c] -= e * hinv[j * k + c];
      for (int64_t a = j + 1; a < k; ++a)
        for (int64_t b = j + 1; b < k; ++b)
          hinv[a * k + b] -=
              hinv[a * k + j] * hinv[j * k + b] / hinv[j * k + j];
    }
  }
  return out;
}
} // namespace

TEST(GPTQ, FactorIsTheCholeskyFactorOfTheDampenedInverse) {
  const int64_t k = 24, n = 200;
  std::vector<float> h = gram(correlatedInputs(n, k, 3), n, k);
  auto u = ::dsc::gptqFactor(h, k);
  ASSERT_TRUE(static_cast<bool>(u)) << llvm::toString(u.takeError());
  // U^T U (H + 0.01 diag H) = I.
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) {
      double v = 0;
      for (int64_t m = 0; m < k; ++m) {
        double uu = 0; // (U^T U)_im
        for (int64_t l = 0; l <= std::min(i, m); ++l)
          uu += (*u)[l * k + i] * (*u)[l * k + m];
        v += uu * (h[m * k + j] * (m == j ? 1.01 : 1.0));
      }
      EXPECT_NEAR(v, i == j ? 1.0 : 0.0, 2e-3) << i << "," << j;
    }
  for (int64_t i = 1; i < k; ++i)
    EXPECT_EQ((*u)[i * k + 0], 0.0f); // upper triangular
}

TEST(GPTQ, MatchesTheDirectColumnByColumnAlgorithm) {
  MLIRContext ctx;
  const int64_t rows = 8, cols = 64, n = 300;
  std::vector<float> h = gram(correlatedInputs(n, cols, 5), n, cols);
  auto u = ::dsc::gptqFactor(h, cols);
  ASSERT_TRUE(static_cast<bool>(u));
  struct {
    unsigned bits;
    Granularity g;
    int64_t group;
  } cases[] = {{4, Granularity::Group, 32},
               {4, Granularity::Channel, cols},
               {8, Granularity::Channel, cols}};
  for (auto c : cases) {
    QTensorType t = qtype(ctx, rows, cols, c.bits, c.g,
                          c.g == Granularity::Group ? c.group : 0, true);
    std::vector<float> w = weights(rows * cols, 11), q = w;
    ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, q.data(), {}, *u)));
    std::vector<float> ref = directGPTQ(w, h, rows, cols, c.group, c.bits);
    int differ = 0;
    for (size_t i = 0; i < q.size(); ++i)
      differ += q[i] != ref[i];
    EXPECT_EQ(differ, 0) << "bits " << c.bits << " group " << c.group;
  }
}

// IQ4_NL's non-uniform levels: the same algorithm, values rounded to the
// nearest level.
TEST(GPTQ, MatchesTheDirectAlgorithmOnNonUniformLevels) {
  MLIRContext ctx;
  ctx.loadDialect<DscDialect>();
  const int64_t rows = 8, cols = 64, n = 300;
  std::vector<float> h = gram(correlatedInputs(n, cols, 5), n, cols);
  auto u = ::dsc::gptqFactor(h, cols);
  ASSERT_TRUE(static_cast<bool>(u));
  QTensorType t =
      QTensorType::get(&ctx, {rows, cols}, Float32Type::get(&ctx),
                       QuantSchemeAttr::getGGML(&ctx, Encoding::IQ4_NL));
  std::vector<float> w = weights(rows * cols, 11), q = w;
  ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, q.data(), {}, *u)));
  std::vector<float> ref = directGPTQ(w, h, rows, cols, 32, 4, dsc_iq4_levels);
  int differ = 0;
  for (size_t i = 0; i < q.size(); ++i)
    differ += q[i] != ref[i];
  EXPECT_EQ(differ, 0);
  // And it lowers the output error of rounding to the nearest level, with
  // and without the scales' search.
  std::vector<float> x = correlatedInputs(n, cols, 5);
  std::vector<float> imp(cols);
  for (int64_t c = 0; c < cols; ++c)
    imp[c] = h[c * cols + c];
  for (bool searched : {false, true}) {
    llvm::ArrayRef<float> i =
        searched ? llvm::ArrayRef<float>(imp) : llvm::ArrayRef<float>();
    std::vector<float> rtn = w, gptq = w;
    ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, rtn.data(), i)));
    ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, gptq.data(), i, *u)));
    EXPECT_LT(outputError(gptq, w, x, rows, cols, n),
              0.8 * outputError(rtn, w, x, rows, cols, n))
        << (searched ? "searched" : "");
  }
}

TEST(GPTQ, LowersTheOutputErrorOfRoundToNearest) {
  MLIRContext ctx;
  const int64_t rows = 16, cols = 128, n = 400;
  std::vector<float> x = correlatedInputs(n, cols, 9);
  std::vector<float> h = gram(x, n, cols);
  auto u = ::dsc::gptqFactor(h, cols);
  ASSERT_TRUE(static_cast<bool>(u));
  std::vector<float> imp(cols);
  for (int64_t c = 0; c < cols; ++c)
    imp[c] = h[c * cols + c];
  struct {
    unsigned bits;
    Granularity g;
    int64_t block;
    bool sym;
  } cases[] = {
      {4, Granularity::Group, 32, true},  {4, Granularity::Group, 32, false},
      {4, Granularity::Channel, 0, true}, {4, Granularity::Tensor, 0, true},
      {4, Granularity::Head, 8, true},    {8, Granularity::Channel, 0, true},
      {8, Granularity::Group, 32, false}};
  for (auto c : cases) {
    QTensorType t = qtype(ctx, rows, cols, c.bits, c.g, c.block, c.sym);
    std::vector<float> w = weights(rows * cols, 17);
    for (bool searched : {false, true}) {
      llvm::ArrayRef<float> i =
          searched ? llvm::ArrayRef<float>(imp) : llvm::ArrayRef<float>();
      std::vector<float> rtn = w, gptq = w;
      ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, rtn.data(), i)));
      ASSERT_FALSE(
          static_cast<bool>(::dsc::fakeQuantize(t, gptq.data(), i, *u)));
      double eRtn = outputError(rtn, w, x, rows, cols, n);
      double eGptq = outputError(gptq, w, x, rows, cols, n);
      // Correlated inputs leave GPTQ much to compensate.
      EXPECT_LT(eGptq, 0.8 * eRtn)
          << "bits " << c.bits << " granularity " << static_cast<int>(c.g)
          << (c.sym ? "" : " asym") << (searched ? " searched" : "");
    }
  }
}

// One scale per row: columns are rounded from the largest input mean square
// to the smallest ("act order"), i.e. as natural-order GPTQ rounds the same
// problem with its columns sorted so. Both go through reorderGPTQFactor
// (the sorted one with the identity order), whose float factors can differ
// in their last bits, so a few values may round the other way.
TEST(GPTQ, RoundsOneScalePerRowFromTheLargestInputsDown) {
  MLIRContext ctx;
  const int64_t rows = 8, cols = 64, n = 300;
  std::vector<float> h = gram(correlatedInputs(n, cols, 5), n, cols);
  std::vector<float> imp(cols);
  for (int64_t c = 0; c < cols; ++c)
    imp[c] = h[c * cols + c];
  std::vector<int64_t> order(cols);
  for (int64_t c = 0; c < cols; ++c)
    order[c] = c;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return imp[a] > imp[b]; });
  ASSERT_NE(order[0], 0); // the order is not the identity
  std::vector<float> hs(cols * cols), imps(cols);
  for (int64_t i = 0; i < cols; ++i) {
    imps[i] = imp[order[i]];
    for (int64_t j = 0; j < cols; ++j)
      hs[i * cols + j] = h[order[i] * cols + order[j]];
  }
  auto u = ::dsc::gptqFactor(h, cols);
  auto us = ::dsc::gptqFactor(hs, cols);
  ASSERT_TRUE(static_cast<bool>(u) && static_cast<bool>(us));
  for (unsigned bits : {8u, 4u}) {
    QTensorType t = qtype(ctx, rows, cols, bits, Granularity::Channel, 0, true);
    std::vector<float> w = weights(rows * cols, 11), q = w, qs(w.size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < cols; ++i)
        qs[r * cols + i] = w[r * cols + order[i]];
    ASSERT_FALSE(static_cast<bool>(::dsc::fakeQuantize(t, q.data(), imp, *u)));
    ASSERT_FALSE(
        static_cast<bool>(::dsc::fakeQuantize(t, qs.data(), imps, *us)));
    int differ = 0;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t i = 0; i < cols; ++i)
        differ += q[r * cols + order[i]] != qs[r * cols + i];
    EXPECT_LE(differ, rows * cols / 100) << "bits " << bits;
  }
}

TEST(GPTQ, RejectsAFactorOfTheWrongSize) {
  MLIRContext ctx;
  QTensorType t = qtype(ctx, 4, 64, 8, Granularity::Channel, 0, true);
  std::vector<float> w(4 * 64, 1.0f), u(10, 1.0f);
  llvm::Error e = ::dsc::fakeQuantize(t, w.data(), {}, u);
  ASSERT_TRUE(static_cast<bool>(e));
  EXPECT_EQ(llvm::toString(std::move(e)),
            "GPTQ factor has 10 values for 64 columns");
  auto f = ::dsc::gptqFactor(std::vector<float>(9, 1.0f), 4);
  ASSERT_FALSE(static_cast<bool>(f));
  EXPECT_EQ(llvm::toString(f.takeError()),
            "Hessian has 9 entries for 4 columns");
}
