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

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

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

/// x with its values rounded as the integer kernels round them: int8 per 32
/// with scale amax / 127.
std::vector<float> roundLikeKernels(const std::vector<float> &x) {
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

/// `fn` against the portable kernel: on the activations rounded as the
/// integer path rounds them, or as they are where the kernel falls back to
/// float (group sizes not multiples of 32, and 8-bit asymmetric weights on
/// AVX2, whose values may reach -128).
void check(KernelFn fn, const Case &c, unsigned seed, bool asym8Float) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> w = randomTiles(c, rng);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(c.S * c.K);
  for (float &v : x)
    v = nd(rng) * (rng() % 16 == 0 ? 20.0f : 1.0f); // a few outliers
  std::vector<float> y(c.S * c.N), ref(c.S * c.N);
  fn(x.data(), w.data(), y.data(), c.S, c.K, c.N, c.G, c.flags);
  bool intPath = c.G % 32 == 0 && c.K % 32 == 0 &&
                 !(asym8Float && c.bits == 8 && (c.flags & DSC_QFLAG_ASYM));
  std::vector<float> xr = intPath ? roundLikeKernels(x) : x;
  dsc_linear_qf_t4_portable(xr.data(), w.data(), ref.data(), c.S, c.K, c.N, c.G,
                      c.bits, c.flags);
  for (int64_t s = 0; s < c.S; ++s) {
    float m = 0;
    for (int64_t n = 0; n < c.N; ++n)
      m = std::max(m, std::fabs(ref[s * c.N + n]));
    for (int64_t n = 0; n < c.N; ++n)
      ASSERT_NEAR(y[s * c.N + n], ref[s * c.N + n], 1e-5f * m + 1e-6f)
          << "S " << c.S << " K " << c.K << " G " << c.G << " bits " << c.bits
          << " flags " << c.flags << " at row " << s << ", output " << n;
  }
}

const Case kCases[] = {
    // decoding (S = 1: AVX-512 takes its 512-bit path), prompts (S >= 2:
    // unpacked tiles, 2 or 4 rows of x at a time, and the remainder)
    {1, 64, 16, 32, 4, 0},   {1, 64, 16, 32, 4, 1},  {1, 128, 8, 128, 4, 1},
    {1, 256, 16, 64, 4, 2},  {1, 256, 8, 128, 4, 3}, {1, 64, 16, 64, 8, 0},
    {1, 128, 16, 32, 8, 1},  {1, 256, 8, 256, 8, 2}, {3, 128, 16, 32, 4, 0},
    {5, 256, 8, 128, 4, 1},  {8, 64, 16, 64, 8, 0},  {7, 128, 8, 32, 8, 3},
    // odd numbers of groups, and several rows of x (fewer than a prompt's
    // batch) on the decoding path
    {1, 96, 8, 32, 4, 0},    {2, 160, 8, 32, 4, 0},  {3, 96, 8, 32, 8, 0},
    // the float fallback: groups that are not multiples of 32
    {2, 96, 8, 48, 8, 0},
};

void runAll(KernelFn q4, KernelFn q8, bool asym8Float) {
  unsigned seed = 1;
  for (const Case &c : kCases)
    for (int rep = 0; rep < 3; ++rep)
      check(c.bits == 4 ? q4 : q8, c, seed++, asym8Float);
}
} // namespace

// What the kernels take from the executable's runtime.
extern "C" {
void dsc_parallel_for(int64_t n, dsc_range_fn fn, void *ctx) { fn(ctx, 0, n); }
void *dsc_kernel_alloc(uint64_t bytes) { return malloc(bytes); }
void dsc_kernel_free(void *p) { free(p); }
}

TEST(Kernels, AVX2MatchesPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  runAll(avx2_linear_q4_t4, avx2_linear_q8_t4, /*asym8Float=*/true);
}

TEST(Kernels, AVX512VNNIMatchesPortable) {
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") || !__builtin_cpu_supports("avx512vnni"))
    GTEST_SKIP() << "the host has no AVX-512 VNNI";
  runAll(avx512_vnni_linear_q4_t4, avx512_vnni_linear_q8_t4,
         /*asym8Float=*/false);
}
