//===- ParallelWriteTest.cpp - the weight writer on several threads -------===//

#include "weights/ParallelWrite.h"
#include "Dsc/IR/DscOps.h"
#include "Dsc/IR/DscTypes.h"
#include "Dsc/IR/QuantTiles.h"
#include "weights/Layouts.h"
#include "weights/Quantizer.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/SmallVector.h"

#include <gtest/gtest.h>

#include <random>

using namespace mlir;
using namespace mlir::dsc;

namespace {
struct Case {
  unsigned bits;
  Granularity g;
  int64_t block;
  bool sym;
  bool importance;
  int scale = 0; // 0: f16, 1: f32, 2: i8 codes (two-level)
};

/// The bytes of the serial quantizer and layout functions.
std::string serial(QTensorType t, const std::vector<float> &w,
                   ArrayRef<float> imp, int64_t tileRows) {
  int64_t cols = t.getCols();
  auto qt = ::dsc::quantizeRows(
      t, [&](int64_t r, float *out) { std::copy_n(&w[r * cols], cols, out); },
      imp);
  EXPECT_TRUE(static_cast<bool>(qt));
  std::string s;
  llvm::raw_string_ostream os(s);
  tileRows ? ::dsc::writeTiledQuantized(*qt, tileRows, os)
           : ::dsc::writePlainQuantized(*qt, os);
  return s;
}
} // namespace

// Whatever the number of threads, the bytes are the serial ones: blocks of
// rows are quantized independently and joined in order.
TEST(ParallelWrite, SameBytesForAnyThreadCount) {
  MLIRContext ctx;
  ctx.loadDialect<DscDialect>();
  const Case cases[] = {{4, Granularity::Group, 32, true, false},
                        {4, Granularity::Group, 64, false, true},
                        {8, Granularity::Channel, 0, true, false},
                        {8, Granularity::Channel, 0, true, true},
                        {4, Granularity::Head, 8, true, false},
                        {4, Granularity::Head, 12, true, true},
                        {8, Granularity::Tensor, 0, true, false},
                        {8, Granularity::Group, 32, true, false, 1},
                        {4, Granularity::Channel, 0, true, false, 1},
                        {4, Granularity::Group, 32, true, true, 2},
                        {4, Granularity::Group, 32, false, false, 2}};
  std::mt19937 rng(3);
  std::normal_distribution<float> d(0.0f, 0.02f);
  std::uniform_real_distribution<float> u(0.0f, 4.0f);
  const int64_t rows = 96, cols = 128;
  std::vector<float> w(rows * cols), imp(cols);
  for (float &v : w)
    v = d(rng);
  for (float &v : imp)
    v = u(rng);
  for (const Case &c : cases) {
    Type scaleType = c.scale == 0   ? Type(Float16Type::get(&ctx))
                     : c.scale == 1 ? Type(Float32Type::get(&ctx))
                                    : Type(IntegerType::get(&ctx, 8));
    auto s = QuantSchemeAttr::get(&ctx, c.bits, c.g, c.block, c.sym, scaleType);
    auto t = QTensorType::get(&ctx, {rows, cols}, Float32Type::get(&ctx), s);
    ArrayRef<float> im = c.importance ? ArrayRef<float>(imp) : ArrayRef<float>();
    for (int64_t tileRows : {4, 16, 0}) {
      // Row-interleaved blocks are int4:group=32's alone.
      if (tileRows == 16 && !isRowInterleavableScheme(s))
        continue;
      std::string want = serial(t, w, im, tileRows);
      // As many bytes as the weight's storage: a writer that wrote a scale
      // per row for per-tensor or per-head scales would shift every weight
      // after it in the payload.
      TiledLayoutAttr layout =
          tileRows ? TiledLayoutAttr::get(
                         &ctx, tileRows,
                         tileRows == 16 ? 32 : getQuantTileColumns(t))
                   : TiledLayoutAttr();
      EXPECT_EQ(want.size(), getStorageBytes(t, layout))
          << "bits " << c.bits << " granularity " << static_cast<int>(c.g)
          << " scale " << c.scale << " tile rows " << tileRows;
      for (unsigned threads : {1u, 2u, 3u, 8u}) {
        std::string got;
        llvm::raw_string_ostream os(got);
        llvm::Error e = ::dsc::writeQuantized(
            t,
            [&](int64_t r, float *out) {
              std::copy_n(&w[r * cols], cols, out);
            },
            im, {}, tileRows, os, threads);
        ASSERT_FALSE(static_cast<bool>(e));
        os.flush();
        EXPECT_EQ(got, want)
            << "bits " << c.bits << " granularity " << static_cast<int>(c.g)
            << " scale " << c.scale << " tile rows " << tileRows << " threads "
            << threads;
      }
    }
  }
}

TEST(ParallelWrite, TilesSameForAnyThreadCount) {
  MLIRContext ctx;
  ctx.loadDialect<DscDialect>();
  auto layout = TiledLayoutAttr::get(&ctx, 4, 16);
  const uint64_t rows = 52, cols = 64;
  std::vector<uint16_t> w(rows * cols);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<uint16_t>(i * 2654435761u);
  const char *src = reinterpret_cast<const char *>(w.data());
  std::string want;
  llvm::raw_string_ostream wos(want);
  ::dsc::writeTiles(src, rows, cols, 2, layout, wos);
  wos.flush();
  for (unsigned threads : {1u, 2u, 5u}) {
    std::string got;
    llvm::raw_string_ostream os(got);
    ::dsc::writeTilesParallel(src, rows, cols, 2, layout, os, threads);
    os.flush();
    EXPECT_EQ(got, want) << "threads " << threads;
  }
}

TEST(ParallelWrite, BlocksCoverTheRowsInUnits) {
  for (unsigned threads : {1u, 2u, 7u})
    for (int64_t n : {1, 4, 96, 1000, 32000}) {
      ::dsc::BlockPlan p = ::dsc::planBlocks(n, 4, threads);
      EXPECT_EQ(p.size % 4, 0);
      EXPECT_GE(p.size * p.count, n);
      EXPECT_LT(p.size * (p.count - 1), n);
    }
}

#include "dsc/half.h"
#include "weights/Encodings.h"

#include <cstring>

/// F16 rows decode as dsc_f16_to_f32 does for every bit pattern (the
/// vector path hands blocks holding an infinity or NaN to the scalar one),
/// at every offset and tail length of a row.
TEST(Encodings, F16RowsDecodeEveryPattern) {
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < all.size(); ++i)
    all[i] = static_cast<uint16_t>(i);
  // A NaN among finite values, in the middle of an 8-value block.
  all[12] = 0x7C01;
  std::vector<float> out(all.size());
  for (uint64_t start : {0, 1, 5}) {
    uint64_t n = all.size() - start - 3;
    ::dsc::decodeRow(Encoding::F16,
                   reinterpret_cast<const uint8_t *>(all.data() + start), n,
                   out.data());
    for (uint64_t i = 0; i < n; ++i) {
      float ref = dsc_f16_to_f32(all[start + i]);
      uint32_t a, b;
      memcpy(&a, &out[i], 4);
      memcpy(&b, &ref, 4);
      ASSERT_EQ(a, b) << "f16 bits " << all[start + i] << " at " << i;
    }
  }
}
