//===- KernelTest.cpp - x86 quantized kernels against the portable one ----===//
//
// The integer kernels quantize activations to int8 per 32 values; the
// portable kernel, given those dequantized activations, computes the same
// sums in float. Each ISA's kernel runs where the host supports it.
//
//===----------------------------------------------------------------------===//

#include "dsc/half.h"
#include "dsc/parallel.h"
#include "dsc/abi/quant_layout.h"

#include "KernelCheck.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

using ::dsc::test::nearRowScaled;
using ::dsc::test::randomActivations;
using ::dsc::test::roundLikeKernels;

using KernelFn = void (*)(const float *, const uint8_t *, float *, int64_t,
                          int64_t, int64_t, int64_t, int64_t);

extern "C" {
void avx2_linear_q4_t4(const float *, const uint8_t *, float *, int64_t,
                       int64_t, int64_t, int64_t, int64_t);
void avx2_linear_q8_t4(const float *, const uint8_t *, float *, int64_t,
                       int64_t, int64_t, int64_t, int64_t);
void avx512_vnni_linear_q4_t4(const float *, const uint8_t *, float *,
                              int64_t, int64_t, int64_t, int64_t, int64_t);
void avx512_vnni_linear_q8_t4(const float *, const uint8_t *, float *,
                              int64_t, int64_t, int64_t, int64_t, int64_t);
int avx2_gemm_q_t4(const float *, const uint8_t *, float *, int64_t, int64_t,
                   int64_t, int64_t, int64_t, int64_t);
// The AVX2 sources built with AVX-VNNI (x86_64-avxvnni's kernels).
void avxvnni_linear_q4_t4(const float *, const uint8_t *, float *, int64_t,
                          int64_t, int64_t, int64_t, int64_t);
void avxvnni_linear_q8_t4(const float *, const uint8_t *, float *, int64_t,
                          int64_t, int64_t, int64_t, int64_t);
int avxvnni_gemm_q_t4(const float *, const uint8_t *, float *, int64_t, int64_t,
                      int64_t, int64_t, int64_t, int64_t);
int avx512_vnni_gemm_q_t4(const float *, const uint8_t *, float *, int64_t,
                          int64_t, int64_t, int64_t, int64_t, int64_t);
void avx512_gemm_f_t4x16(const float *, const void *, float *, int64_t,
                         int64_t, int64_t, int64_t);
void avx2_gemm_f_t4x16(const float *, const void *, float *, int64_t, int64_t,
                       int64_t, int64_t);
void avx512_gemm_f_t4x16_bf16(const float *, const void *, float *, int64_t,
                              int64_t, int64_t, int64_t);
void generic_attention(const float *q, float *out, const float *cache,
                       int64_t layer, int64_t S, int64_t pos, int64_t ctx,
                       int64_t n_layers, int64_t H, int64_t KV, int64_t D,
                       float scale, int64_t window);
void dsc_linear_qf_t4_portable(const float *, const uint8_t *, float *, int64_t,
                         int64_t, int64_t, int64_t, int64_t, int64_t);
}

