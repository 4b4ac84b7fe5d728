//===- GGMLDecodeTest.cpp - ggml block decoders on hand-built blocks ------===//
//
// Each block is packed here from chosen quantized values and scales by the
// format's description (dsc/abi/quant_layout.h), then decoded by the one
// decoder the compiler and kernels share; every value must be what the
// format's formula gives for the values it was packed from.
//
//===----------------------------------------------------------------------===//

#include "dsc/abi/ggml_decode.h"
#include "dsc/abi/kernels.h"

#include "KernelCheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace {

void putF16(uint8_t *p, float v) {
  uint16_t h = dsc_f32_to_f16(v);
  p[0] = h & 0xFF;
  p[1] = h >> 8;
}

/// Values j and j + 16 of 32 into bytes j.
void packNibbles32(const int *q, uint8_t *qs) {
  for (int j = 0; j < 16; ++j)
    qs[j] = static_cast<uint8_t>(q[j] | (q[j + 16] << 4));
}

std::vector<float> decode(unsigned type, const std::vector<uint8_t> &b) {
  EXPECT_EQ(b.size(), dsc_ggml_block_bytes(type));
  std::vector<float> out(dsc_ggml_block_elems(type));
  EXPECT_TRUE(dsc_ggml_decode_block(type, b.data(), out.data()));
  return out;
}

struct Rng {
  std::mt19937 g{1234};
  int operator()(int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(g);
  }
};

TEST(GGMLDecode, BlockSizes) {
  EXPECT_EQ(dsc_ggml_block_elems(DSC_GGML_TYPE_Q4_K), 256u);
  EXPECT_EQ(dsc_ggml_block_bytes(DSC_GGML_TYPE_Q4_K), 144u);
  EXPECT_EQ(dsc_ggml_block_bytes(DSC_GGML_TYPE_IQ4_XS), 136u);
  EXPECT_EQ(dsc_ggml_block_elems(16 /* IQ2_XXS */), 0u);
  float out[256];
  EXPECT_FALSE(dsc_ggml_decode_block(16, nullptr, out));
}

TEST(GGMLDecode, Q8_0AndQ4_0AndQ4_1) {
  Rng r;
  std::vector<uint8_t> b(34);
  putF16(&b[0], 0.5f);
  int q[32];
  for (int j = 0; j < 32; ++j)
    b[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(q[j] = r(-128, 127)));
  auto v = decode(DSC_GGML_TYPE_Q8_0, b);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(v[j], 0.5f * q[j]);

  b.assign(18, 0);
  putF16(&b[0], 0.25f);
  for (int &x : q)
    x = r(0, 15);
  packNibbles32(q, &b[2]);
  v = decode(DSC_GGML_TYPE_Q4_0, b);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(v[j], 0.25f * (q[j] - 8));

  b.assign(20, 0);
  putF16(&b[0], 0.25f);
  putF16(&b[2], -1.5f);
  packNibbles32(q, &b[4]);
  v = decode(DSC_GGML_TYPE_Q4_1, b);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(v[j], 0.25f * q[j] - 1.5f);
}

TEST(GGMLDecode, Q5_0AndQ5_1) {
  Rng r;
  int q[32], lo[32];
  uint32_t h = 0;
  for (int j = 0; j < 32; ++j) {
    q[j] = r(0, 31);
    lo[j] = q[j] & 15;
    h |= static_cast<uint32_t>(q[j] >> 4) << j;
  }
  for (bool hasMin : {false, true}) {
    std::vector<uint8_t> b(hasMin ? 24 : 22);
    putF16(&b[0], 0.125f);
    if (hasMin)
      putF16(&b[2], 2.0f);
    uint8_t *qh = &b[hasMin ? 4 : 2];
    for (int k = 0; k < 4; ++k)
      qh[k] = static_cast<uint8_t>(h >> (8 * k));
    packNibbles32(lo, qh + 4);
    auto v = decode(hasMin ? DSC_GGML_TYPE_Q5_1 : DSC_GGML_TYPE_Q5_0, b);
    for (int j = 0; j < 32; ++j)
      EXPECT_EQ(v[j], hasMin ? 0.125f * q[j] + 2.0f : 0.125f * (q[j] - 16));
  }
}

