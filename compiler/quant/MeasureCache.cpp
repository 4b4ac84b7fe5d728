//===- MeasureCache.cpp - --quantize auto's measurements, as a file -------===//

#include "quant/MeasureCache.h"

#include "support/BinaryFile.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace llvm;

namespace dsc {

static constexpr char kMagic[8] = {'D', 'S', 'C', 'M', 'E', 'A', 'S', '1'};

Expected<MeasureCache> parseMeasureCache(StringRef bytes, StringRef name) {
  auto fail = [&](const Twine &what) {
    return createStringError(inconvertibleErrorCode(),
                             name + ": " + what +
                                 " (not a dsc --quantize auto measurement "
                                 "file? delete it to measure again)");
  };
  ByteCursor in(bytes);
  char magic[8];
  if (!in.take(magic) || std::memcmp(magic, kMagic, 8) != 0)
    return fail("magic: expected DSCMEAS1");
  MeasureCache c;
  uint64_t weights;
  if (!in.take(c.key) || !in.take(c.tokens) || !in.take(weights))
    return fail("header: truncated");
  if (c.tokens < 0)
    return fail("tokens " + Twine(c.tokens) + " out of range");
  // Each weight needs its two counts at least.
  if (weights > in.left() / 8)
    return fail("weights: " + Twine(weights) + " do not fit the file");
  c.weights.resize(weights);
  for (uint64_t i = 0; i < weights; ++i) {
    MeasureCache::Weight &w = c.weights[i];
    std::string at = ("weight " + Twine(i) + ": ").str();
    uint32_t len, values;
    if (!in.take(len))
      return fail(at + "truncated name length");
    if (len == 0 || len > kMaxMeasureName)
      return fail(at + "name length " + Twine(len) + " out of range");
    if (!in.takeString(w.name, len))
      return fail(at + "truncated name");
    if (!in.take(values))
      return fail(at + "truncated value count");
    if (values > kMaxMeasureEntries || values > in.left() / 12)
      return fail(at + "values: " + Twine(values) + " do not fit the file");
    w.values.resize(values);
    for (uint32_t v = 0; v < values; ++v) {
      auto &[entry, value] = w.values[v];
      if (!in.take(entry) || !in.take(value))
        return fail(at + "truncated values");
      if (entry >= kMaxMeasureEntries || (v && entry <= w.values[v - 1].first))
        return fail(at + "entry " + Twine(entry) +
                    " out of order or out of range");
    }
  }
  if (in.left())
    return fail("trailing bytes after the last weight");
  return c;
}

Expected<std::optional<MeasureCache>> readMeasureCache(StringRef path) {
  if (!sys::fs::exists(path))
    return std::nullopt;
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return createStringError(buf.getError(),
                             path + ": " + buf.getError().message());
  auto c = parseMeasureCache((*buf)->getBuffer(), path);
  if (!c)
    return c.takeError();
  return std::optional<MeasureCache>(std::move(*c));
}

Error writeMeasureCache(StringRef path, const MeasureCache &c) {
  return writeFileAtomically(path, [&](raw_ostream &os) {
    putBytes(os, kMagic, 8);
    uint64_t weights = c.weights.size();
    putBytes(os, &c.key, 8);
    putBytes(os, &c.tokens, 8);
    putBytes(os, &weights, 8);
    for (const MeasureCache::Weight &w : c.weights) {
      uint32_t len = w.name.size(), values = w.values.size();
      putBytes(os, &len, 4);
      putBytes(os, w.name.data(), len);
      putBytes(os, &values, 4);
      for (auto [entry, value] : w.values) {
        putBytes(os, &entry, 4);
        putBytes(os, &value, 8);
      }
    }
  });
}

} // namespace dsc