namespace {
struct Case {
  int64_t S, K, N, G;
  int bits, flags;
};

/// Random tiles with sane scales (f16 or f32) and zero points.
std::vector<uint8_t> randomTiles(const Case &c, std::mt19937 &rng) {
  bool f32 = c.flags & DSC_QFLAG_F32_SCALE, asym = c.flags & DSC_QFLAG_ASYM;
  uint64_t tile = dsc_qtile_bytes(c.G, c.bits, f32 ? 4 : 2, asym);
  std::vector<uint8_t> w((c.N / 4) * (c.K / c.G) * tile);
  for (uint8_t &b : w)
    b = static_cast<uint8_t>(rng());
  // Symmetric 8-bit values stay within [-127, 127] (stored 1..255), as the
  // quantizer writes them.
  if (c.bits == 8 && !asym)
    for (uint64_t t = 0; t < w.size() / tile; ++t)
      for (uint64_t i = 4 * (f32 ? 4 : 2); i < tile; ++i)
        w[t * tile + i] |= w[t * tile + i] == 0;
  std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
  for (uint64_t t = 0; t < w.size() / tile; ++t)
    for (int r = 0; r < 4; ++r) {
      float d = scale(rng);
      if (f32) {
        memcpy(&w[t * tile + 4 * r], &d, 4);
      } else {
        uint16_t h = dsc_f32_to_f16(d);
        memcpy(&w[t * tile + 2 * r], &h, 2);
      }
    }
  return w;
}

/// `fn` against the portable kernel: on the activations rounded as the
/// integer path rounds them, or as they are where the kernel falls back to
/// float (group sizes not multiples of 32).
void check(KernelFn fn, const Case &c, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> w = randomTiles(c, rng);
  std::vector<float> x = randomActivations(c.S * c.K, rng);
  std::vector<float> y(c.S * c.N), ref(c.S * c.N);
  fn(x.data(), w.data(), y.data(), c.S, c.K, c.N, c.G, c.flags);
  bool intPath = c.G % 32 == 0 && c.K % 32 == 0;
  std::vector<float> xr = intPath ? roundLikeKernels(x) : x;
  dsc_linear_qf_t4_portable(xr.data(), w.data(), ref.data(), c.S, c.K, c.N, c.G,
                      c.bits, c.flags);
  ASSERT_TRUE(nearRowScaled(y, ref, c.S, c.N))
      << "S " << c.S << " K " << c.K << " G " << c.G << " bits " << c.bits
      << " flags " << c.flags;
}

const Case kCases[] = {
    // decoding (S = 1: AVX-512 takes its 512-bit path), prompts (S >= 2:
    // unpacked tiles, 2 or 4 rows of x at a time, and the remainder)
    {1, 64, 16, 32, 4, 0},
    {1, 64, 16, 32, 4, 1},
    {1, 128, 8, 128, 4, 1},
    {1, 256, 16, 64, 4, 2},
    {1, 256, 8, 128, 4, 3},
    {1, 64, 16, 64, 8, 0},
    {1, 128, 16, 32, 8, 1},
    {1, 256, 8, 256, 8, 2},
    {3, 128, 16, 32, 4, 0},
    {5, 256, 8, 128, 4, 1},
    {8, 64, 16, 64, 8, 0},
    {7, 128, 8, 32, 8, 3},
    // odd numbers of groups, and several rows of x (fewer than a prompt's
    // batch) on the decoding path
    {1, 96, 8, 32, 4, 0},
    {2, 160, 8, 32, 4, 0},
    {3, 96, 8, 32, 8, 0},
    // the float fallback: groups that are not multiples of 32
    {2, 96, 8, 48, 8, 0},
    // AVX-512's decoding loops for int4:group=32 (two groups per step and
    // an odd one left) and 8-bit groups of multiples of 64 (256 columns per
    // step, then 64 at a time; zero points and f32 scales per group), at
    // shapes of a real layer and with three blocks of rows for the threads
    {1, 2048, 12, 32, 4, 0},
    {2, 2080, 12, 32, 4, 0},
    {1, 2048, 12, 2048, 8, 0},
    {1, 320, 8, 320, 8, 0},
    {1, 448, 12, 448, 8, 1},
    {2, 384, 12, 128, 8, 3},
    {1, 768, 8, 256, 8, 2},
    // 8-bit groups of 64 (AVX-512: fewer columns than a step of the loop
    // above, one accumulator a row over the groups), several of them
    {1, 640, 12, 64, 8, 0},
    {1, 640, 8, 64, 8, 1},
    {1, 384, 8, 128, 8, 2},
    // AVX2's loop for 8-bit groups of 32 with symmetric scales (a tile's
    // four rows' sums gathered into one register): f16 and f32 scales, an
    // odd number of groups (its two accumulators), a classifier's K
    {1, 2048, 12, 32, 8, 0},
    {1, 96, 8, 32, 8, 2},
    {1, 160, 16, 32, 8, 0},
    // ... and its rows past the first: two rows with K past the prompt
    // path's unpacked buffer (16384) go through the decoding loops
    {2, 16416, 4, 32, 8, 0},
};

void runAll(KernelFn q4, KernelFn q8) {
  unsigned seed = 1;
  for (const Case &c : kCases)
    for (int rep = 0; rep < 3; ++rep)
      check(c.bits == 4 ? q4 : q8, c, seed++);
}
} // namespace

