//===- RowInterleavedTest.cpp - int4 in row-interleaved 16x32 blocks ------===//
//
// The writer puts each value and scale where quant_layout.h says; the
// portable kernel matches a double-precision product; the AVX2 kernel
// (decoding loop and prompt GEMM) matches the 4-row tiles' kernel on the
// same weights, both taking the same int8 activations.
//
//===----------------------------------------------------------------------===//

#include "weights/Layouts.h"
#include "weights/Quantizer.h"

#include "dsc/abi/quant_layout.h"
#include "dsc/half.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

extern "C" {
void generic_linear_q4_r16(const float *, const uint8_t *, float *, int64_t,
                           int64_t, int64_t);
void avx2_linear_q4_r16(const float *, const uint8_t *, float *, int64_t,
                        int64_t, int64_t);
void avx2_linear_q4_t4(const float *, const uint8_t *, float *, int64_t,
                       int64_t, int64_t, int64_t, int64_t);
void avxvnni_linear_q4_r16(const float *, const uint8_t *, float *, int64_t,
                           int64_t, int64_t);
void avxvnni_linear_q4_t4(const float *, const uint8_t *, float *, int64_t,
                          int64_t, int64_t, int64_t, int64_t);
void avx512_vnni_linear_q4_r16(const float *, const uint8_t *, float *, int64_t,
                               int64_t, int64_t);
void avx512_vnni_linear_q4_t4(const float *, const uint8_t *, float *, int64_t,
                              int64_t, int64_t, int64_t, int64_t);
}

namespace {
/// A random int4:group=32 weight: stored values 0..15 (q + 8), f16-exact
/// scales.
::dsc::QuantizedTensor randomWeight(int64_t rows, int64_t cols,
                                    std::mt19937 &rng) {
  ::dsc::QuantizedTensor qt;
  qt.rows = rows;
  qt.cols = cols;
  qt.group = 32;
  qt.bits = 4;
  qt.u.resize(rows * cols);
  std::uniform_int_distribution<int> u(0, 15);
  for (uint8_t &v : qt.u)
    v = static_cast<uint8_t>(u(rng));
  std::uniform_real_distribution<float> d(0.001f, 0.05f);
  qt.scale.resize(rows * (cols / 32));
  for (float &s : qt.scale)
    s = dsc_f16_to_f32(dsc_f32_to_f16(d(rng)));
  return qt;
}

std::vector<uint8_t> write(const ::dsc::QuantizedTensor &qt, int64_t tileRows) {
  std::string s;
  llvm::raw_string_ostream os(s);
  ::dsc::writeTiledQuantized(qt, tileRows, os);
  os.flush();
  return std::vector<uint8_t>(s.begin(), s.end());
}

/// y = x W^T in double from the tensor's values and scales.
std::vector<double> reference(const ::dsc::QuantizedTensor &qt,
                              const std::vector<float> &x, int64_t S) {
  std::vector<double> y(S * qt.rows);
  int64_t K = qt.cols, groups = K / 32;
  for (int64_t s = 0; s < S; ++s)
    for (int64_t n = 0; n < qt.rows; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k)
        acc += static_cast<double>(x[s * K + k]) *
               (static_cast<int>(qt.u[n * K + k]) - 8) *
               qt.scale[n * groups + k / 32];
      y[s * qt.rows + n] = acc;
    }
  return y;
}

bool hostHasAVX2() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c");
}

bool hostHasAVXVNNI() {
  return hostHasAVX2() && __builtin_cpu_supports("avxvnni");
}

bool hostHasAVX512VNNI() {
  return hostHasAVX2() && __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512vnni");
}

using R16Kernel = void (*)(const float *, const uint8_t *, float *, int64_t,
                           int64_t, int64_t);
using TileKernel = void (*)(const float *, const uint8_t *, float *, int64_t,
                            int64_t, int64_t, int64_t, int64_t);