TEST(GGMLDecode, IQ4_NLAndIQ4_XS) {
  static const int levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                 1,    13,   25,  38,  53,  69,  89,  113};
  Rng r;
  int q[256];
  for (int &x : q)
    x = r(0, 15);
  std::vector<uint8_t> b(18);
  putF16(&b[0], 0.5f);
  packNibbles32(q, &b[2]);
  auto v = decode(DSC_GGML_TYPE_IQ4_NL, b);
  for (int j = 0; j < 32; ++j)
    EXPECT_EQ(v[j], 0.5f * levels[q[j]]);

  b.assign(136, 0);
  putF16(&b[0], 0.25f);
  int s[8];
  uint16_t sh = 0;
  for (int i = 0; i < 8; ++i) {
    s[i] = r(0, 63);
    b[4 + i / 2] |= static_cast<uint8_t>((s[i] & 15) << (4 * (i % 2)));
    sh |= static_cast<uint16_t>((s[i] >> 4) << (2 * i));
    packNibbles32(&q[32 * i], &b[8 + 16 * i]);
  }
  b[2] = sh & 0xFF;
  b[3] = sh >> 8;
  v = decode(DSC_GGML_TYPE_IQ4_XS, b);
  for (int i = 0; i < 256; ++i)
    EXPECT_EQ(v[i], 0.25f * (s[i / 32] - 32) * levels[q[i]]) << i;
}

/// 2 low bits of value 128h + 32i + l at bits 2i of byte 32h + l.
void packTwoBits(const int *q, uint8_t *qs) {
  memset(qs, 0, 64);
  for (int x = 0; x < 256; ++x)
    qs[32 * (x / 128) + x % 32] |=
        static_cast<uint8_t>((q[x] & 3) << (2 * ((x % 128) / 32)));
}

TEST(GGMLDecode, Q2_K) {
  Rng r;
  int q[256], sc[16], mn[16];
  for (int &x : q)
    x = r(0, 3);
  std::vector<uint8_t> b(84);
  for (int j = 0; j < 16; ++j) {
    sc[j] = r(0, 15);
    mn[j] = r(0, 15);
    b[j] = static_cast<uint8_t>(sc[j] | (mn[j] << 4));
  }
  packTwoBits(q, &b[16]);
  putF16(&b[80], 0.5f);
  putF16(&b[82], 0.25f);
  auto v = decode(DSC_GGML_TYPE_Q2_K, b);
  for (int x = 0; x < 256; ++x)
    EXPECT_EQ(v[x], 0.5f * sc[x / 16] * q[x] - 0.25f * mn[x / 16]) << x;
}

TEST(GGMLDecode, Q3_K) {
  Rng r;
  int q[256], s[16];
  for (int &x : q)
    x = r(-4, 3);
  std::vector<uint8_t> b(110);
  for (int x = 0; x < 256; ++x)
    if (q[x] >= 0) // the high bit set means "no -4"
      b[x % 32] |= static_cast<uint8_t>(1 << (x / 32));
  int low[256];
  for (int x = 0; x < 256; ++x)
    low[x] = q[x] & 3;
  packTwoBits(low, &b[32]);
  for (int j = 0; j < 16; ++j) {
    s[j] = r(0, 63);
    b[96 + (j % 8)] |= static_cast<uint8_t>((s[j] & 15) << (j < 8 ? 0 : 4));
    b[96 + 8 + j % 4] |= static_cast<uint8_t>((s[j] >> 4) << (2 * (j / 4)));
  }
  putF16(&b[108], 0.5f);
  auto v = decode(DSC_GGML_TYPE_Q3_K, b);
  for (int x = 0; x < 256; ++x)
    EXPECT_EQ(v[x], 0.5f * (s[x / 16] - 32) * q[x]) << x;
}

/// Q4_K/Q5_K's 6-bit scales and mins of 8 sub-blocks into 12 bytes.
void packK4Scales(const int *sc, const int *mn, uint8_t *p) {
  memset(p, 0, 12);
  for (int j = 0; j < 4; ++j) {
    p[j] = static_cast<uint8_t>(sc[j] | ((sc[j + 4] >> 4) << 6));
    p[j + 4] = static_cast<uint8_t>(mn[j] | ((mn[j + 4] >> 4) << 6));
    p[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4));
  }
}

