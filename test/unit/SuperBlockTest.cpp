//===- SuperBlockTest.cpp - two-level scales (scale=i8) -------------------===//
//
// The two-level tiles of quant_layout.h (DSC_QFLAG_SUPER) against a
// hand-written example of its definition; the quantizer's round trip (group
// scales exactly code x f16 super-block scale, error within a step, about
// the one-level scheme's, and the importance search better than round to
// nearest); the weight writer's tiles as the portable kernel decodes them;
// the portable matrix kernel against the decoded weights; and the x86
// integer kernels of every width against the portable kernel.
//
//===----------------------------------------------------------------------===//

#include "Dsc/IR/DscOps.h"
#include "Dsc/IR/QuantTiles.h"
#include "dsc/abi/quant_layout.h"
#include "dsc/half.h"
#include "weights/Layouts.h"
#include "weights/Quantizer.h"

#include "mlir/IR/MLIRContext.h"

#include "KernelCheck.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace mlir;
using ::dsc::test::nearRowScaled;
using ::dsc::test::randomActivations;
using ::dsc::test::roundLikeKernels;
using namespace mlir::dsc;

using KernelFn = void (*)(const float *, const uint8_t *, float *, int64_t,
                          int64_t, int64_t, int64_t, int64_t);

extern "C" {
void dsc_linear_qf_t4_portable(const float *, const uint8_t *, float *, int64_t,
                               int64_t, int64_t, int64_t, int64_t, int64_t);
void generic_embedding_q_t4(const uint8_t *, const int32_t *, float *, int64_t,
                            int64_t, int64_t, int64_t, int64_t);
#define DSC_SB_DECL(isa, b)                                                    \
  void isa##_linear_q##b##_t4(const float *, const uint8_t *, float *,         \
                              int64_t, int64_t, int64_t, int64_t, int64_t);
DSC_SB_DECL(avx2, 2)
DSC_SB_DECL(avx2, 3)
DSC_SB_DECL(avx2, 4)
DSC_SB_DECL(avx2, 5)
DSC_SB_DECL(avx2, 6)
DSC_SB_DECL(avx512_vnni, 2)
DSC_SB_DECL(avx512_vnni, 3)
DSC_SB_DECL(avx512_vnni, 4)
DSC_SB_DECL(avx512_vnni, 5)
DSC_SB_DECL(avx512_vnni, 6)
#undef DSC_SB_DECL
#define DSC_SB_GEMM(isa)                                                       \
  int isa##_gemm_q_t4(const float *, const uint8_t *, float *, int64_t,        \
                      int64_t, int64_t, int64_t, int64_t, int64_t);
DSC_SB_GEMM(avx2)
DSC_SB_GEMM(avxvnni)
DSC_SB_GEMM(avx512_vnni)
#undef DSC_SB_GEMM
}