/// An ISA's kernel over the blocks against its own 4-row tiles' kernel on
/// the same weights, and both against the exact product. Decoding (S < 4)
/// and prompts (S >= 4, the GEMM with panels packed from the blocks),
/// shapes with an odd number of 32-column groups and N not a multiple of
/// the GEMM's 32 columns, on one and on the pool's threads.
void checkMatchesTiles(R16Kernel r16, TileKernel tiles) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  for (auto [S, K, N] : {std::tuple<int64_t, int64_t, int64_t>{1, 64, 16},
                         {1, 96, 48},
                         {2, 2048, 256},
                         {3, 160, 32},
                         {4, 96, 48},
                         {7, 2048, 80},
                         {13, 256, 512},
                         {4, 32, 16}, // one group: the GEMM's per-channel path
                         {5, 32, 32},
                         {1, 32, 16},  // one group: no pair of blocks
                         {2, 224, 64}, // an odd number of groups
                         {1, 5632, 2048}}) {
    ::dsc::QuantizedTensor qt = randomWeight(N, K, rng);
    std::vector<uint8_t> w16 = write(qt, DSC_QR16_ROWS), w4 = write(qt, 4);
    std::vector<float> x(S * K), y16(S * N, -1.0f), y4(S * N, -2.0f);
    for (float &v : x)
      v = nd(rng);
    r16(x.data(), w16.data(), y16.data(), S, K, N);
    tiles(x.data(), w4.data(), y4.data(), S, K, N, 32, 0);
    std::vector<double> want = reference(qt, x, S);
    double norm = 0;
    for (double v : want)
      norm = std::max(norm, std::fabs(v));
    for (int64_t i = 0; i < S * N; ++i) {
      // The same int8 activations and integer sums: float rounding apart.
      ASSERT_NEAR(y16[i], y4[i], 2e-5 * (1 + norm))
          << "S " << S << " K " << K << " N " << N << " output " << i;
      // And both near the exact product (activations rounded to int8).
      ASSERT_NEAR(y16[i], want[i], 0.02 * norm)
          << "S " << S << " K " << K << " N " << N << " output " << i;
    }
  }
}

/// Every stored value at 15 (q = 7) or 0 (q = -8) and activations at their
/// block's maximum: the largest sums the loops keep (AVX2's int16 sums,
/// 8 * 2 * 15 * 127 per row and block; AVX-512's high nibbles, 16 times
/// their values), and the -8 offset in the integer sum. Exact.
void checkExtremes(R16Kernel r16) {
  const int64_t K = 512, N = 32;
  for (uint8_t u : {uint8_t(15), uint8_t(0)}) {
    ::dsc::QuantizedTensor qt;
    qt.rows = N;
    qt.cols = K;
    qt.group = 32;
    qt.bits = 4;
    qt.u.assign(N * K, u);
    qt.scale.assign(N * (K / 32), 1.0f);
    std::vector<uint8_t> w = write(qt, DSC_QR16_ROWS);
    for (float sign : {1.0f, -1.0f}) {
      std::vector<float> x(K, 3.0f * sign), y(N, 0.0f);
      r16(x.data(), w.data(), y.data(), 1, K, N);
      for (int64_t n = 0; n < N; ++n)
        EXPECT_NEAR(y[n], (u - 8.0f) * 3.0f * sign * K, 1e-3f)
            << "value " << int(u) << " output " << n;
    }
  }
  // Columns 8v..8v+3 (low nibbles) at 15 and 8v+4..8v+7 (high) at 0, rows
  // scaled by their index + 1 (each half of the block's scales in place),
  // and activations 2 on the low columns, -0.5 on the high: a loop that
  // takes one nibble's activations for the other's, or the other half's
  // scales, is off by far more than rounding. The int8 activations are 127
  // and -32 (-31.75 rounded) with scale 2 / 127, so per 8 columns the
  // integer sum is 7 * 127 * 4 + (-8) * (-32) * 4 = 4580.
  ::dsc::QuantizedTensor qt;
  qt.rows = N;
  qt.cols = K;
  qt.group = 32;
  qt.bits = 4;
  qt.u.resize(N * K);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k)
      qt.u[n * K + k] = k % 8 < 4 ? 15 : 0;
  qt.scale.resize(N * (K / 32));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < K / 32; ++g)
      qt.scale[n * (K / 32) + g] = static_cast<float>(n + 1);
  std::vector<uint8_t> w = write(qt, DSC_QR16_ROWS);
  std::vector<float> x(K), y(N, 0.0f);
  for (int64_t k = 0; k < K; ++k)
    x[k] = k % 8 < 4 ? 2.0f : -0.5f;
  r16(x.data(), w.data(), y.data(), 1, K, N);
  for (int64_t n = 0; n < N; ++n) {
    double want = (n + 1) * 4580.0 * (K / 8) * (2.0 / 127.0);
    EXPECT_NEAR(y[n], want, 1e-5 * want) << "mixed nibbles, output " << n;
  }
}
} // namespace