// What the kernels take from the executable's runtime. The loop runs in
// three uneven ranges, as threads would take it, the last one first, so that
// a kernel that reads or writes outside [begin, end), assumes begin = 0 or
// end = n, or depends on the order shows.
extern "C" {
void dsc_parallel_for(int64_t n, dsc_range_fn fn, void *ctx) {
  int64_t a = n / 3, b = n - n / 4;
  if (b < n)
    fn(ctx, b, n);
  if (a < b)
    fn(ctx, a, b);
  if (a > 0)
    fn(ctx, 0, a);
}
void *dsc_kernel_alloc(uint64_t bytes) { return malloc(bytes); }
void dsc_kernel_free(void *p) { free(p); }
}

namespace {
using GemmFn = int (*)(const float *, const uint8_t *, float *, int64_t,
                       int64_t, int64_t, int64_t, int64_t, int64_t);

/// A prompt GEMM kernel called directly at every row count (its micro-tiles
/// and their remainders), column counts that leave part of a 32-column
/// panel, groups of 32 to K, and each scale and zero-point format; y starts
/// as garbage, which the kernel must overwrite.
void checkGemm(GemmFn gemm, const Case &c, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> w = randomTiles(c, rng);
  bool f32 = c.flags & DSC_QFLAG_F32_SCALE, asym = c.flags & DSC_QFLAG_ASYM;
  uint64_t tile = dsc_qtile_bytes(c.G, c.bits, f32 ? 4 : 2, asym);
  // Zero points within the values' range, as the quantizer writes them.
  if (asym)
    for (uint64_t t = 0; t < w.size() / tile; ++t)
      for (int r = 0; r < 4; ++r)
        w[t * tile + 4 * (f32 ? 4 : 2) + r] &= (1 << c.bits) - 1;
  std::vector<float> x = randomActivations(c.S * c.K, rng);
  std::vector<float> y(c.S * c.N, 1e30f), ref(c.S * c.N);
  ASSERT_EQ(gemm(x.data(), w.data(), y.data(), c.S, c.K, c.N, c.G, c.bits,
                 c.flags),
            1);
  std::vector<float> xr = roundLikeKernels(x);
  dsc_linear_qf_t4_portable(xr.data(), w.data(), ref.data(), c.S, c.K, c.N,
                            c.G, c.bits, c.flags);
  ASSERT_TRUE(nearRowScaled(y, ref, c.S, c.N))
      << "S " << c.S << " K " << c.K << " N " << c.N << " G " << c.G << " bits "
      << c.bits << " flags " << c.flags;
}

void runGemm(GemmFn gemm, bool takes8) {
  unsigned seed = 100;
  // 10: AVX-512's micro-tile of 6 rows and a remainder of 4.
  const int64_t rows[] = {1, 2, 3, 7, 8, 10, 33, 128};
  // K, N, G: N not a multiple of 32 (partial panels), K past one L1 slice
  // of the panel (more than 16 blocks), groups of one block to all of K
  // (one group: the per-channel path, which scales by the weights in the
  // last slice only; in one slice and in several), enough columns for
  // several panels per range of the split below (the next panel's
  // prefetch), and panels ending in every shape of AVX2's micro-tiles,
  // which take two column vectors at a time: half a vector after a whole
  // one (12 and 28 columns), a lone whole vector (8, 24) and a whole pair
  // (16).
  const int64_t shapes[][3] = {
      {64, 20, 32},   {96, 36, 32},    {640, 68, 64}, {256, 100, 256},
      {1024, 32, 128}, {160, 4, 32},   {576, 68, 576}, {64, 292, 64},
      {64, 44, 32},   {128, 28, 128},  {64, 40, 32},  {96, 56, 96},
      {64, 48, 64}};
  for (int64_t S : rows)
    for (const auto &sh : shapes)
      for (int bits : {2, 3, 4, 5, 6, 8})
        for (int flags = 0; flags < 4; ++flags) {
          if (bits == 8 && !takes8)
            continue;
          if (S == 128 && sh[0] > 256 && flags)
            continue; // the large cases once per bit width keep this quick
          // The 2-, 3-, 5- and 6-bit values (unpacked into the panels; on
          // AVX2 the 5- and 6-bit ones multiply signed activations) on
          // fewer row counts.
          if (bits != 4 && bits != 8 && (S == 2 || S == 8 || S == 128) &&
              flags != 1)
            continue;
          checkGemm(gemm, Case{S, sh[0], sh[1], sh[2], bits, flags}, seed++);
        }
  // What it declines: the linear kernel computes those.
  std::vector<float> x(8 * 64), y(8 * 8);
  std::vector<uint8_t> w(1 << 12);
  EXPECT_EQ(gemm(x.data(), w.data(), y.data(), 8, 48, 8, 48, 4, 0), 0);
  // A width it has no unpacking for.
  EXPECT_EQ(gemm(x.data(), w.data(), y.data(), 8, 64, 8, 32, 7, 0), 0);
  if (!takes8)
    EXPECT_EQ(gemm(x.data(), w.data(), y.data(), 8, 64, 8, 32, 8, 0), 0);
  // A zero point past the values' range (u - zero could leave int8, and
  // the quantizer does not write one): 4 and 6 bits.
  for (int bits : {4, 6}) {
    uint64_t tile = dsc_qtile_bytes(32, bits, 2, true);
    std::vector<uint8_t> wz(2 * 2 * tile, 0);
    wz[tile + 8 + 3] = static_cast<uint8_t>(1 << bits);
    EXPECT_EQ(
        gemm(x.data(), wz.data(), y.data(), 8, 64, 8, 32, bits, DSC_QFLAG_ASYM),
        0)
        << bits << "-bit";
  }
}
} // namespace

