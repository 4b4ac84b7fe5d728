//===- WeightSourcesTest.cpp - the weight-source interpreter --------------===//
//
// Small hand-made files read through every weight source and composition of
// them, against a reference written directly from each attribute's
// definition (the forward HF permutation, plain loops for transposes,
// slices and scales). Both of WeightReader's paths are checked: evaluating
// to floats, and streaming the stored rows of row-only sources.
//
//===----------------------------------------------------------------------===//

#include "Dsc/IR/DscOps.h"
#include "weights/WeightReader.h"

#include "dsc/abi/quant_layout.h"
#include "dsc/half.h"

#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

using namespace mlir;
using namespace mlir::dsc;

namespace {

/// A row-major matrix; 1-D weights are one column.
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> v;
  float at(int64_t r, int64_t c) const { return v[r * cols + c]; }
};

Matrix iota(int64_t rows, int64_t cols) {
  Matrix m{rows, cols, {}};
  for (int64_t i = 0; i < rows * cols; ++i)
    m.v.push_back(static_cast<float>(i) * 0.5f - 3.0f);
  return m;
}

Matrix refTranspose(const Matrix &m) {
  Matrix t{m.cols, m.rows, {}};
  for (int64_t r = 0; r < t.rows; ++r)
    for (int64_t c = 0; c < t.cols; ++c)
      t.v.push_back(m.at(c, r));
  return t;
}

/// What a Hugging Face conversion does to q/k rows: per head of d rows, the
/// even (first of each rotated pair) rows first, then the odd ones.
Matrix toHFOrder(const Matrix &m, int64_t heads) {
  Matrix out{m.rows, m.cols, {}};
  int64_t d = m.rows / heads;
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t j = 0; j < d; ++j) {
      int64_t from = h * d + (j < d / 2 ? 2 * j : 2 * (j - d / 2) + 1);
      for (int64_t c = 0; c < m.cols; ++c)
        out.v.push_back(m.at(from, c));
    }
  return out;
}

Matrix refSlice(const Matrix &m, std::vector<int64_t> rows,
                std::vector<int64_t> cols) {
  if (rows.empty())
    for (int64_t r = 0; r < m.rows; ++r)
      rows.push_back(r);
  if (cols.empty())
    for (int64_t c = 0; c < m.cols; ++c)
      cols.push_back(c);
  Matrix out{
      static_cast<int64_t>(rows.size()), static_cast<int64_t>(cols.size()), {}};
  for (int64_t r : rows)
    for (int64_t c : cols)
      out.v.push_back(m.at(r, c));
  return out;
}

Matrix refScale(Matrix m, const std::vector<float> &rows,
                const std::vector<float> &cols) {
  for (int64_t r = 0; r < m.rows; ++r)
    for (int64_t c = 0; c < m.cols; ++c)
      m.v[r * m.cols + c] *=
          (rows.empty() ? 1.0f : rows[r]) * (cols.empty() ? 1.0f : cols[c]);
  return m;
}

class WeightSources : public ::testing::Test {
protected:
  void SetUp() override { ctx.loadDialect<DscDialect>(); }
  void TearDown() override {
    for (auto &path : paths)
      llvm::sys::fs::remove(path);
  }

  /// A temporary file holding `bytes` after `pad` bytes of padding.
  FileSourceAttr file(const std::string &bytes, Encoding enc, int64_t pad = 0) {
    llvm::SmallString<128> path;
    EXPECT_FALSE(llvm::sys::fs::createTemporaryFile("w", "bin", path));
    paths.push_back(std::string(path));
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os << std::string(pad, '\x7f') << bytes;
    return FileSourceAttr::get(&ctx, path.str(), pad, bytes.size(), enc);
  }
  FileSourceAttr fileF32(const Matrix &m, int64_t pad = 0) {
    return file(
        std::string(reinterpret_cast<const char *>(m.v.data()), m.v.size() * 4),
        Encoding::F32, pad);
  }
  FileSourceAttr fileF16(const Matrix &m) {
    std::string bytes;
    for (float f : m.v) {
      uint16_t h = dsc_f32_to_f16(f);
      bytes.append(reinterpret_cast<const char *>(&h), 2);
    }
    return file(bytes, Encoding::F16);
  }