TEST(RowInterleaved, WriterPlacesValuesAndScales) {
  std::mt19937 rng(1);
  ::dsc::QuantizedTensor qt = randomWeight(48, 96, rng);
  std::vector<uint8_t> bytes = write(qt, DSC_QR16_ROWS);
  // The same bytes as 4-row tiles.
  ASSERT_EQ(bytes.size(), write(qt, 4).size());
  ASSERT_EQ(bytes.size(), 48u / 16 * (96 / 32) * DSC_QR16_BLOCK_BYTES);
  int64_t groups = 96 / 32;
  for (int64_t n = 0; n < 48; ++n)
    for (int64_t g = 0; g < groups; ++g) {
      const uint8_t *blk =
          bytes.data() + ((n / 16) * groups + g) * DSC_QR16_BLOCK_BYTES;
      unsigned r = n % 16;
      uint16_t h = static_cast<uint16_t>(blk[2 * r] | (blk[2 * r + 1] << 8));
      EXPECT_EQ(dsc_f16_to_f32(h), qt.scale[n * groups + g]);
      for (unsigned c = 0; c < 32; ++c)
        ASSERT_EQ(dsc_qr16_value(blk, r, c), qt.u[n * 96 + g * 32 + c])
            << "row " << n << " column " << g * 32 + c;
    }
  // quant_layout.h's words, spelled out: byte 4r + j of vector v holds
  // column 8v + j (low nibble) and 8v + 4 + j (high) of row r.
  EXPECT_EQ(dsc_qr16_byte(0, 0), 32u);
  EXPECT_EQ(dsc_qr16_nibble(0), 0u);
  EXPECT_EQ(dsc_qr16_byte(0, 4), 32u);
  EXPECT_EQ(dsc_qr16_nibble(4), 1u);
  EXPECT_EQ(dsc_qr16_byte(1, 0), 36u);
  EXPECT_EQ(dsc_qr16_byte(3, 9), 32u + 64 + 12 + 1);
  EXPECT_EQ(dsc_qr16_nibble(9), 0u);
  EXPECT_EQ(dsc_qr16_byte(3, 13), 32u + 64 + 12 + 1);
  EXPECT_EQ(dsc_qr16_nibble(13), 1u);
  EXPECT_EQ(dsc_qr16_byte(15, 31), 287u);
  {
    const uint8_t *blk = bytes.data(); // rows 0-15, columns 0-31
    EXPECT_EQ(blk[36] & 15, qt.u[1 * 96 + 0]);
    EXPECT_EQ(blk[36] >> 4, qt.u[1 * 96 + 4]);
    EXPECT_EQ(blk[287] >> 4, qt.u[15 * 96 + 31]);
  }
  // Every nibble of a block is one value's: 16 x 32 positions, no two alike.
  std::vector<int> seen(DSC_QR16_BLOCK_BYTES * 2, 0);
  for (unsigned r = 0; r < 16; ++r)
    for (unsigned c = 0; c < 32; ++c)
      ++seen[2 * dsc_qr16_byte(r, c) + dsc_qr16_nibble(c)];
  for (unsigned i = 2 * DSC_QR16_VALUES_OFFSET; i < seen.size(); ++i)
    EXPECT_EQ(seen[i], 1) << "nibble " << i;
}

TEST(RowInterleaved, PortableKernelMatchesReference) {
  std::mt19937 rng(2);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  for (auto [S, K, N] : {std::tuple<int64_t, int64_t, int64_t>{1, 64, 16},
                         {3, 96, 48},
                         {5, 2048, 64}}) {
    ::dsc::QuantizedTensor qt = randomWeight(N, K, rng);
    std::vector<uint8_t> w = write(qt, DSC_QR16_ROWS);
    std::vector<float> x(S * K), y(S * N, -1.0f);
    for (float &v : x)
      v = nd(rng);
    generic_linear_q4_r16(x.data(), w.data(), y.data(), S, K, N);
    std::vector<double> want = reference(qt, x, S);
    for (int64_t i = 0; i < S * N; ++i)
      ASSERT_NEAR(y[i], want[i], 1e-4 * (1 + std::fabs(want[i])))
          << "S " << S << " K " << K << " N " << N << " output " << i;
  }
}

TEST(RowInterleaved, AVX2MatchesTiles) {
  if (!hostHasAVX2())
    GTEST_SKIP() << "the host has no AVX2";
  checkMatchesTiles(avx2_linear_q4_r16, avx2_linear_q4_t4);
}

TEST(RowInterleaved, AVX2DecodeAtExtremes) {
  if (!hostHasAVX2())
    GTEST_SKIP() << "the host has no AVX2";
  checkExtremes(avx2_linear_q4_r16);
}

TEST(RowInterleaved, AVXVNNIMatchesTiles) {
  if (!hostHasAVXVNNI())
    GTEST_SKIP() << "the host has no AVX-VNNI";
  checkMatchesTiles(avxvnni_linear_q4_r16, avxvnni_linear_q4_t4);
}

TEST(RowInterleaved, AVXVNNIDecodeAtExtremes) {
  if (!hostHasAVXVNNI())
    GTEST_SKIP() << "the host has no AVX-VNNI";
  checkExtremes(avxvnni_linear_q4_r16);
}

TEST(RowInterleaved, AVX512VNNIMatchesTiles) {
  if (!hostHasAVX512VNNI())
    GTEST_SKIP() << "the host has no AVX-512 VNNI";
  checkMatchesTiles(avx512_vnni_linear_q4_r16, avx512_vnni_linear_q4_t4);
}

TEST(RowInterleaved, AVX512VNNIDecodeAtExtremes) {
  if (!hostHasAVX512VNNI())
    GTEST_SKIP() << "the host has no AVX-512 VNNI";
  checkExtremes(avx512_vnni_linear_q4_r16);
}