TEST(Kernels, AVX2MatchesPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  runAll(avx2_linear_q4_t4, avx2_linear_q8_t4);
}

/// The 4-bit decoding loop at its extremes: every weight's nibble at 15 and
/// every activation at the block's maximum, the largest values its int16
/// sums of u4 x s8 products (vpmaddubsw's pairs, then a row's two halves,
/// at most 7620) see, and the -8 offset folded into the integer sum. Exact:
/// (15 - 8) * 127 * K per row, times the scales (1 and amax / 127).
TEST(Kernels, AVX2Int4DecodeAtExtremes) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  const int64_t K = 256, N = 8, G = 32;
  uint64_t tile = dsc_qtile_bytes(G, 4, 2, false);
  std::vector<uint8_t> w(N / 4 * (K / G) * tile, 0xFF);
  for (uint64_t t = 0; t < w.size() / tile; ++t)
    for (int r = 0; r < 4; ++r) { // f16 1.0
      w[t * tile + 2 * r] = 0x00;
      w[t * tile + 2 * r + 1] = 0x3C;
    }
  for (float sign : {1.0f, -1.0f}) {
    std::vector<float> x(K, 3.0f * sign), y(N, 0.0f);
    avx2_linear_q4_t4(x.data(), w.data(), y.data(), 1, K, N, G, 0);
    for (int64_t n = 0; n < N; ++n)
      EXPECT_NEAR(y[n], 7.0f * 3.0f * sign * K, 1e-3f) << "output " << n;
  }
}