TEST(GGMLDecode, Q4_KAndQ5_K) {
  Rng r;
  for (bool five : {false, true}) {
    int q[256], sc[8], mn[8];
    for (int &x : q)
      x = r(0, five ? 31 : 15);
    for (int j = 0; j < 8; ++j) {
      sc[j] = r(0, 63);
      mn[j] = r(0, 63);
    }
    std::vector<uint8_t> b(five ? 176 : 144);
    putF16(&b[0], 0.5f);
    putF16(&b[2], 0.125f);
    packK4Scales(sc, mn, &b[4]);
    uint8_t *qs = &b[five ? 48 : 16];
    for (int x = 0; x < 256; ++x) {
      int j = x / 32, l = x % 32;
      qs[32 * (j / 2) + l] |=
          static_cast<uint8_t>((q[x] & 15) << (4 * (j % 2)));
      if (five)
        b[16 + l] |= static_cast<uint8_t>((q[x] >> 4) << j);
    }
    auto v = decode(five ? DSC_GGML_TYPE_Q5_K : DSC_GGML_TYPE_Q4_K, b);
    for (int x = 0; x < 256; ++x)
      EXPECT_EQ(v[x], 0.5f * sc[x / 32] * q[x] - 0.125f * mn[x / 32]) << x;
  }
}

TEST(GGMLDecode, Q6_K) {
  Rng r;
  int q[256], sc[16];
  for (int &x : q)
    x = r(-32, 31);
  std::vector<uint8_t> b(210);
  for (int x = 0; x < 256; ++x) {
    int u = q[x] + 32, h = x / 128, i = (x % 128) / 32, l = x % 32;
    b[64 * h + l + 32 * (i & 1)] |=
        static_cast<uint8_t>((u & 15) << (i >= 2 ? 4 : 0));
    b[128 + 32 * h + l] |= static_cast<uint8_t>((u >> 4) << (2 * i));
  }
  for (int j = 0; j < 16; ++j)
    b[192 + j] =
        static_cast<uint8_t>(static_cast<int8_t>(sc[j] = r(-128, 127)));
  putF16(&b[208], 0.25f);
  auto v = decode(DSC_GGML_TYPE_Q6_K, b);
  for (int x = 0; x < 256; ++x)
    EXPECT_EQ(v[x], 0.25f * sc[x / 16] * q[x]) << x;
}

TEST(GGMLDecode, Q8_K) {
  Rng r;
  std::vector<uint8_t> b(292);
  float d = 0.375f;
  memcpy(&b[0], &d, 4);
  int q[256];
  for (int j = 0; j < 256; ++j)
    b[4 + j] = static_cast<uint8_t>(static_cast<int8_t>(q[j] = r(-127, 127)));
  auto v = decode(DSC_GGML_TYPE_Q8_K, b);
  for (int j = 0; j < 256; ++j)
    EXPECT_EQ(v[j], d * q[j]);
}

} // namespace

