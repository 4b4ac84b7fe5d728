//===- FrontendTest.cpp - unit tests of the frontend helpers --------------===//

#include "Dsc/IR/DscOps.h"
#include "frontend/Checkpoint.h"
#include "weights/WeightReader.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::dsc;

TEST(Frontend, ShortestFloat32Decimal) {
  EXPECT_EQ(::dsc::shortestFloat32Decimal(static_cast<float>(1e-5)), 1e-5);
  EXPECT_EQ(::dsc::shortestFloat32Decimal(static_cast<float>(1e-6)), 1e-6);
  EXPECT_EQ(::dsc::shortestFloat32Decimal(500000.0), 500000.0);
  // A genuine double is left alone.
  EXPECT_EQ(::dsc::shortestFloat32Decimal(0.1), 0.1);
}

TEST(Frontend, EncodedSizes) {
  EXPECT_EQ(::dsc::encodedSize(mlir::dsc::Encoding::F16, 10), 20u);
  EXPECT_EQ(::dsc::encodedSize(mlir::dsc::Encoding::Q4_0, 64), 36u);
  EXPECT_EQ(::dsc::encodedSize(mlir::dsc::Encoding::Q8_0, 40), 0u); // not whole blocks
}

namespace {
/// Writes floats to a temporary file and reads them back through
/// WeightReader with the given source options.
std::vector<float> readBack(const std::vector<float> &data,
                            std::vector<int64_t> shape, int64_t ropeHeads,
                            bool transpose, int64_t tileRows = 0) {
  MLIRContext ctx;
  ctx.loadDialect<DscDialect>();
  TiledLayoutAttr layout =
      tileRows ? TiledLayoutAttr::get(&ctx, tileRows, 16) : TiledLayoutAttr();
  llvm::SmallString<128> path;
  EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("w", "bin", path));
  llvm::FileRemover remove(path);
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os.write(reinterpret_cast<const char *>(data.data()), data.size() * 4);
  }
  auto src = FileSourceAttr::get(&ctx, path.str(), 0, data.size() * 4,
                                 Encoding::F32, ropeHeads, transpose);
  auto type = RankedTensorType::get(shape, Float32Type::get(&ctx));
  std::string out;
  llvm::raw_string_ostream os(out);
  ::dsc::WeightReader reader;
  EXPECT_FALSE(static_cast<bool>(reader.write(src, type, layout, os)));
  std::vector<float> result(out.size() / 4);
  memcpy(result.data(), out.data(), out.size());
  return result;
}
} // namespace

TEST(WeightReader, UndoesRotateHalfRowOrder) {
  // One head of 4 rows in HF order [r0, r1, r2, r3] = Meta rows
  // [0, 2, 1, 3]: reading puts them back as 0, 1, 2, 3.
  std::vector<float> hf = {0, 2, 1, 3};
  EXPECT_EQ(readBack(hf, {4}, 1, false), (std::vector<float>{0, 1, 2, 3}));
  // Two heads of 4 rows, 1 column.
  std::vector<float> two = {0, 2, 1, 3, 4, 6, 5, 7};
  EXPECT_EQ(readBack(two, {8}, 2, false),
            (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(WeightReader, TransposesAndTiles) {
  // The file holds the [in = 2, out = 3] transpose.
  std::vector<float> t = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(readBack(t, {3, 2}, 0, true),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
  // 4x32 tiled 4x16: tile 0 holds columns 0-15 of the four rows.
  std::vector<float> m(4 * 32);
  for (size_t i = 0; i < m.size(); ++i)
    m[i] = static_cast<float>(i);
  std::vector<float> tiled = readBack(m, {4, 32}, 0, false, /*tileRows=*/4);
  EXPECT_EQ(tiled[0], 0.0f);
  EXPECT_EQ(tiled[16], 32.0f);  // row 1, column 0
  EXPECT_EQ(tiled[64], 16.0f);  // tile 1: row 0, column 16
  EXPECT_EQ(tiled[127], 127.0f);
}