namespace {
/// Asymmetric 8-bit weights at their extremes, u - zero = -255 (u = 0, the
/// u - 128 = -128 that AVX2's sign trick cannot negate) and 255, times
/// activations all at their blocks' maximum of either sign: every stored
/// value's product at its largest, through the decoding loops (groups of
/// 32, of 64 and one group a row), the prompt loops for fewer rows than the
/// GEMM takes (2), the GEMM through the linear kernel (8) and called
/// directly, K past one slice of the GEMM's panel. Exact but for the
/// activations' scale: (u - zero) * 3 * K per output.
void checkAsym8Extremes(KernelFn linear, GemmFn gemm) {
  const int64_t K = 640, N = 8;
  for (int64_t G : {int64_t(32), int64_t(64), K})
    for (int u : {0, 255}) {
      uint64_t tile = dsc_qtile_bytes(G, 8, 2, true);
      std::vector<uint8_t> w(N / 4 * (K / G) * tile, static_cast<uint8_t>(u));
      for (uint64_t t = 0; t < w.size() / tile; ++t)
        for (int r = 0; r < 4; ++r) {
          w[t * tile + 2 * r] = 0x00; // f16 1.0
          w[t * tile + 2 * r + 1] = 0x3C;
          w[t * tile + 8 + r] = static_cast<uint8_t>(255 - u);
        }
      float want = static_cast<float>(u - (255 - u)) * 3.0f * K;
      for (float sign : {1.0f, -1.0f})
        for (int64_t S : {1, 2, 8}) {
          std::vector<float> x(S * K, 3.0f * sign), y(S * N, 1e30f);
          linear(x.data(), w.data(), y.data(), S, K, N, G, DSC_QFLAG_ASYM);
          for (int64_t i = 0; i < S * N; ++i)
            EXPECT_NEAR(y[i], want * sign, 1e-4f * std::fabs(want))
                << S << " rows, G " << G << " u " << u << " output " << i;
          if (S < 8)
            continue;
          std::fill(y.begin(), y.end(), 1e30f);
          ASSERT_EQ(
              gemm(x.data(), w.data(), y.data(), S, K, N, G, 8, DSC_QFLAG_ASYM),
              1);
          for (int64_t i = 0; i < S * N; ++i)
            EXPECT_NEAR(y[i], want * sign, 1e-4f * std::fabs(want))
                << "GEMM, G " << G << " u " << u << " output " << i;
        }
    }
}
} // namespace

TEST(Kernels, AVX2Asym8AtExtremes) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  checkAsym8Extremes(avx2_linear_q8_t4, avx2_gemm_q_t4);
}

TEST(Kernels, AVX512VNNIAsym8AtExtremes) {
  if (!__builtin_cpu_supports("avx512f") ||
      !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") ||
      !__builtin_cpu_supports("avx512vnni"))
    GTEST_SKIP() << "the host has no AVX-512 VNNI";
  checkAsym8Extremes(avx512_vnni_linear_q8_t4, avx512_vnni_gemm_q_t4);
}

TEST(Kernels, AVX512VNNIMatchesPortable) {
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512vnni"))
    GTEST_SKIP() << "the host has no AVX-512 VNNI";
  runAll(avx512_vnni_linear_q4_t4, avx512_vnni_linear_q8_t4);
}

TEST(Kernels, AVX2GemmMatchesPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  runGemm(avx2_gemm_q_t4, /*takes8=*/true);
}

static bool hostHasAVXVNNI() {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
         __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avxvnni");
}

TEST(Kernels, AVXVNNIMatchesPortable) {
  if (!hostHasAVXVNNI())
    GTEST_SKIP() << "the host has no AVX-VNNI";
  runAll(avxvnni_linear_q4_t4, avxvnni_linear_q8_t4);
}

TEST(Kernels, AVXVNNIAsym8AtExtremes) {
  if (!hostHasAVXVNNI())
    GTEST_SKIP() << "the host has no AVX-VNNI";
  checkAsym8Extremes(avxvnni_linear_q8_t4, avxvnni_gemm_q_t4);
}

TEST(Kernels, AVXVNNIGemmMatchesPortable) {
  if (!hostHasAVXVNNI())
    GTEST_SKIP() << "the host has no AVX-VNNI";
  runGemm(avxvnni_gemm_q_t4, /*takes8=*/true);
}