namespace {

// Written from quant_layout.h's words: a 4-bit asymmetric tile of 4 rows by
// 128 columns (n = 4 groups), every value 0 except those set below.
TEST(SuperBlock, TileIsLaidOutAsDocumented) {
  const int64_t SB = 128, n = 4;
  uint64_t bytes = dsc_qsuper_tile_bytes(SB, 4, 1);
  // d[4] f16 (8) + sc[4n] (16) + z[2n] (8) + 4 rows x 64 bytes.
  ASSERT_EQ(bytes, 8u + 16u + 8u + 256u);
  std::vector<uint8_t> tile(bytes, 0);
  // Row 2: super-block scale 0.5, group 3's code 6, zero point 5; value 100
  // (group 3, position 4) is 9: 0.5 * 6 * (9 - 5) = 12.
  uint16_t half = dsc_f32_to_f16(0.5f);
  memcpy(&tile[2 * 2], &half, 2);
  tile[8 + 2 * n + 3] = 6;
  tile[8 + 4 * n + 2 * n / 2 + 3 / 2] = 5 << 4; // group 3: high nibble
  // Row 2's values start at 32 + 2 * 64; value 100 is in its block 3 (bytes
  // 48..63), position 4: low nibble of byte 4.
  tile[32 + 2 * 64 + 3 * 16 + 4] = 9;
  std::vector<float> out(SB);
  int32_t id = 2;
  generic_embedding_q_t4(tile.data(), &id, out.data(), 1, SB, SB, 4,
                         DSC_QFLAG_ASYM | DSC_QFLAG_SUPER);
  for (int64_t j = 0; j < SB; ++j) {
    // Group 3's other values are 0: 3 * (0 - 5) = -15; other groups' codes
    // are 0.
    float want = j == 100 ? 12.0f : (j / 32 == 3 ? -15.0f : 0.0f);
    ASSERT_EQ(out[j], want) << "column " << j;
  }
  // Symmetric: codes are signed and the zero point is 8.
  uint64_t symBytes = dsc_qsuper_tile_bytes(SB, 4, 0);
  ASSERT_EQ(symBytes, 8u + 16u + 256u);
  std::vector<uint8_t> sym(symBytes, 0);
  memcpy(&sym[0], &half, 2);
  sym[8 + 1] = static_cast<uint8_t>(-3); // row 0, group 1
  sym[24 + 16 + 0] = 0x0A;               // row 0, column 32: 10
  id = 0;
  generic_embedding_q_t4(sym.data(), &id, out.data(), 1, SB, SB, 4,
                         DSC_QFLAG_SUPER);
  EXPECT_EQ(out[32], 0.5f * -3 * (10 - 8));
  EXPECT_EQ(out[33], 0.5f * -3 * (0 - 8));
  EXPECT_EQ(out[0], 0.0f);
}

// Two-level scales (i8) or, with `twoLevel` false, f16 scales per group.
QTensorType qtype(MLIRContext &ctx, int64_t rows, int64_t cols, unsigned bits,
                  bool sym, bool twoLevel) {
  ctx.loadDialect<DscDialect>();
  Type scale =
      twoLevel ? Type(IntegerType::get(&ctx, 8)) : Type(Float16Type::get(&ctx));
  auto s = QuantSchemeAttr::get(&ctx, bits, Granularity::Group, 32, sym, scale);
  return QTensorType::get(&ctx, {rows, cols}, Float32Type::get(&ctx), s);
}

std::vector<float> gaussian(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> w(n);
  for (float &v : w)
    v = d(rng) * (rng() % 64 == 0 ? 6.0f : 1.0f);
  return w;
}

::dsc::QuantizedTensor quantize(QTensorType t, const std::vector<float> &w,
                                const std::vector<float> &imp = {}) {
  int64_t cols = t.getCols();
  auto qt = ::dsc::quantizeRows(
      t, [&](int64_t r, float *out) { std::copy_n(&w[r * cols], cols, out); },
      imp);
  EXPECT_TRUE(static_cast<bool>(qt));
  return std::move(*qt);
}

double weightedError(const std::vector<float> &w, const std::vector<float> &d,
                     const std::vector<float> &imp, int64_t cols) {
  double e = 0;
  for (size_t i = 0; i < w.size(); ++i)
    e += imp[i % cols] * (w[i] - d[i]) * (w[i] - d[i]);
  return e;
}

// Every group's scale is exactly its code times an f16 super-block scale,
// codes in range, values within a step of their group's scale, and the
// error about the one-level scheme's (f16 scale per group).
TEST(SuperBlock, RoundTrip) {
  MLIRContext ctx;
  const int64_t rows = 8;
  for (bool sym : {true, false})
    for (unsigned bits : {2u, 3u, 4u, 5u, 6u}) {
      if (!sym && bits > 4)
        continue;
      // Super-blocks of 256 and (448 = 7 x 64 columns) 64.
      for (int64_t cols : {512, 448}) {
        std::vector<float> w = gaussian(rows * cols, 3);
        int64_t sb = getSuperBlockColumns(cols);
        ASSERT_EQ(sb, cols == 512 ? 256 : 64);
        ::dsc::QuantizedTensor qt =
            quantize(qtype(ctx, rows, cols, bits, sym, true), w);
        ASSERT_EQ(qt.superBlock, sb);
        ASSERT_EQ(qt.superScale.size(), static_cast<size_t>(rows * cols / sb));
        ASSERT_EQ(qt.code.size(), static_cast<size_t>(rows * cols / 32));
        int64_t groups = cols / 32;
        for (int64_t i = 0; i < rows * groups; ++i) {
          float unit = qt.superScale[(i / groups) * (cols / sb) +
                                     (i % groups) * 32 / sb];
          ASSERT_EQ(unit, dsc_f16_to_f32(dsc_f32_to_f16(unit)));
          ASSERT_GE(unit, 0.0f);
          ASSERT_EQ(qt.scale[i], unit * static_cast<float>(qt.code[i]));
          ASSERT_LE(qt.code[i], sym ? 127 : 255);
          ASSERT_GE(qt.code[i], sym ? -127 : 0);
          ASSERT_LT(qt.zero[i], 1u << bits);
        }
        std::vector<float> deq(w.size());
        ::dsc::dequantize(qt, deq.data());
        double se = 0;
        for (int64_t i = 0; i < rows * cols; ++i) {
          float d = std::fabs(qt.scale[i / 32]);
          ASSERT_LE(std::fabs(w[i] - deq[i]), d * 1.001f + 1e-7f)
              << bits << "-bit " << (sym ? "sym" : "asym") << " super " << sb
              << " at " << i;
          se += (w[i] - deq[i]) * (w[i] - deq[i]);
        }
        // One level, the same groups.
        ::dsc::QuantizedTensor one =
            quantize(qtype(ctx, rows, cols, bits, sym, false), w);
        std::vector<float> deq1(w.size());
        ::dsc::dequantize(one, deq1.data());
        double se1 = 0;
        for (int64_t i = 0; i < rows * cols; ++i)
          se1 += (w[i] - deq1[i]) * (w[i] - deq1[i]);
        EXPECT_LT(se, 1.15 * se1)
            << bits << "-bit " << (sym ? "sym" : "asym") << " super " << sb;
      }
    }
}

// With importance, each group's code is searched by the weighted error, so
// the weighted error is below round to nearest's on the same weights.
TEST(SuperBlock, ImportanceSearchBeatsNearest) {
  MLIRContext ctx;
  const int64_t rows = 8, cols = 512;
  std::vector<float> w = gaussian(rows * cols, 9);
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> imp(cols);
  for (float &v : imp)
    v = 0.05f + u(rng) * u(rng) * 4.0f;
  for (bool sym : {true, false}) {
    QTensorType t = qtype(ctx, rows, cols, 4, sym, true);
    std::vector<float> a(w.size()), b(w.size());
    ::dsc::dequantize(quantize(t, w), a.data());
    ::dsc::dequantize(quantize(t, w, imp), b.data());
    double rtn = weightedError(w, a, imp, cols);
    double searched = weightedError(w, b, imp, cols);
    EXPECT_LT(searched, 0.9 * rtn) << (sym ? "sym" : "asym");
  }
}

// What the weight writer stores is what the kernels read, bit for bit.
TEST(SuperBlock, WriterTilesDecodeToTheQuantizedValues) {
  MLIRContext ctx;
  const int64_t rows = 12;
  for (bool sym : {true, false})
    for (unsigned bits : {2u, 3u, 4u, 5u, 6u})
      // Super-blocks of 256, 192 and 128 columns.
      for (int64_t cols : {512, 384, 640}) {
        if (!sym && bits > 4)
          continue;
        std::vector<float> w = gaussian(rows * cols, 5);
        int64_t sb = getSuperBlockColumns(cols);
        ::dsc::QuantizedTensor qt =
            quantize(qtype(ctx, rows, cols, bits, sym, true), w);
        std::vector<float> deq(w.size()), got(w.size());
        ::dsc::dequantize(qt, deq.data());
        std::string bytes;
        llvm::raw_string_ostream os(bytes);
        ::dsc::writeTiledQuantized(qt, 4, os);
        os.flush();
        ASSERT_EQ(bytes.size(), (rows / 4) * (cols / sb) *
                                    dsc_qsuper_tile_bytes(sb, bits, !sym));
        ASSERT_EQ(bytes.size(),
                  getStorageBytes(qtype(ctx, rows, cols, bits, sym, true),
                                  TiledLayoutAttr::get(&ctx, 4, sb)));
        std::vector<int32_t> ids(rows);
        for (int64_t r = 0; r < rows; ++r)
          ids[r] = static_cast<int32_t>(r);
        generic_embedding_q_t4(reinterpret_cast<const uint8_t *>(bytes.data()),
                               ids.data(), got.data(), rows, cols, sb, bits,
                               DSC_QFLAG_SUPER | (sym ? 0 : DSC_QFLAG_ASYM));
        for (int64_t i = 0; i < rows * cols; ++i)
          ASSERT_EQ(got[i], deq[i]) << bits << "-bit super " << sb
                                    << (sym ? " sym" : " asym") << " at " << i;
      }
}

// 4.3125 and 4.4375 bits per weight at 4 bits and 256 columns.
TEST(SuperBlock, BitsPerWeight) {
  MLIRContext ctx;
  const int64_t rows = 64, cols = 1024;
  for (bool sym : {true, false}) {
    uint64_t bytes = getStorageBytes(qtype(ctx, rows, cols, 4, sym, true),
                                     TiledLayoutAttr::get(&ctx, 4, 256));
    EXPECT_EQ(8.0 * bytes / (rows * cols), sym ? 4.3125 : 4.4375);
  }
}

// Random two-level tiles: values below 2^bits, codes and zero points in
// range, sane super-block scales.
std::vector<uint8_t> randomTiles(int64_t K, int64_t N, int64_t SB, int bits,
                                 bool asym, std::mt19937 &rng) {
  uint64_t tile = dsc_qsuper_tile_bytes(SB, bits, asym);
  std::vector<uint8_t> w((N / 4) * (K / SB) * tile);
  for (uint8_t &b : w)
    b = static_cast<uint8_t>(rng());
  std::uniform_real_distribution<float> scale(0.0f, 0.001f);
  for (uint64_t t = 0; t < w.size() / tile; ++t)
    for (int r = 0; r < 4; ++r) {
      uint16_t h = dsc_f32_to_f16(scale(rng));
      memcpy(&w[t * tile + 2 * r], &h, 2);
    }
  // Zero points are nibbles (values up to 4 bits): any nibble may exceed a
  // 2- or 3-bit range, which the matrix-vector kernels compute all the same
  // (the prompt GEMM declines those weights; see zerosInRange).
  return w;
}

// The zero points within 2- and 3-bit values' range, as the quantizer
// writes them: the prompt GEMM's (gemm_q_x86.h) weights.
void zerosInRange(std::vector<uint8_t> &w, int64_t SB, int bits) {
  uint64_t tile = dsc_qsuper_tile_bytes(SB, bits, true);
  uint64_t z0 = dsc_qsuper_zero_offset(SB);
  uint8_t mask =
      static_cast<uint8_t>((((1 << bits) - 1) << 4) | ((1 << bits) - 1));
  for (uint64_t t = 0; t < w.size() / tile; ++t)
    for (uint64_t i = z0; i < z0 + 4 * (SB / 32) / 2; ++i)
      w[t * tile + i] &= mask;
}

struct Case {
  int64_t S, K, N, SB;
  bool asym;
};

// Decoding (1), prompts' pairs and quads with remainders (2, 5, 33), one
// and several super-blocks per row.
const Case kCases[] = {
    {1, 256, 8, 256, false},
    {1, 512, 12, 256, true},
    {1, 192, 4, 64, true},
    {2, 256, 8, 128, false},
    {5, 512, 4, 256, true},
    {5, 320, 8, 64, false},
    {33, 256, 4, 256, false},
    {33, 384, 8, 128, true},
    {3, 768, 4, 256, true},
    // Prompts through the GEMM: one super-block a row (its blocks' own
    // scales, not one per channel), and K past one slice of its panel.
    {8, 256, 36, 256, true},
    {8, 2048, 12, 256, true},
    {6, 2048, 8, 128, false},
};

// The portable kernel is the product of the decoded weights.
TEST(SuperBlock, PortableKernelIsTheDecodedProduct) {
  unsigned seed = 50;
  for (int bits = 2; bits <= 6; ++bits)
    for (const Case &c : kCases) {
      if (c.asym && bits > 4)
        continue;
      std::mt19937 rng(seed++);
      int flags = DSC_QFLAG_SUPER | (c.asym ? DSC_QFLAG_ASYM : 0);
      std::vector<uint8_t> w = randomTiles(c.K, c.N, c.SB, bits, c.asym, rng);
      std::vector<float> deq(c.N * c.K);
      std::vector<int32_t> ids(c.N);
      for (int64_t n = 0; n < c.N; ++n)
        ids[n] = static_cast<int32_t>(n);
      generic_embedding_q_t4(w.data(), ids.data(), deq.data(), c.N, c.K, c.SB,
                             bits, flags);
      std::normal_distribution<float> nd(0.0f, 1.0f);
      std::vector<float> x(c.S * c.K), y(c.S * c.N);
      for (float &v : x)
        v = nd(rng);
      dsc_linear_qf_t4_portable(x.data(), w.data(), y.data(), c.S, c.K, c.N,
                                c.SB, bits, flags);
      for (int64_t s = 0; s < c.S; ++s)
        for (int64_t n = 0; n < c.N; ++n) {
          double ref = 0, mag = 0;
          for (int64_t k = 0; k < c.K; ++k) {
            ref += static_cast<double>(x[s * c.K + k]) * deq[n * c.K + k];
            mag += std::fabs(x[s * c.K + k] * deq[n * c.K + k]);
          }
          ASSERT_NEAR(y[s * c.N + n], ref, 1e-5 * mag + 1e-6)
              << bits << "-bit S " << c.S << " K " << c.K << " SB " << c.SB
              << (c.asym ? " asym" : " sym") << " row " << s << " out " << n;
        }
    }
}

int superFlags(const Case &c) {
  return DSC_QFLAG_SUPER | (c.asym ? DSC_QFLAG_ASYM : 0);
}

/// A case's two-level tiles of `bits` (2- and 3-bit zero points within
/// their range where asked) and activations.
struct CaseInputs {
  std::vector<uint8_t> w;
  std::vector<float> x;
};
CaseInputs caseInputs(const Case &c, int bits, bool inRange, unsigned seed) {
  std::mt19937 rng(seed);
  CaseInputs in;
  in.w = randomTiles(c.K, c.N, c.SB, bits, c.asym, rng);
  if (inRange)
    zerosInRange(in.w, c.SB, bits);
  in.x = randomActivations(c.S * c.K, rng);
  return in;
}

/// y against the portable kernel on the case's activations rounded as the
/// integer kernels round them.
::testing::AssertionResult matchesPortable(const std::vector<float> &y,
                                           const Case &c, int bits,
                                           const CaseInputs &in) {
  std::vector<float> xr = roundLikeKernels(in.x), ref(c.S * c.N);
  dsc_linear_qf_t4_portable(xr.data(), in.w.data(), ref.data(), c.S, c.K, c.N,
                            c.SB, bits, superFlags(c));
  return nearRowScaled(y, ref, c.S, c.N);
}

void checkKernels(const KernelFn fns[5]) {
  unsigned seed = 200;
  for (bool inRange : {false, true})
    for (int bits = 2; bits <= 6; ++bits)
      for (const Case &c : kCases) {
        if (c.asym && bits > 4)
          continue;
        if (inRange && !(c.asym && bits < 4))
          continue;
        CaseInputs in = caseInputs(c, bits, inRange, seed++);
        std::vector<float> y(c.S * c.N);
        fns[bits - 2](in.x.data(), in.w.data(), y.data(), c.S, c.K, c.N, c.SB,
                      superFlags(c));
        ASSERT_TRUE(matchesPortable(y, c, bits, in))
            << bits << "-bit S " << c.S << " K " << c.K << " N " << c.N
            << " SB " << c.SB << (c.asym ? " asym" : " sym");
      }
}
} // namespace

