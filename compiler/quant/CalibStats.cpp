//===- CalibStats.cpp - what calibration saw, as a file -------------------===//

#include "quant/CalibStats.h"

#include "support/BinaryFile.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <string>

using namespace llvm;

namespace dsc {

static constexpr char kMagic[8] = {'D', 'S', 'C', 'C', 'A', 'L', 'B', '2'};
static constexpr char kMagicV1[8] = {'D', 'S', 'C', 'C', 'A', 'L', 'B', '1'};
constexpr int64_t kMaxStatsTokens = int64_t(1) << 30;

Expected<CalibData> parseCalibStats(StringRef bytes, StringRef name) {
  auto fail = [&](const Twine &what) {
    return createStringError(inconvertibleErrorCode(),
                             name + ": " + what +
                                 " (not a dsc calibration "
                                 "statistics file?)");
  };
  ByteCursor in(bytes);
  char magic[8];
  if (!in.take(magic) || (std::memcmp(magic, kMagic, 8) != 0 &&
                          std::memcmp(magic, kMagicV1, 8) != 0))
    return fail("magic: expected DSCCALB2 (or DSCCALB1)");
  bool v2 = std::memcmp(magic, kMagic, 8) == 0;
  uint64_t points;
  if (!in.take(points))
    return fail("points: truncated");
  CalibData data;
  if (v2) {
    uint64_t tokens;
    if (!in.take(data.window) || !in.take(tokens))
      return fail("window/tokens: truncated");
    if (data.window < 0 || data.window > kMaxStatsTokens)
      return fail("window " + Twine(data.window) + " out of range");
    if (tokens > static_cast<uint64_t>(kMaxStatsTokens) ||
        !in.takeArray(data.tokens, tokens))
      return fail("tokens: " + Twine(tokens) + " does not fit the file");
    for (int32_t t : data.tokens)
      if (t < 0)
        return fail("tokens: negative token id " + Twine(t));
  }
  // Each point needs its three counts at least.
  if (points == 0 || points > in.left() / 24)
    return fail("points: " + Twine(points) + " does not fit the file");
  std::vector<ActivationStats> &stats = data.points;
  stats.resize(points);
  for (uint64_t i = 0; i < points; ++i) {
    ActivationStats &a = stats[i];
    std::string at = ("point " + Twine(i) + ": ").str();
    if (!in.take(a.cols) || !in.take(a.rows) || !in.take(a.sampleRows))
      return fail(at + "truncated header");
    if (a.cols <= 0 || a.cols > kMaxStatsCols)
      return fail(at + "cols " + Twine(a.cols) + " out of range");
    if (a.rows == 0)
      return fail(at + "rows: no rows seen");
    if (a.sampleRows < 0 || a.sampleRows > kMaxStatsSampleRows ||
        static_cast<uint64_t>(a.sampleRows) > a.rows)
      return fail(at + "sampleRows " + Twine(a.sampleRows) + " out of range");
    uint64_t cols = static_cast<uint64_t>(a.cols);
    if (!in.takeArray(a.absMean, cols) || !in.takeArray(a.sqMean, cols) ||
        !in.takeArray(a.sample, cols * static_cast<uint64_t>(a.sampleRows)))
      return fail(at + "truncated data");
    for (uint64_t c = 0; c < cols; ++c)
      if (!std::isfinite(a.absMean[c]) || a.absMean[c] < 0 ||
          !std::isfinite(a.sqMean[c]) || a.sqMean[c] < 0)
        return fail(at + "absMean/sqMean of column " + Twine(c) +
                    " is not a finite non-negative number");
    for (float v : a.sample)
      if (!std::isfinite(v))
        return fail(at + "sample holds a value that is not finite");
    if (!v2)
      continue;
    int64_t hc;
    if (!in.take(hc))
      return fail(at + "truncated hessianCols");
    if (hc != 0 && hc != a.cols)
      return fail(at + "hessianCols " + Twine(hc) + ": expected 0 or " +
                  Twine(a.cols));
    if (!in.takeArray(a.hessian, cols * static_cast<uint64_t>(hc)))
      return fail(at + "truncated Hessian");
    for (float v : a.hessian)
      if (!std::isfinite(v))
        return fail(at + "Hessian holds a value that is not finite");
  }
  if (in.left())
    return fail("trailing bytes after point " + Twine(points - 1));
  return data;
}

Expected<CalibData> readCalibStats(StringRef path) {
  auto buf = MemoryBuffer::getFile(path, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return createStringError(buf.getError(),
                             path + ": " + buf.getError().message());
  return parseCalibStats((*buf)->getBuffer(), path);
}

Error writeCalibStats(StringRef path, const CalibData &data) {
  const std::vector<ActivationStats> &stats = data.points;
  return writeFileAtomically(path, [&](raw_ostream &os) {
    putBytes(os, kMagic, 8);
    uint64_t points = stats.size(), tokens = data.tokens.size();
    putBytes(os, &points, 8);
    putBytes(os, &data.window, 8);
    putBytes(os, &tokens, 8);
    putBytes(os, data.tokens.data(), tokens * sizeof(int32_t));
    for (const ActivationStats &a : stats) {
      putBytes(os, &a.cols, 8);
      putBytes(os, &a.rows, 8);
      putBytes(os, &a.sampleRows, 8);
      putBytes(os, a.absMean.data(), a.absMean.size() * sizeof(double));
      putBytes(os, a.sqMean.data(), a.sqMean.size() * sizeof(double));
      putBytes(os, a.sample.data(), a.sample.size() * sizeof(float));
      int64_t hc = a.hessian.empty() ? 0 : a.cols;
      putBytes(os, &hc, 8);
      putBytes(os, a.hessian.data(), a.hessian.size() * sizeof(float));
    }
  });
}

} // namespace dsc