/// vpdpbusd's sums are vpmaddubsw and vpmaddwd's, exactly (neither
/// saturates on the values the GEMM gives them), and the float work after
/// them is the same: the AVX-VNNI build's outputs are the AVX2 build's bit
/// for bit, at every width and scale format, for decoding and prompts.
TEST(Kernels, AVXVNNIBitwiseAVX2) {
  if (!hostHasAVXVNNI())
    GTEST_SKIP() << "the host has no AVX-VNNI";
  unsigned seed = 4000;
  for (int64_t S : {1, 2, 7, 8, 33, 34})
    for (int bits : {4, 8})
      for (int flags = 0; flags < 4; ++flags) {
        // Groups of 64, and one group a row (per channel: the GEMM
        // scales by the weights in its last slice only).
        Case c{S, 640, 68, (S & 1) ? 64 : 640, bits, flags};
        std::mt19937 rng(seed++);
        std::vector<uint8_t> w = randomTiles(c, rng);
        bool f32 = flags & DSC_QFLAG_F32_SCALE;
        uint64_t tile =
            dsc_qtile_bytes(c.G, bits, f32 ? 4 : 2, flags & DSC_QFLAG_ASYM);
        if (flags & DSC_QFLAG_ASYM)
          for (uint64_t t = 0; t < w.size() / tile; ++t)
            for (int r = 0; r < 4; ++r)
              w[t * tile + 4 * (f32 ? 4 : 2) + r] &= (1 << bits) - 1;
        std::vector<float> x = randomActivations(S * c.K, rng);
        std::vector<float> a(S * c.N, 1e30f), b(S * c.N, -1e30f);
        KernelFn two = bits == 4 ? avx2_linear_q4_t4 : avx2_linear_q8_t4;
        KernelFn vnni = bits == 4 ? avxvnni_linear_q4_t4 : avxvnni_linear_q8_t4;
        two(x.data(), w.data(), a.data(), S, c.K, c.N, c.G, flags);
        vnni(x.data(), w.data(), b.data(), S, c.K, c.N, c.G, flags);
        ASSERT_EQ(memcmp(a.data(), b.data(), a.size() * 4), 0)
            << "S " << S << " bits " << bits << " flags " << flags;
      }
}

TEST(Kernels, AVX512VNNIGemmMatchesPortable) {
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512vnni"))
    GTEST_SKIP() << "the host has no AVX-512 VNNI";
  runGemm(avx512_vnni_gemm_q_t4, /*takes8=*/true);
}

namespace {
/// The float prompt GEMM against a double-precision product over the same
/// weights, read from the 4x16 tiled layout, per weight type.
using GemmFFn = void (*)(const float *, const void *, float *, int64_t, int64_t,
                         int64_t, int64_t);

/// bf16 rounding to nearest even, as vcvtne2ps2bf16 does (finite inputs).
float roundBF16(float v) {
  uint32_t bits;
  memcpy(&bits, &v, 4);
  bits = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
  memcpy(&v, &bits, 4);
  return v;
}

/// With `bf16Products`, the reference rounds both operands of every
/// product to bf16 first, as the kernel promises.
void checkGemmF(GemmFFn gemm, int64_t S, int64_t K, int64_t N, int kind,
                unsigned seed, bool bf16Products = false) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> wf(N * K), x(S * K);
  for (float &v : wf)
    v = nd(rng) * 0.05f;
  for (float &v : x)
    v = nd(rng);
  // Tiled: element (n, k) at ((n/4) * K/16 + k/16) * 64 + (n%4) * 16 + k%16.
  std::vector<float> w32(N * K);
  std::vector<uint16_t> w16(N * K);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      int64_t at = ((n / 4) * (K / 16) + k / 16) * 64 + (n % 4) * 16 + k % 16;
      float v = wf[n * K + k];
      if (kind == 1) {
        w16[at] = dsc_f32_to_f16(v);
        v = dsc_f16_to_f32(w16[at]);
      } else if (kind == 2) {
        uint32_t bits;
        memcpy(&bits, &v, 4);
        w16[at] = static_cast<uint16_t>(bits >> 16);
        bits &= 0xFFFF0000u;
        memcpy(&v, &bits, 4);
      }
      w32[at] = v;
      wf[n * K + k] = v;
    }
  std::vector<float> y(S * N, 1e30f);
  gemm(x.data(), kind ? (const void *)w16.data() : w32.data(), y.data(), S, K,
       N, kind);
  for (int64_t s = 0; s < S; ++s)
    for (int64_t n = 0; n < N; ++n) {
      double ref = 0, mag = 0;
      for (int64_t k = 0; k < K; ++k) {
        float a = x[s * K + k], b = wf[n * K + k];
        if (bf16Products) {
          a = roundBF16(a);
          b = roundBF16(b);
        }
        ref += (double)a * b;
        mag += std::fabs((double)a * b);
      }
      ASSERT_NEAR(y[s * N + n], ref, 1e-6 * mag + 1e-7)
          << "S " << S << " K " << K << " N " << N << " kind " << kind
          << " at row " << s << ", output " << n;
    }
}
} // namespace

