//===- Evaluate.cpp - quality of a compiled model against another ---------===//

#include "driver/Evaluate.h"
#include "pipeline/HostRun.h"
#include "support/Errors.h"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace llvm;

namespace dsc {

/// log-softmax of a row, in double.
static void logSoftmax(const float *x, std::vector<double> &out, size_t v) {
  double mx = x[0];
  for (size_t i = 1; i < v; ++i)
    mx = std::max(mx, static_cast<double>(x[i]));
  double sum = 0;
  for (size_t i = 0; i < v; ++i)
    sum += std::exp(x[i] - mx);
  double lse = mx + std::log(sum);
  out.resize(v);
  for (size_t i = 0; i < v; ++i)
    out[i] = x[i] - lse;
}

Expected<EvalStats> compareLogits(HostRun &run, StringRef refExe,
                                  StringRef variantExe, StringRef tokFile,
                                  ArrayRef<int32_t> ids, int64_t vocab,
                                  int64_t window, int threads,
                                  StringRef textPath, ProgressLine &status) {
  int64_t n = static_cast<int64_t>(ids.size());
  std::vector<std::string> args = {"--eval-tokens", tokFile.str(), "-c",
                                   std::to_string(window)};
  if (threads > 0)
    args.insert(args.end(), {"-t", std::to_string(threads)});
  // Both executables stream their logits, read in lockstep.
  unsigned streams[2];
  StringRef exes[2] = {refExe, variantExe};
  for (int i = 0; i < 2; ++i) {
    auto s = run.start(exes[i], args, "--dump-logits");
    if (!s)
      return s.takeError();
    streams[i] = *s;
  }
  double nllQ = 0, nllRef = 0;
  std::vector<float> kld;
  uint64_t top1 = 0, count = 0;
  std::vector<float> row[2] = {std::vector<float>(vocab),
                               std::vector<float>(vocab)};
  std::vector<double> lp[2];
  bool ok = true;
  for (int64_t at = 0; ok && at + 2 <= n; at += window) {
    int64_t len = std::min<int64_t>(window, n - at);
    status.show("evaluating: " + Twine(at) + " / " + Twine(n) + " tokens",
                /*force=*/false);
    for (int64_t p = 0; ok && p < len; ++p) {
      for (int i = 0; i < 2; ++i)
        ok = ok && run.read(streams[i], row[i].data(), vocab * 4);
      if (!ok || p + 1 >= len)
        continue; // the last position predicts nothing in this window
      logSoftmax(row[0].data(), lp[0], vocab);
      logSoftmax(row[1].data(), lp[1], vocab);
      int32_t next = ids[at + p + 1];
      nllRef -= lp[0][next];
      nllQ -= lp[1][next];
      double kl = 0;
      size_t a0 = 0, a1 = 0;
      for (int64_t v = 0; v < vocab; ++v) {
        kl += std::exp(lp[0][v]) * (lp[0][v] - lp[1][v]);
        if (lp[0][v] > lp[0][a0])
          a0 = v;
        if (lp[1][v] > lp[1][a1])
          a1 = v;
      }
      kld.push_back(static_cast<float>(std::max(kl, 0.0)));
      top1 += a0 == a1;
      count++;
    }
  }
  if (Error e = run.finish())
    return createStringError(inconvertibleErrorCode(),
                             "evaluating the compiled models failed: " +
                                 toString(std::move(e)));
  if (!ok || count == 0)
    return fileError(textPath,
                     "evaluating the compiled models failed: they wrote fewer "
                     "logits than the text's " +
                         std::to_string(n) + " tokens need");
  EvalStats st;
  std::vector<float> sorted = kld;
  std::sort(sorted.begin(), sorted.end());
  double mean = 0;
  for (float k : kld)
    mean += k;
  st.kldMean = mean / count;
  st.kldP99 = sorted[std::min<size_t>(
      sorted.size() - 1, static_cast<size_t>(0.99 * sorted.size()))];
  st.ppl = std::exp(nllQ / count);
  st.pplRef = std::exp(nllRef / count);
  st.top1 = static_cast<double>(top1) / count;
  st.tokens = count;
  return st;
}

} // namespace dsc