  RankedTensorType f32(std::vector<int64_t> shape) {
    return RankedTensorType::get(shape, Float32Type::get(&ctx));
  }
  static std::vector<int64_t> shapeOf(const Matrix &m, bool oneD = false) {
    return oneD ? std::vector<int64_t>{m.rows}
                : std::vector<int64_t>{m.rows, m.cols};
  }
  DenseFPElementsAttr vec(const std::vector<float> &v) {
    return cast<DenseFPElementsAttr>(DenseElementsAttr::get(
        f32({static_cast<int64_t>(v.size())}), llvm::ArrayRef<float>(v)));
  }
  SliceSourceAttr slice(Attribute src, std::vector<int64_t> shape,
                        std::vector<int64_t> rows, std::vector<int64_t> cols) {
    return SliceSourceAttr::get(&ctx, src, shape, rows, cols);
  }

  /// `source` read as floats and as f32 bytes (the row-streaming path when
  /// its transforms only pick rows), both expected to equal `want`.
  void expectReads(Attribute source, const Matrix &want, bool oneD = false) {
    auto type = f32(shapeOf(want, oneD));
    ::dsc::WeightReader reader;
    auto w = reader.readFloat(source, type);
    ASSERT_TRUE(static_cast<bool>(w)) << llvm::toString(w.takeError());
    EXPECT_EQ(*w, want.v);
    std::string out;
    llvm::raw_string_ostream os(out);
    ASSERT_FALSE(static_cast<bool>(reader.write(source, type, os)));
    ASSERT_EQ(out.size(), want.v.size() * 4);
    std::vector<float> written(want.v.size());
    memcpy(written.data(), out.data(), out.size());
    EXPECT_EQ(written, want.v);
  }

  MLIRContext ctx;
  std::vector<std::string> paths;
};

TEST_F(WeightSources, FileDecodesEachFloatEncoding) {
  Matrix m = iota(3, 4);
  expectReads(fileF32(m, /*pad=*/12), m);
  expectReads(fileF16(m), m); // the values are exact in f16
  Matrix col = iota(5, 1);
  expectReads(fileF32(col), col, /*oneD=*/true);
}

TEST_F(WeightSources, TransposeOfTheStoredTranspose) {
  Matrix m = iota(3, 2);
  expectReads(TransposeSourceAttr::get(&ctx, fileF32(refTranspose(m))), m);
}

TEST_F(WeightSources, RopePermuteUndoesHFOrder) {
  // Two heads of 4 rows, 3 columns; and a 1-D bias of two heads.
  Matrix m = iota(8, 3);
  expectReads(RopePermuteSourceAttr::get(&ctx, fileF32(toHFOrder(m, 2)), 2), m);
  Matrix bias = iota(8, 1);
  expectReads(RopePermuteSourceAttr::get(&ctx, fileF32(toHFOrder(bias, 2)), 2),
              bias,
              /*oneD=*/true);
  // One head of 4 rows in HF order [r0, r2, r1, r3]: the original example.
  Matrix hf{4, 1, {0, 2, 1, 3}};
  expectReads(RopePermuteSourceAttr::get(&ctx, fileF32(hf), 1),
              Matrix{4, 1, {0, 1, 2, 3}}, /*oneD=*/true);
}

TEST_F(WeightSources, SliceKeepsRowsAndColumns) {
  Matrix m = iota(4, 6);
  FileSourceAttr f = fileF32(m);
  expectReads(slice(f, {4, 6}, {0, 2, 3}, {}), refSlice(m, {0, 2, 3}, {}));
  expectReads(slice(f, {4, 6}, {}, {1, 5}), refSlice(m, {}, {1, 5}));
  expectReads(slice(f, {4, 6}, {3}, {0, 4}), refSlice(m, {3}, {0, 4}));
  Matrix col = iota(4, 1);
  expectReads(slice(fileF32(col), {4}, {1, 2}, {}), refSlice(col, {1, 2}, {}),
              /*oneD=*/true);
}