TEST(SuperBlock, AVX2MatchesPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  const KernelFn fns[5] = {avx2_linear_q2_t4, avx2_linear_q3_t4,
                           avx2_linear_q4_t4, avx2_linear_q5_t4,
                           avx2_linear_q6_t4};
  checkKernels(fns);
}

TEST(SuperBlock, AVX512VNNIMatchesPortable) {
  if (!__builtin_cpu_supports("avx512f") ||
      !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") ||
      !__builtin_cpu_supports("avx512vnni"))
    GTEST_SKIP() << "the host has no AVX-512 VNNI";
  const KernelFn fns[5] = {avx512_vnni_linear_q2_t4, avx512_vnni_linear_q3_t4,
                           avx512_vnni_linear_q4_t4, avx512_vnni_linear_q5_t4,
                           avx512_vnni_linear_q6_t4};
  checkKernels(fns);
}

namespace {
using GemmFn = int (*)(const float *, const uint8_t *, float *, int64_t,
                       int64_t, int64_t, int64_t, int64_t, int64_t);

/// The prompt GEMM itself (the linear kernels above hand it their prompts,
/// but decline-and-fall-back would pass there too): it takes two-level
/// tiles of every width, symmetric or with zero points in range, and
/// matches the portable kernel; a 2- or 3-bit zero point past the range
/// it declines. Rows: AVX-512's micro-tile of 6 and its remainders of 4 and
/// 5, AVX2's of 4 and 1.
void checkGemm(GemmFn gemm) {
  unsigned seed = 700;
  const Case cases[] = {{4, 256, 8, 256, true},
                        {6, 512, 36, 128, false},
                        {10, 320, 12, 64, true},
                        {11, 2048, 8, 256, true},
                        {5, 768, 20, 256, false}};
  for (int bits = 2; bits <= 6; ++bits)
    for (const Case &c : cases) {
      if (c.asym && bits > 4)
        continue;
      CaseInputs in = caseInputs(c, bits, c.asym && bits < 4, seed++);
      std::vector<float> y(c.S * c.N, 1e30f);
      ASSERT_EQ(gemm(in.x.data(), in.w.data(), y.data(), c.S, c.K, c.N, c.SB,
                     bits, superFlags(c)),
                1)
          << bits << "-bit S " << c.S << " SB " << c.SB;
      ASSERT_TRUE(matchesPortable(y, c, bits, in))
          << bits << "-bit S " << c.S << " K " << c.K << " N " << c.N << " SB "
          << c.SB << (c.asym ? " asym" : " sym");
    }
  // A 2-bit zero point of 4 (past 0..3): declined.
  Case c{4, 256, 4, 256, true};
  std::mt19937 rng(seed);
  std::vector<uint8_t> w = randomTiles(c.K, c.N, c.SB, 2, true, rng);
  zerosInRange(w, c.SB, 2);
  w[dsc_qsuper_zero_offset(c.SB)] = 0x04;
  std::vector<float> x(c.S * c.K, 1.0f), y(c.S * c.N);
  EXPECT_EQ(gemm(x.data(), w.data(), y.data(), c.S, c.K, c.N, c.SB, 2,
                 DSC_QFLAG_SUPER | DSC_QFLAG_ASYM),
            0);
}
} // namespace

TEST(SuperBlock, AVX2GemmMatchesPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  checkGemm(avx2_gemm_q_t4);
}

TEST(SuperBlock, AVXVNNIGemmMatchesPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") ||
      !__builtin_cpu_supports("avxvnni"))
    GTEST_SKIP() << "the host has no AVX-VNNI";
  checkGemm(avxvnni_gemm_q_t4);
}

TEST(SuperBlock, AVX512VNNIGemmMatchesPortable) {
  if (!__builtin_cpu_supports("avx512f") ||
      !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") ||
      !__builtin_cpu_supports("avx512vnni"))
    GTEST_SKIP() << "the host has no AVX-512 VNNI";
  checkGemm(avx512_vnni_gemm_q_t4);
}