TEST(Kernels, AVX512FloatGemmMatchesReference) {
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl"))
    GTEST_SKIP() << "the host has no AVX-512";
  unsigned seed = 500;
  // K past one slice of the panel (128 columns); N leaving part of a
  // 32-column panel; rows through every remainder of the 12-row tiles;
  // enough columns for several panels per range of the test's split; and
  // at 128 rows, K = 1088 walked in two chunks (640 and 448 columns) whose
  // packed rows fit GF_ROWS_L2 (gemm_f_x86.h).
  const int64_t shapes[][2] = {{16, 4},  {48, 36},   {272, 100},
                               {64, 64}, {160, 292}, {1088, 36}};
  for (int64_t S : {1, 2, 3, 7, 8, 12, 13, 33, 128})
    for (const auto &sh : shapes)
      for (int kind = 0; kind < 3; ++kind)
        checkGemmF(avx512_gemm_f_t4x16, S, sh[0], sh[1], kind, seed++);
}

// The products in bf16 (vdpbf16ps): the same walk, K slices of 256 columns;
// K = 16 and 48 leave a last 16 columns without a pair of 16 after them.
TEST(Kernels, AVX512Bf16ProductGemmMatchesReference) {
  if (!__builtin_cpu_supports("avx512f") ||
      !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") ||
      !__builtin_cpu_supports("avx512bf16"))
    GTEST_SKIP() << "the host has no AVX512_BF16";
  unsigned seed = 900;
  // K = 2112 at 128 rows: the rows as bf16 pairs (2 bytes a value) in
  // chunks of 1280 and 832 columns (whole slices of 256).
  const int64_t shapes[][2] = {{16, 4},  {48, 36},   {528, 100},
                               {64, 64}, {160, 292}, {2112, 36}};
  for (int64_t S : {4, 7, 12, 13, 33, 128})
    for (const auto &sh : shapes)
      for (int kind = 0; kind < 3; ++kind)
        checkGemmF(avx512_gemm_f_t4x16_bf16, S, sh[0], sh[1], kind, seed++,
                   /*bf16Products=*/true);
}

TEST(Kernels, AVX2FloatGemmMatchesReference) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") ||
      !__builtin_cpu_supports("f16c"))
    GTEST_SKIP() << "the host has no AVX2";
  unsigned seed = 700;
  // K past one slice of the panel (1024 columns) and two (the last one
  // partial); N leaving part of a 16-column panel; rows through every
  // remainder of the 6-row tiles; and enough columns for several panels
  // per range of the test's split.
  const int64_t shapes[][2] = {{16, 4},   {48, 36},  {528, 100}, {64, 64},
                               {160, 292}, {1040, 20}, {2064, 20}};
  for (int64_t S : {1, 2, 3, 5, 6, 7, 13, 33, 128})
    for (const auto &sh : shapes)
      for (int kind = 0; kind < 3; ++kind)
        checkGemmF(avx2_gemm_f_t4x16, S, sh[0], sh[1], kind, seed++);
}