TEST_F(WeightSources, ScaledMultipliesRowsAndColumns) {
  Matrix m = iota(2, 3);
  auto s = ScaledSourceAttr::get(&ctx, fileF32(m), vec({2, 10}),
                                 vec({1, 0.5f, 0.25f}));
  expectReads(s, refScale(m, {2, 10}, {1, 0.5f, 0.25f}));
  // Written as f16, the scaled values.
  ::dsc::WeightReader reader;
  std::string out;
  llvm::raw_string_ostream os(out);
  auto f16 = RankedTensorType::get({2, 3}, Float16Type::get(&ctx));
  ASSERT_FALSE(static_cast<bool>(reader.write(s, f16, os)));
  ASSERT_EQ(out.size(), 12u);
  uint16_t h[6];
  memcpy(h, out.data(), 12);
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(dsc_f16_to_f32(h[i]),
              refScale(m, {2, 10}, {1, 0.5f, 0.25f}).v[i]);
}

TEST_F(WeightSources, TransposeOfASliceOfARopePermute) {
  Matrix m = iota(8, 6);
  std::vector<int64_t> rows = {1, 2, 5, 7}, cols = {0, 3, 5};
  Attribute src = RopePermuteSourceAttr::get(&ctx, fileF32(toHFOrder(m, 2)), 2);
  src = slice(src, {8, 6}, rows, cols);
  src = TransposeSourceAttr::get(&ctx, src);
  expectReads(src, refTranspose(refSlice(m, rows, cols)));
}

TEST_F(WeightSources, ScaledAfterASliceCountsKeptRows) {
  Matrix m = iota(4, 6);
  Attribute src = slice(fileF32(m), {4, 6}, {0, 3}, {2, 4, 5});
  src = ScaledSourceAttr::get(&ctx, src, vec({3, -1}), vec({2, 0.5f, 4}));
  expectReads(src,
              refScale(refSlice(m, {0, 3}, {2, 4, 5}), {3, -1}, {2, 0.5f, 4}));
}

TEST_F(WeightSources, SliceOfAScaledTranspose) {
  // Scales inside the slice apply to the full transposed weight.
  Matrix m = iota(3, 4); // the weight before slicing is [3, 4]
  Attribute src = TransposeSourceAttr::get(&ctx, fileF32(refTranspose(m)));
  src = ScaledSourceAttr::get(&ctx, src, vec({1, 2, 3}), {});
  src = slice(src, {3, 4}, {0, 2}, {1, 2});
  expectReads(src, refSlice(refScale(m, {1, 2, 3}, {}), {0, 2}, {1, 2}));
}

TEST_F(WeightSources, RopePermuteOfAStoredTransposeAsONNXHas) {
  // ONNX stores [in, out] of a q projection already in HF row order.
  Matrix m = iota(4, 3);
  Attribute src =
      TransposeSourceAttr::get(&ctx, fileF32(refTranspose(toHFOrder(m, 1))));
  expectReads(RopePermuteSourceAttr::get(&ctx, src, 1), m);
}

TEST_F(WeightSources, RowOnlySourcesStreamF16Rows) {
  // A slice of a rope permutation of an f16 file, written as f16: the
  // stored rows are copied as they are, in the weight's order.
  Matrix m = iota(8, 2);
  Attribute src = RopePermuteSourceAttr::get(&ctx, fileF16(toHFOrder(m, 2)), 2);
  src = slice(src, {8, 2}, {1, 4, 6}, {});
  Matrix want = refSlice(m, {1, 4, 6}, {});
  expectReads(src, want);
  ::dsc::WeightReader reader;
  std::string out;
  llvm::raw_string_ostream os(out);
  ASSERT_FALSE(static_cast<bool>(reader.write(
      src, RankedTensorType::get({3, 2}, Float16Type::get(&ctx)), os)));
  ASSERT_EQ(out.size(), 12u);
  for (int i = 0; i < 6; ++i) {
    uint16_t h;
    memcpy(&h, out.data() + 2 * i, 2);
    EXPECT_EQ(dsc_f16_to_f32(h), want.v[i]);
  }
}

