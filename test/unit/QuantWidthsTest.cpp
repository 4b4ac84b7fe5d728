//===- QuantWidthsTest.cpp - 2-, 3-, 5- and 6-bit weights -----------------===//
//
// The blocks of quant_layout.h against hand-written examples of its
// definition; the quantizer's round-trip error per width; the weight
// writer's tiles as the portable kernel decodes them; and the x86 integer
// kernels of each width against the portable kernel.
//
//===----------------------------------------------------------------------===//

#include "Dsc/IR/DscOps.h"
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

using ::dsc::test::nearRowScaled;
using ::dsc::test::randomActivations;
using ::dsc::test::roundLikeKernels;

using namespace mlir;
using namespace mlir::dsc;

using KernelFn = void (*)(const float *, const uint8_t *, float *, int64_t,
                          int64_t, int64_t, int64_t, int64_t);

extern "C" {
void dsc_linear_qf_t4_portable(const float *, const uint8_t *, float *,
                               int64_t, int64_t, int64_t, int64_t, int64_t,
                               int64_t);
void generic_embedding_q_t4(const uint8_t *, const int32_t *, float *, int64_t,
                            int64_t, int64_t, int64_t, int64_t);
#define DSC_QW_DECL(isa, b)                                                    \
  void isa##_linear_q##b##_t4(const float *, const uint8_t *, float *,         \
                              int64_t, int64_t, int64_t, int64_t, int64_t);
DSC_QW_DECL(avx2, 2)
DSC_QW_DECL(avx2, 3)
DSC_QW_DECL(avx2, 5)
DSC_QW_DECL(avx2, 6)
DSC_QW_DECL(avxvnni, 2)
DSC_QW_DECL(avxvnni, 3)
DSC_QW_DECL(avxvnni, 5)
DSC_QW_DECL(avxvnni, 6)
DSC_QW_DECL(avx512_vnni, 2)
DSC_QW_DECL(avx512_vnni, 3)
DSC_QW_DECL(avx512_vnni, 5)
DSC_QW_DECL(avx512_vnni, 6)
#undef DSC_QW_DECL
}