namespace {
/// Attention of S new rows at pos.. after `pos` cached positions, against a
/// double-precision softmax over each row's causal (or windowed) range,
/// query head h reading KV head h / (H / KV).
void checkAttention(int64_t S, int64_t pos, int64_t H, int64_t KV, int64_t D,
                    int64_t window, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  int64_t ctx = pos + S + 3, layers = 2, layer = 1;
  std::vector<float> cache(layers * 2 * KV * ctx * D);
  for (float &c : cache)
    c = nd(rng);
  // What the kernel must not read is NaN: the other layer, and the
  // positions past the new rows.
  for (int64_t i = 0; i < (int64_t)cache.size(); ++i) {
    int64_t t = i / D % ctx, l = i / (2 * KV * ctx * D);
    if (l != layer || t >= pos + S)
      cache[i] = NAN;
  }
  std::vector<float> q(S * H * D), k(S * KV * D), v(S * KV * D),
      out(S * H * D, 1e30f);
  for (float &x : q)
    x = nd(rng);
  for (float &x : k)
    x = nd(rng);
  for (float &x : v)
    x = nd(rng);
  // What the kernel reads: the cache's earlier positions and the new rows.
  auto at = [&](int which, int64_t g, int64_t t) {
    if (t >= pos)
      return (which ? v.data() : k.data()) + ((t - pos) * KV + g) * D;
    return cache.data() + ((layer * 2 + which) * KV + g) * ctx * D + t * D;
  };
  std::vector<double> ref(S * H * D);
  float scale = 1.0f / std::sqrt((float)D);
  for (int64_t s = 0; s < S; ++s)
    for (int64_t h = 0; h < H; ++h) {
      int64_t g = h / (H / KV), last = pos + s;
      int64_t first = window > 0 ? std::max<int64_t>(0, last - window + 1) : 0;
      std::vector<double> w;
      double mx = -1e300, sum = 0;
      for (int64_t t = first; t <= last; ++t) {
        double d = 0;
        for (int64_t i = 0; i < D; ++i)
          d += (double)q[(s * H + h) * D + i] * at(0, g, t)[i];
        w.push_back(d * scale);
        mx = std::max(mx, w.back());
      }
      for (double &x : w)
        sum += (x = std::exp(x - mx));
      for (int64_t i = 0; i < D; ++i) {
        double o = 0;
        for (int64_t t = first; t <= last; ++t)
          o += w[t - first] / sum * at(1, g, t)[i];
        ref[(s * H + h) * D + i] = o;
      }
    }
  // The new rows' keys and values into the cache, as the generated code
  // stores them before the kernel runs.
  for (int64_t s = 0; s < S; ++s)
    for (int64_t g = 0; g < KV; ++g)
      for (int which = 0; which < 2; ++which)
        std::copy_n((which ? v.data() : k.data()) + (s * KV + g) * D, D,
                    cache.data() + ((layer * 2 + which) * KV + g) * ctx * D +
                        (pos + s) * D);
  generic_attention(q.data(), out.data(), cache.data(), layer, S, pos, ctx,
                    layers, H, KV, D, scale, window);
  for (int64_t i = 0; i < S * H * D; ++i)
    ASSERT_NEAR(out[i], ref[i], 2e-5)
        << "S " << S << " pos " << pos << " H " << H << " KV " << KV << " D "
        << D << " window " << window << " at row " << i / (H * D)
        << ", head " << i / D % H;
}
} // namespace

TEST(Kernels, BlockedAttentionMatchesReference) {
  unsigned seed = 900;
  // Query blocks of 16 rows and key tiles of 64: rows and positions on both
  // sides of them, grouped-query heads (4 per KV head, and 1), a window
  // shorter than a tile and one cutting across tiles, D not a multiple of 8.
  for (int64_t S : {1, 2, 3, 7, 8, 33, 128})
    for (int64_t pos : {0, 5, 70})
      for (auto hk : {std::pair<int64_t, int64_t>{8, 2}, {3, 3}})
        for (int64_t window : {0, 5, 80}) {
          if (S == 128 && pos == 5)
            continue; // enough long prompts
          checkAttention(S, pos, hk.first, hk.second, S == 128 ? 16 : 12,
                         window, seed++);
        }
  // Decoding at real head sizes: the scores four keys at a time (128 and 131
  // positions: none and three left over, or a window's 65) and the weighted
  // sum's four values.
  for (int64_t D : {64, 128})
    for (int64_t pos : {127, 130})
      for (int64_t window : {0, 65})
        checkAttention(1, pos, 8, 2, D, window, seed++);
  // Prompts at real head sizes: the weighted sums 64 columns at a time in
  // registers (twice at 128), with 8 or 16 columns left over at 72 and 80;
  // windows of one key and of a tile and one.
  for (int64_t D : {64, 72, 80, 128})
    for (int64_t window : {0, 1, 65})
      checkAttention(33, 70, 8, 2, D, window, seed++);
}
