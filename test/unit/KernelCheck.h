//===- KernelCheck.h - what the kernel tests share ---------------*- C++
//-*-===//
//
// The quantized kernels' tests (KernelTest, QuantWidthsTest, SuperBlockTest,
// GGMLDecodeTest) compare an ISA kernel with the portable one on the same
// inputs: activations drawn alike, rounded as the integer kernels round them
// (qact_avx2.h), and outputs held to their row's magnitude.
//
//===----------------------------------------------------------------------===//
#ifndef DSC_TEST_UNIT_KERNELCHECK_H
#define DSC_TEST_UNIT_KERNELCHECK_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace dsc::test {

/// `n` activations: normal, one in 16 twenty times larger (blocks with an
/// outlier, whose int8 rounding is coarse).
inline std::vector<float> randomActivations(size_t n, std::mt19937 &rng) {
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float &v : x)
    v = nd(rng) * (rng() % 16 == 0 ? 20.0f : 1.0f);
  return x;
}

/// x with its values rounded as the integer kernels round them: int8 per 32
/// with scale amax / 127.
inline std::vector<float> roundLikeKernels(const std::vector<float> &x) {
  std::vector<float> out(x.size());
  for (size_t b = 0; b < x.size() / 32; ++b) {
    float amax = 0;
    for (int i = 0; i < 32; ++i)
      amax = std::max(amax, std::fabs(x[b * 32 + i]));
    float inv = amax > 0 ? 127.0f / amax : 0.0f, d = amax / 127.0f;
    for (int i = 0; i < 32; ++i)
      out[b * 32 + i] = std::nearbyint(x[b * 32 + i] * inv) * d;
  }
  return out;
}

/// y against ref, S rows of N outputs: each within 1e-5 of its row's
/// largest |ref| (plus 1e-6). The first output that is not names its row.
inline ::testing::AssertionResult nearRowScaled(const std::vector<float> &y,
                                                const std::vector<float> &ref,
                                                int64_t S, int64_t N) {
  for (int64_t s = 0; s < S; ++s) {
    float m = 0;
    for (int64_t n = 0; n < N; ++n)
      m = std::max(m, std::fabs(ref[s * N + n]));
    for (int64_t n = 0; n < N; ++n)
      if (!(std::fabs(y[s * N + n] - ref[s * N + n]) <= 1e-5f * m + 1e-6f))
        return ::testing::AssertionFailure()
               << "at row " << s << ", output " << n << ": " << y[s * N + n]
               << " against " << ref[s * N + n] << " (row max " << m << ")";
  }
  return ::testing::AssertionSuccess();
}

} // namespace dsc::test

#endif
