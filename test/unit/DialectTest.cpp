//===- DialectTest.cpp - unit tests for dsc attribute helpers -------------===//

#include "Dsc/IR/DscOps.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::dsc;

namespace {
class DscAttrTest : public ::testing::Test {
protected:
  DscAttrTest() { ctx.loadDialect<DscDialect>(); }
  Attribute parse(StringRef text) { return parseAttribute(text, &ctx); }
  std::string print(Attribute attr) {
    std::string s;
    llvm::raw_string_ostream os(s);
    attr.print(os);
    return s;
  }
  MLIRContext ctx;
};
} // namespace

TEST_F(DscAttrTest, NumScalesPerGranularity) {
  auto scheme = [&](StringRef text) {
    return cast<QuantSchemeAttr>(parse(text));
  };
  EXPECT_EQ(scheme("#dsc.quant<i8, tensor>").getNumScales(64, 172), 1);
  EXPECT_EQ(scheme("#dsc.quant<i8, channel = 0>").getNumScales(64, 172), 64);
  EXPECT_EQ(scheme("#dsc.quant<i8, channel = 1>").getNumScales(64, 172), 172);
  EXPECT_EQ(scheme("#dsc.quant<i4, group = 4>").getNumScales(64, 172),
            64 * 43);
  EXPECT_EQ(scheme("#dsc.quant<i4, head = 8>").getNumScales(64, 172), 8);
}

TEST_F(DscAttrTest, CheckShapeExplainsMisfit) {
  auto scheme = cast<QuantSchemeAttr>(parse("#dsc.quant<i4, group = 32>"));
  std::string why;
  EXPECT_TRUE(failed(scheme.checkShape({64, 172}, &why)));
  EXPECT_NE(why.find("does not divide the input dimension 172"),
            std::string::npos);
  EXPECT_TRUE(succeeded(scheme.checkShape({64, 128}, &why)));
}

TEST_F(DscAttrTest, DefaultsAreElidedAndRestored) {
  Attribute a = parse("#dsc.quant<i4, group = 32>");
  ASSERT_TRUE(a);
  auto q = cast<QuantSchemeAttr>(a);
  EXPECT_TRUE(q.getSymmetric());
  EXPECT_TRUE(q.getScaleType().isF32());
  EXPECT_EQ(print(a), "#dsc.quant<i4, group = 32, symmetric>");
}

TEST_F(DscAttrTest, FloatsRoundTripExactly) {
  for (double v : {1e-5, 1e-6, 10000.0, 500000.0, 1.5e-7, 0.1, 3.0e38}) {
    auto cfg = ModelConfigAttr::get(
        &ctx, "llama", 32000, 4096, 11008, 32, 32, 8, 128, 4096,
        llvm::APFloat(v), llvm::APFloat(v), false, false, 0, {});
    Attribute back = parse(print(cfg));
    ASSERT_TRUE(back) << print(cfg);
    EXPECT_EQ(cast<ModelConfigAttr>(back).getRopeTheta().convertToDouble(), v)
        << print(cfg);
  }
}

TEST_F(DscAttrTest, EncodingBlockSizes) {
  int64_t elems;
  EXPECT_EQ(getEncodingBlockBytes(Encoding::Q8_0, &elems), 34);
  EXPECT_EQ(elems, 32);
  EXPECT_EQ(getEncodingBlockBytes(Encoding::Q4_0, &elems), 18);
  EXPECT_EQ(getEncodingBlockBytes(Encoding::BF16, &elems), 2);
  EXPECT_EQ(elems, 1);
}

TEST_F(DscAttrTest, VerifierRejectsWhatTheParserCannotSpell) {
  // A per-tensor scheme with a block size can only be built in C++.
  std::string message;
  auto emit = [&]() {
    return mlir::emitError(UnknownLoc::get(&ctx));
  };
  ScopedDiagnosticHandler handler(&ctx, [&](Diagnostic &d) {
    message = d.str();
    return success();
  });
  EXPECT_TRUE(
      failed(QuantSchemeAttr::verify(emit, 8, Granularity::Tensor, 4, true,
                                     Float32Type::get(&ctx), std::nullopt)));
  EXPECT_EQ(message, "per-tensor quantization takes no block size");
  // A ggml scheme's parameters are its format's, never others.
  EXPECT_TRUE(
      failed(QuantSchemeAttr::verify(emit, 5, Granularity::Group, 32, true,
                                     Float32Type::get(&ctx), Encoding::Q5_0)));
  EXPECT_EQ(message,
            "q5_0 blocks have groups of 32 values with their own scale type");
  QuantSchemeAttr k = QuantSchemeAttr::getGGML(&ctx, Encoding::Q6_K);
  EXPECT_TRUE(k.isGGML());
  EXPECT_EQ(k.getBits(), 6u);
  EXPECT_EQ(k.getBlockSize(), 256);
  EXPECT_FALSE(QuantSchemeAttr::getGGML(&ctx, Encoding::F16));
}