namespace {

/// Random blocks of `type` whose f16 scales are small and finite.
std::vector<uint8_t> randomRow(unsigned type, int64_t k, std::mt19937 &g) {
  unsigned bytes = dsc_ggml_block_bytes(type),
           blocks = static_cast<unsigned>(k / dsc_ggml_block_elems(type));
  std::vector<uint8_t> w(blocks * bytes);
  for (uint8_t &b : w)
    b = static_cast<uint8_t>(g());
  // Where each format keeps its f16 scales.
  std::vector<unsigned> f16;
  switch (type) {
  case DSC_GGML_TYPE_Q2_K:
    f16 = {80, 82};
    break;
  case DSC_GGML_TYPE_Q3_K:
    f16 = {108};
    break;
  case DSC_GGML_TYPE_Q6_K:
    f16 = {208};
    break;
  case DSC_GGML_TYPE_Q4_K:
  case DSC_GGML_TYPE_Q5_K:
  case DSC_GGML_TYPE_Q4_1:
  case DSC_GGML_TYPE_Q5_1:
    f16 = {0, 2};
    break;
  default:
    f16 = {0};
    break;
  }
  std::uniform_real_distribution<float> d(-0.01f, 0.01f);
  for (unsigned b = 0; b < blocks; ++b)
    for (unsigned off : f16)
      putF16(&w[b * bytes + off], d(g));
  return w;
}

/// N random rows of `type` (randomRow), K values each, one after another.
std::vector<uint8_t> randomRows(unsigned type, int64_t K, int64_t N,
                                std::mt19937 &g) {
  std::vector<uint8_t> w;
  for (int64_t n = 0; n < N; ++n) {
    auto row = randomRow(type, K, g);
    w.insert(w.end(), row.begin(), row.end());
  }
  return w;
}

/// n values from a unit normal.
std::vector<float> normalValues(int64_t n, std::mt19937 &g) {
  std::vector<float> x(n);
  std::normal_distribution<float> nd;
  for (float &v : x)
    v = nd(g);
  return x;
}

/// `count` values of `type` blocks, as the portable decoder gives them.
std::vector<float> decodeAll(unsigned type, const std::vector<uint8_t> &w,
                             int64_t count) {
  std::vector<float> wf(count);
  unsigned elems = dsc_ggml_block_elems(type),
           bytes = dsc_ggml_block_bytes(type);
  for (int64_t b = 0; b < count / elems; ++b)
    dsc_ggml_decode_block(type, &w[b * bytes], &wf[b * elems]);
  return wf;
}

/// The kernels against decoding and a double-precision product, for
/// decode (one row) and prefill (several).
TEST(GGMLKernel, LinearAndEmbedding) {
  std::mt19937 g(7);
  const unsigned types[] = {DSC_GGML_TYPE_Q2_K,   DSC_GGML_TYPE_Q3_K,
                            DSC_GGML_TYPE_Q4_K,   DSC_GGML_TYPE_Q5_K,
                            DSC_GGML_TYPE_Q6_K,   DSC_GGML_TYPE_IQ4_NL,
                            DSC_GGML_TYPE_IQ4_XS, DSC_GGML_TYPE_Q4_1,
                            DSC_GGML_TYPE_Q5_0,   DSC_GGML_TYPE_Q5_1};
  const int64_t K = 512, N = 6;
  for (unsigned type : types)
    for (int64_t S : {1, 3}) {
      std::vector<uint8_t> w = randomRows(type, K, N, g);
      std::vector<float> x = normalValues(S * K, g), y(S * N),
                         wf = decodeAll(type, w, N * K);
      dsc_uk_linear_ggml(x.data(), w.data(), y.data(), S, K, N, type);
      for (int64_t s = 0; s < S; ++s)
        for (int64_t n = 0; n < N; ++n) {
          double ref = 0, mag = 0;
          for (int64_t k = 0; k < K; ++k) {
            ref += double(x[s * K + k]) * wf[n * K + k];
            mag += std::fabs(double(x[s * K + k]) * wf[n * K + k]);
          }
          EXPECT_NEAR(y[s * N + n], ref, 1e-5 * mag + 1e-12)
              << "type " << type << " S " << S;
        }
      int32_t ids[2] = {4, 1};
      std::vector<float> e(2 * K);
      dsc_uk_embedding_ggml(w.data(), ids, e.data(), 2, K, type);
      for (int64_t k = 0; k < K; ++k) {
        EXPECT_EQ(e[k], wf[4 * K + k]);
        EXPECT_EQ(e[K + k], wf[1 * K + k]);
      }
    }
}

#ifdef DSC_TEST_GGML_AVX2
extern "C" void avx2_linear_ggml(const float *, const uint8_t *, float *,
                                 int64_t, int64_t, int64_t, int64_t);
extern "C" void avx2_gemm_linear_ggml(const float *, const uint8_t *, float *,
                                      int64_t, int64_t, int64_t, int64_t);
extern "C" void avxvnni_gemm_linear_ggml(const float *, const uint8_t *,
                                         float *, int64_t, int64_t, int64_t,
                                         int64_t);
extern "C" void avx512_gemm_linear_ggml(const float *, const uint8_t *, float *,
                                        int64_t, int64_t, int64_t, int64_t);

using LinearGGMLFn = void (*)(const float *, const uint8_t *, float *, int64_t,
                              int64_t, int64_t, int64_t);

/// The formats that the x86 kernel computes with int8 activations: all
/// but Q8_K (and Q8_0 and Q4_0, which dsc imports as its own int8 and int4).
const unsigned kInt8Types[] = {DSC_GGML_TYPE_Q2_K, DSC_GGML_TYPE_Q3_K,
                               DSC_GGML_TYPE_Q4_K, DSC_GGML_TYPE_Q5_K,
                               DSC_GGML_TYPE_Q6_K, DSC_GGML_TYPE_IQ4_NL,
                               DSC_GGML_TYPE_Q5_0, DSC_GGML_TYPE_IQ4_XS,
                               DSC_GGML_TYPE_Q4_1, DSC_GGML_TYPE_Q5_1};

bool takesInt8(unsigned type) {
  for (unsigned t : kInt8Types)
    if (t == type)
      return true;
  return false;
}

/// `fn` against the portable kernel on N random rows of `type` and S rows of
/// activations. The reference of the formats the x86 kernel computes with
/// int8 activations (kInt8Types) is the portable kernel on the
/// activations rounded as the kernel rounds them: per 32 values, to
/// round(x * 127 / amax) times amax / 127.
void checkAgainstPortable(LinearGGMLFn fn, unsigned type, int64_t S, int64_t K,
                          int64_t N, std::mt19937 &g) {
  std::vector<uint8_t> w = randomRows(type, K, N, g);
  std::vector<float> x = normalValues(S * K, g), y(S * N), ya(S * N, -1.0f),
                     wf = decodeAll(type, w, N * K);
  std::vector<float> xr = takesInt8(type) ? dsc::test::roundLikeKernels(x) : x;
  dsc_uk_linear_ggml(xr.data(), w.data(), y.data(), S, K, N, type);
  fn(x.data(), w.data(), ya.data(), S, K, N, type);
  for (int64_t s = 0; s < S; ++s)
    for (int64_t n = 0; n < N; ++n) {
      double mag = 0;
      for (int64_t k = 0; k < K; ++k)
        mag += std::fabs(double(x[s * K + k]) * wf[n * K + k]);
      EXPECT_NEAR(ya[s * N + n], y[s * N + n], 2e-6 * mag)
          << "type " << type << " S " << S << " K " << K << " N " << N
          << " at row " << s << ", output " << n;
    }
}

/// The AVX2 kernel (kInt8Types with int8 activations, the other formats
/// handed to the portable kernel), built without its prompt
/// GEMMs, against the portable kernel, for decode and prefill row counts and a
/// size that runs on the thread pool.
TEST(GGMLKernel, AVX2MatchesPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  std::mt19937 g(11);
  for (int64_t K : {768, 96})
    for (unsigned type : kInt8Types)
      for (int64_t S : {1, 2, 5})
        for (int64_t N : {7, 64}) {
          if (K % dsc_ggml_block_elems(type))
            continue;
          checkAgainstPortable(avx2_linear_ggml, type, S, K, N, g);
        }
}

/// The prompts' GEMM of the same kernel (every type packed from its blocks
/// or super-blocks, on activations rounded
/// as above), as the AVX2, AVX-VNNI and AVX-512 targets build it, against
/// the portable kernel: 1 and 3 rows (the matrix-vector loops), then rows
/// from the GEMM's minimum (4) up to a 256-token
/// window (many micro-tiles of 4 or 6 rows, and their remainders), K past
/// one slice (16 blocks), N in fours with partial panels, N not in fours
/// (declined: the path above takes it), and a weight of many panels on the
/// thread pool.
void checkGemmPath(LinearGGMLFn fn) {
  std::mt19937 g(23);
  struct Shape {
    int64_t S, K, N;
  };
  const Shape shapes[] = {{1, 768, 36},   {3, 2048, 64},   {4, 768, 36},
                          {13, 256, 100}, {5, 512, 7},     {60, 768, 64},
                          {256, 512, 40}, {4, 2048, 2100}, {10, 256, 512},
                          {10, 256, 128}};
  for (const Shape &sh : shapes)
    for (unsigned type : kInt8Types)
      checkAgainstPortable(fn, type, sh.S, sh.K, sh.N, g);
  // Rows of 32-value blocks that are not whole super-blocks (e.g. dim 896):
  // llama-quantize's fallback types for them, in the GEMM, and in the
  // matrix-vector loops, whose AVX-512 build takes blocks in fours and
  // leaves the rest (7 = 4 + 2 + 1 blocks, 3 = 2 + 1) to its ymm loop.
  for (unsigned type : {DSC_GGML_TYPE_IQ4_NL, DSC_GGML_TYPE_Q5_0,
                        DSC_GGML_TYPE_Q4_1, DSC_GGML_TYPE_Q5_1}) {
    checkAgainstPortable(fn, type, 9, 224, 12, g);
    checkAgainstPortable(fn, type, 1, 224, 36, g);
    checkAgainstPortable(fn, type, 3, 96, 8, g);
  }
}

extern "C" int avx2_gemm_q_ggml_k(const float *, const uint8_t *, float *,
                                  int64_t, int64_t, int64_t, int64_t);
extern "C" int avxvnni_gemm_q_ggml_k(const float *, const uint8_t *, float *,
                                     int64_t, int64_t, int64_t, int64_t);
extern "C" int avx512_vnni_gemm_q_ggml_k(const float *, const uint8_t *,
                                         float *, int64_t, int64_t, int64_t,
                                         int64_t);
using GemmGGMLFn = int (*)(const float *, const uint8_t *, float *, int64_t,
                           int64_t, int64_t, int64_t);

/// The GGUF blocks' GEMM itself: it takes every int8 type (so that the
/// checks above test it, not the matrix-vector loop it would leave them to)
/// at their shapes and declines the rest: N not in fours, K not in
/// super-blocks (32-value blocks take it), other types.
void checkGemmTakes(GemmGGMLFn fn) {
  std::mt19937 g(5);
  const int64_t S = 5, K = 512, N = 8;
  std::vector<float> x(S * K, 0.5f), y(S * N);
  for (unsigned type : kInt8Types) {
    std::vector<uint8_t> w = randomRows(type, K, N, g);
    bool super = dsc_ggml_block_elems(type) == DSC_QK_K;
    EXPECT_EQ(fn(x.data(), w.data(), y.data(), S, K, N, type), 1) << type;
    EXPECT_EQ(fn(x.data(), w.data(), y.data(), S, K, N - 2, type), 0) << type;
    EXPECT_EQ(fn(x.data(), w.data(), y.data(), S, K - 32, N, type),
              super ? 0 : 1)
        << type;
  }
  std::vector<uint8_t> w(N * K);
  EXPECT_EQ(fn(x.data(), w.data(), y.data(), S, K, N, DSC_GGML_TYPE_Q8_0), 0);
  EXPECT_EQ(fn(x.data(), w.data(), y.data(), S, K, N, DSC_GGML_TYPE_Q8_K), 0);
}

TEST(GGMLKernel, AVX2PromptGemmsMatchPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  checkGemmTakes(avx2_gemm_q_ggml_k);
  checkGemmPath(avx2_gemm_linear_ggml);
}

TEST(GGMLKernel, AVXVNNIPromptGemmsMatchPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") ||
      !__builtin_cpu_supports("avxvnni"))
    GTEST_SKIP() << "the host has no AVX-VNNI";
  checkGemmTakes(avxvnni_gemm_q_ggml_k);
  checkGemmPath(avxvnni_gemm_linear_ggml);
}

TEST(GGMLKernel, AVX512PromptGemmsMatchPortable) {
  if (!__builtin_cpu_supports("avx512f") ||
      !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") ||
      !__builtin_cpu_supports("avx512vnni") ||
      !__builtin_cpu_supports("avx512bf16"))
    GTEST_SKIP() << "the host has no AVX-512 VNNI and BF16";
  checkGemmTakes(avx512_vnni_gemm_q_ggml_k);
  checkGemmPath(avx512_gemm_linear_ggml);
}
#endif

} // namespace