namespace {
const unsigned kWidths[] = {2, 3, 5, 6};

// Written from quant_layout.h's words, not from its functions.
TEST(QuantWidths, BlocksAreLaidOutAsDocumented) {
  // Value 13 of each width, every other value 0.
  uint8_t u[32] = {}, blk[24];
  // 2-bit: value 13 = j 5 + 8 * k 1: bits 2-3 of byte 5.
  u[13] = 3;
  dsc_qblock_pack(u, 2, blk);
  EXPECT_EQ(blk[5], 3 << 2);
  // 3-bit 7 = crumb 3 and bitmask bit 13 (byte 1, bit 5).
  u[13] = 7;
  dsc_qblock_pack(u, 3, blk);
  EXPECT_EQ(blk[5], 3 << 2);
  EXPECT_EQ(blk[8 + 1], 1 << 5);
  // 5-bit 29 = nibble 13 (low nibble of byte 13) and bit 4 (byte 16 + 1,
  // bit 5).
  u[13] = 29;
  dsc_qblock_pack(u, 5, blk);
  EXPECT_EQ(blk[13], 13);
  EXPECT_EQ(blk[16 + 1], 1 << 5);
  // 6-bit 45 (value 29 = byte 13's high nibble; its high crumb at bits 6-7
  // of byte 16 + 5, since 29 = 5 + 8 * 3).
  u[13] = 0;
  u[29] = 45;
  dsc_qblock_pack(u, 6, blk);
  EXPECT_EQ(blk[13], (45 & 15) << 4);
  EXPECT_EQ(blk[16 + 5], (45 >> 4) << 6);
  for (int i = 0; i < 24; ++i)
    if (i != 13 && i != 21)
      EXPECT_EQ(blk[i], 0) << i;
}

TEST(QuantWidths, PackedValuesReadBack) {
  std::mt19937 rng(3);
  for (unsigned bits : {2u, 3u, 4u, 5u, 6u}) {
    uint8_t u[32], blk[24];
    for (int rep = 0; rep < 50; ++rep) {
      for (uint8_t &v : u)
        v = static_cast<uint8_t>(rng() % (1u << bits));
      dsc_qblock_pack(u, bits, blk);
      for (unsigned i = 0; i < 32; ++i)
        ASSERT_EQ(dsc_qblock_value(blk, bits, i), u[i])
            << bits << "-bit value " << i;
    }
  }
}

QTensorType qtype(MLIRContext &ctx, int64_t rows, int64_t cols, unsigned bits,
                  Granularity g, int64_t block, bool sym) {
  ctx.loadDialect<DscDialect>();
  auto s = QuantSchemeAttr::get(&ctx, bits, g, block, sym,
                                Float16Type::get(&ctx));
  return QTensorType::get(&ctx, {rows, cols}, Float32Type::get(&ctx), s);
}

std::vector<float> gaussian(int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::vector<float> w(n);
  for (float &v : w)
    v = d(rng);
  return w;
}

// Round to nearest: every value within one step of its group's scale (half
// a step, except the one end of a symmetric range that has one level
// fewer), and each bit more about halves the error.
TEST(QuantWidths, RoundTripErrorPerWidth) {
  MLIRContext ctx;
  const int64_t rows = 16, cols = 256;
  std::vector<float> w = gaussian(rows * cols, 11);
  for (bool sym : {true, false}) {
    double prev = 0;
    for (unsigned bits : {2u, 3u, 4u, 5u, 6u, 8u}) {
      QTensorType t = qtype(ctx, rows, cols, bits, Granularity::Group, 32, sym);
      auto qt = ::dsc::quantizeRows(t, [&](int64_t r, float *out) {
        std::copy_n(&w[r * cols], cols, out);
      });
      ASSERT_TRUE(static_cast<bool>(qt));
      std::vector<float> deq(w.size());
      ::dsc::dequantize(*qt, deq.data());
      double se = 0, sw = 0;
      for (int64_t i = 0; i < rows * cols; ++i) {
        float d = std::fabs(qt->scale[i / 32]);
        ASSERT_LE(std::fabs(w[i] - deq[i]), d * 1.001f + 1e-7f)
            << bits << "-bit " << (sym ? "sym" : "asym") << " at " << i;
        ASSERT_LT(qt->u[i], 1u << bits);
        se += (w[i] - deq[i]) * (w[i] - deq[i]);
        sw += w[i] * w[i];
      }
      double rel = std::sqrt(se / sw);
      // Half a step of a range of 2^b steps over about 2 amax.
      EXPECT_LT(rel, 1.5 * std::ldexp(1.0, 1 - static_cast<int>(bits)))
          << bits << "-bit";
      if (prev > 0 && bits != 8) {
        EXPECT_GT(rel, 0.3 * prev) << bits << "-bit";
        EXPECT_LT(rel, 0.7 * prev) << bits << "-bit";
      }
      prev = rel;
    }
  }
}

// What the weight writer stores is what the kernels read: every row of
// the tiles, decoded by the portable embedding kernel, is the dequantized
// quantized weight, bit for bit.
TEST(QuantWidths, WriterTilesDecodeToTheQuantizedValues) {
  MLIRContext ctx;
  const int64_t rows = 12, cols = 96;
  std::vector<float> w = gaussian(rows * cols, 5);
  for (unsigned bits : {2u, 3u, 4u, 5u, 6u, 8u})
    for (bool sym : {true, false})
      for (int64_t group : {32, 96}) {
        QTensorType t =
            qtype(ctx, rows, cols, bits, Granularity::Group, group, sym);
        auto qt = ::dsc::quantizeRows(t, [&](int64_t r, float *out) {
          std::copy_n(&w[r * cols], cols, out);
        });
        ASSERT_TRUE(static_cast<bool>(qt));
        std::vector<float> deq(w.size()), got(w.size());
        ::dsc::dequantize(*qt, deq.data());
        std::string bytes;
        llvm::raw_string_ostream os(bytes);
        ::dsc::writeTiledQuantized(*qt, 4, os);
        os.flush();
        ASSERT_EQ(bytes.size(), (rows / 4) * (cols / group) *
                                    dsc_qtile_bytes(group, bits, 2, !sym));
        std::vector<int32_t> ids(rows);
        for (int64_t r = 0; r < rows; ++r)
          ids[r] = static_cast<int32_t>(r);
        generic_embedding_q_t4(reinterpret_cast<const uint8_t *>(bytes.data()),
                               ids.data(), got.data(), rows, cols, group, bits,
                               sym ? 0 : DSC_QFLAG_ASYM);
        for (int64_t i = 0; i < rows * cols; ++i)
          ASSERT_EQ(got[i], deq[i]) << bits << "-bit group " << group
                                    << (sym ? " sym" : " asym") << " at " << i;
      }
}

// Random tiles of a width: values below 2^bits, sane scales.
std::vector<uint8_t> randomTiles(int64_t K, int64_t N, int64_t G, int bits,
                                 int flags, std::mt19937 &rng) {
  bool f32 = flags & DSC_QFLAG_F32_SCALE, asym = flags & DSC_QFLAG_ASYM;
  uint64_t tile = dsc_qtile_bytes(G, bits, f32 ? 4 : 2, asym);
  uint64_t head = 4 * (f32 ? 4 : 2);
  std::vector<uint8_t> w((N / 4) * (K / G) * tile);
  for (uint8_t &b : w)
    b = static_cast<uint8_t>(rng());
  std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
  for (uint64_t t = 0; t < w.size() / tile; ++t) {
    for (int r = 0; r < 4; ++r) {
      float d = scale(rng);
      if (f32) {
        memcpy(&w[t * tile + 4 * r], &d, 4);
      } else {
        uint16_t h = dsc_f32_to_f16(d);
        memcpy(&w[t * tile + 2 * r], &h, 2);
      }
    }
    // Zero points within the width's range.
    if (asym)
      for (int r = 0; r < 4; ++r)
        w[t * tile + head + r] %= static_cast<uint8_t>(1u << bits);
  }
  return w;
}

struct Case {
  int64_t S, K, N, G;
  int flags;
};

// Rows of x: decoding (1), a prompt's pairs and quads with remainders (2,
// 5, 33); odd numbers of 32-column blocks and of groups.
const Case kCases[] = {
    {1, 96, 4, 32, 0},
    {1, 160, 12, 32, 1},
    {2, 96, 20, 96, 2},
    {2, 224, 8, 32, 3},
    {5, 96, 12, 32, 0},
    {5, 320, 4, 64, 1},
    {33, 96, 8, 32, 0},
    {33, 160, 4, 160, 1},
    {1, 256, 16, 128, 0},
    // Decoding rows over long groups (8 to 16 blocks: the 512-bit loop's
    // next-tile prefetch), asymmetric, f32 scales, both.
    {1, 512, 8, 512, 1},
    {2, 256, 12, 256, 3},
    {3, 1024, 4, 256, 2},
};

/// A case's random weights of `bits` and activations (one in 16 large).
struct CaseInputs {
  std::vector<uint8_t> w;
  std::vector<float> x;
};
CaseInputs caseInputs(const Case &c, int bits, unsigned seed) {
  std::mt19937 rng(seed);
  CaseInputs in;
  in.w = randomTiles(c.K, c.N, c.G, bits, c.flags, rng);
  in.x = randomActivations(c.S * c.K, rng);
  return in;
}

void checkWidths(const KernelFn fns[4]) {
  unsigned seed = 100;
  for (int i = 0; i < 4; ++i)
    for (const Case &c : kCases) {
      int bits = static_cast<int>(kWidths[i]);
      auto [w, x] = caseInputs(c, bits, seed++);
      std::vector<float> y(c.S * c.N), ref(c.S * c.N);
      fns[i](x.data(), w.data(), y.data(), c.S, c.K, c.N, c.G, c.flags);
      std::vector<float> xr = roundLikeKernels(x);
      dsc_linear_qf_t4_portable(xr.data(), w.data(), ref.data(), c.S, c.K, c.N,
                                c.G, bits, c.flags);
      ASSERT_TRUE(nearRowScaled(y, ref, c.S, c.N))
          << bits << "-bit S " << c.S << " K " << c.K << " N " << c.N << " G "
          << c.G << " flags " << c.flags;
    }
}
} // namespace

