//===- FrontendTest.cpp - unit tests of the frontend helpers --------------===//

#include "frontend/Checkpoint.h"

#include <gtest/gtest.h>

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
