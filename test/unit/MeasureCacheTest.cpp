//===- MeasureCacheTest.cpp - --quantize auto's measurement file ----------===//

#include "quant/MeasureCache.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace dsc;
using namespace llvm;

namespace {

MeasureCache sample() {
  MeasureCache c;
  c.key = 0x0123456789abcdefull;
  c.tokens = 512;
  c.weights.push_back({"blk.0.attn_q", {{0, 0.5}, {3, -1e-300}, {14, 7e-9}}});
  c.weights.push_back({"output", {}});
  c.weights.push_back({"token_embd", {{1, std::nextafter(1.0, 2.0)}}});
  return c;
}

TEST(MeasureCache, RoundTripsExactly) {
  SmallString<128> dir;
  ASSERT_FALSE(sys::fs::createUniqueDirectory("dsc-measure-test", dir));
  std::string path = (dir + "/m.bin").str();
  auto none = readMeasureCache(path);
  ASSERT_TRUE(static_cast<bool>(none));
  EXPECT_FALSE(none->has_value());
  MeasureCache c = sample();
  ASSERT_FALSE(static_cast<bool>(writeMeasureCache(path, c)));
  auto back = readMeasureCache(path);
  ASSERT_TRUE(static_cast<bool>(back)) << toString(back.takeError());
  ASSERT_TRUE(back->has_value());
  const MeasureCache &r = **back;
  EXPECT_EQ(r.key, c.key);
  EXPECT_EQ(r.tokens, c.tokens);
  ASSERT_EQ(r.weights.size(), c.weights.size());
  for (size_t i = 0; i < c.weights.size(); ++i) {
    EXPECT_EQ(r.weights[i].name, c.weights[i].name);
    EXPECT_EQ(r.weights[i].values, c.weights[i].values);
  }
  // Every shorter file is an error, never a crash or a partial result.
  auto buf = MemoryBuffer::getFile(path);
  ASSERT_TRUE(static_cast<bool>(buf));
  StringRef bytes = (*buf)->getBuffer();
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto p = parseMeasureCache(bytes.take_front(n), "m.bin");
    ASSERT_FALSE(static_cast<bool>(p)) << n;
    EXPECT_EQ(toString(p.takeError()).rfind("m.bin: ", 0), 0u);
  }
  auto longer = parseMeasureCache((bytes + "x").str(), "m.bin");
  ASSERT_FALSE(static_cast<bool>(longer));
  EXPECT_NE(toString(longer.takeError()).find("trailing bytes"),
            std::string::npos);
  sys::fs::remove(path);
  sys::fs::remove(dir);
}

TEST(MeasureCache, RejectsEntriesOutOfOrder) {
  MeasureCache c = sample();
  c.weights[0].values[1].first = 0; // a repeated entry
  SmallString<128> dir;
  ASSERT_FALSE(sys::fs::createUniqueDirectory("dsc-measure-test", dir));
  std::string path = (dir + "/m.bin").str();
  ASSERT_FALSE(static_cast<bool>(writeMeasureCache(path, c)));
  auto back = readMeasureCache(path);
  ASSERT_FALSE(static_cast<bool>(back));
  EXPECT_NE(toString(back.takeError()).find("weight 0: entry 0 out of order"),
            std::string::npos);
  sys::fs::remove(path);
  sys::fs::remove(dir);
}

} // namespace