TEST(QuantWidths, AVX2MatchesPortable) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
    GTEST_SKIP() << "the host has no AVX2";
  const KernelFn fns[4] = {avx2_linear_q2_t4, avx2_linear_q3_t4,
                           avx2_linear_q5_t4, avx2_linear_q6_t4};
  checkWidths(fns);
}

// The AVX2 files built with AVX-VNNI (x86_64-avxvnni): against the
// portable kernel, and bit for bit against the AVX2 build (vpdpbusd's sums
// are vpmaddubsw and vpmaddwd's exactly at these widths).
TEST(QuantWidths, AVXVNNIMatchesPortableAndAVX2) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") ||
      !__builtin_cpu_supports("avxvnni"))
    GTEST_SKIP() << "the host has no AVX-VNNI";
  const KernelFn fns[4] = {avxvnni_linear_q2_t4, avxvnni_linear_q3_t4,
                           avxvnni_linear_q5_t4, avxvnni_linear_q6_t4};
  checkWidths(fns);
  const KernelFn two[4] = {avx2_linear_q2_t4, avx2_linear_q3_t4,
                           avx2_linear_q5_t4, avx2_linear_q6_t4};
  unsigned seed = 900;
  for (int i = 0; i < 4; ++i)
    for (const Case &c : kCases) {
      int bits = static_cast<int>(kWidths[i]);
      auto [w, x] = caseInputs(c, bits, seed++);
      std::vector<float> a(c.S * c.N, 1.0f), b(c.S * c.N, -1.0f);
      two[i](x.data(), w.data(), a.data(), c.S, c.K, c.N, c.G, c.flags);
      fns[i](x.data(), w.data(), b.data(), c.S, c.K, c.N, c.G, c.flags);
      ASSERT_EQ(memcmp(a.data(), b.data(), a.size() * 4), 0)
          << bits << "-bit S " << c.S << " K " << c.K << " N " << c.N
          << " flags " << c.flags;
    }
}

TEST(QuantWidths, AVX512VNNIMatchesPortable) {
  if (!__builtin_cpu_supports("avx512f") ||
      !__builtin_cpu_supports("avx512bw") ||
      !__builtin_cpu_supports("avx512vl") ||
      !__builtin_cpu_supports("avx512vnni"))
    GTEST_SKIP() << "the host has no AVX-512 VNNI";
  const KernelFn fns[4] = {avx512_vnni_linear_q2_t4, avx512_vnni_linear_q3_t4,
                           avx512_vnni_linear_q5_t4, avx512_vnni_linear_q6_t4};
  checkWidths(fns);
}