TEST_F(WeightSources, SlicedQ8RowsKeepTheirBlocksExactly) {
  // Four rows of one Q8_0 block each; keeping rows 1 and 3 as a qtensor of
  // the block's own scheme copies their values and scales unchanged.
  std::string bytes;
  for (int r = 0; r < 4; ++r) {
    dsc_ggml_block_q8_0 blk;
    blk.d = dsc_f32_to_f16(0.25f * (r + 1));
    for (int j = 0; j < 32; ++j)
      blk.qs[j] = static_cast<int8_t>(j - 16 + r);
    bytes.append(reinterpret_cast<const char *>(&blk), sizeof(blk));
  }
  FileSourceAttr f = file(bytes, Encoding::Q8_0);
  auto scheme = QuantSchemeAttr::get(&ctx, 8, Granularity::Group, 32, true,
                                     Float16Type::get(&ctx));
  auto q = QTensorType::get(&ctx, {2, 32}, Float32Type::get(&ctx), scheme);
  ::dsc::WeightReader reader;
  std::string out;
  llvm::raw_string_ostream os(out);
  ASSERT_FALSE(
      static_cast<bool>(reader.write(slice(f, {4, 32}, {1, 3}, {}), q, os)));
  // Plain layout: 2 rows of 32 signed values, aligned, then 2 f16 scales.
  ASSERT_EQ(out.size(), ::dsc::WeightReader::byteSize(q));
  uint64_t scales = dsc_qplain_align(2 * 32);
  for (int i = 0; i < 2; ++i) {
    int r = i == 0 ? 1 : 3;
    for (int j = 0; j < 32; ++j)
      EXPECT_EQ(static_cast<int8_t>(out[i * 32 + j]), j - 16 + r);
    uint16_t d;
    memcpy(&d, out.data() + scales + 2 * i, 2);
    EXPECT_EQ(d, dsc_f32_to_f16(0.25f * (r + 1)));
  }
  // As floats, the decoded blocks of those rows.
  auto w = reader.readFloat(slice(f, {4, 32}, {1, 3}, {}), f32({2, 32}));
  ASSERT_TRUE(static_cast<bool>(w));
  EXPECT_EQ((*w)[32 + 5], (5 - 16 + 3) * 1.0f);
}

TEST_F(WeightSources, TilesRowMajorWeights) {
  // 4x32 tiled 4x16: tile 0 holds columns 0-15 of the four rows.
  Matrix m{4, 32, {}};
  for (int i = 0; i < 4 * 32; ++i)
    m.v.push_back(static_cast<float>(i));
  ::dsc::WeightReader reader;
  std::string out;
  llvm::raw_string_ostream os(out);
  ASSERT_FALSE(static_cast<bool>(reader.write(
      fileF32(m), f32({4, 32}), TiledLayoutAttr::get(&ctx, 4, 16), os)));
  std::vector<float> tiled(out.size() / 4);
  memcpy(tiled.data(), out.data(), out.size());
  EXPECT_EQ(tiled[0], 0.0f);
  EXPECT_EQ(tiled[16], 32.0f); // row 1, column 0
  EXPECT_EQ(tiled[64], 16.0f); // tile 1: row 0, column 16
  EXPECT_EQ(tiled[127], 127.0f);
}

TEST_F(WeightSources, ErrorsNameTheFile) {
  Matrix m = iota(2, 2);
  FileSourceAttr f = fileF32(m);
  ::dsc::WeightReader reader;
  // A tree that does not fit the shape asked of it.
  auto w = reader.readFloat(TransposeSourceAttr::get(&ctx, f), f32({4}));
  ASSERT_FALSE(static_cast<bool>(w));
  EXPECT_EQ(llvm::toString(w.takeError()),
            f.getPath().str() + ": #dsc.transpose needs a 2-D weight, got "
                                "shape 4");
  // Bytes past the end of the file.
  auto past = FileSourceAttr::get(&ctx, f.getPath(), 8, 16, Encoding::F32);
  w = reader.readFloat(past, f32({2, 2}));
  ASSERT_FALSE(static_cast<bool>(w));
  EXPECT_EQ(llvm::toString(w.takeError()),
            f.getPath().str() + ": weight data at offset 8 (16 bytes) runs "
                                "past the end of the file (16 bytes)");
  // No source at all.
  w = reader.readFloat(Attribute(), f32({2, 2}));
  ASSERT_FALSE(static_cast<bool>(w));
  EXPECT_EQ(llvm::toString(w.takeError()),
            "a weight has no source to read it from");
}

} // namespace
