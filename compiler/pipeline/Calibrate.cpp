//===- Calibrate.cpp - calibration on text --------------------------------===//

#include "pipeline/Calibrate.h"
#include "dsc/abi/observe.h"
#include "pipeline/Codegen.h"
#include "pipeline/HostRun.h"
#include "pipeline/Pipelines.h"
#include "pipeline/Target.h"
#include "pipeline/TextInput.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace llvm;
using namespace mlir::dsc;
using mlir::ModuleOp;

namespace dsc {

using Value = mlir::Value;

static Error error(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Collecting activations
//===----------------------------------------------------------------------===//

namespace {
/// Keeps between `target` and 2 * `target` rows spread evenly over a
/// stream of unknown length: every `stride`-th row, halving the kept rows
/// (and doubling the stride) when they reach 2 * `target`.
struct RowSampler {
  int64_t target, cols, stride = 1;
  uint64_t seen = 0;
  std::vector<float> rows;

  void add(const float *x) {
    if (seen++ % stride == 0)
      rows.insert(rows.end(), x, x + cols);
    if (static_cast<int64_t>(rows.size()) >= 2 * target * cols) {
      int64_t n = static_cast<int64_t>(rows.size()) / cols;
      for (int64_t i = 0; 2 * i < n; ++i)
        std::copy_n(&rows[2 * i * cols], cols, &rows[i * cols]);
      rows.resize(((n + 1) / 2) * cols);
      stride *= 2;
    }
  }
};
} // namespace

/// h += x^T x for `rows` rows of `cols` (upper triangle, row-major): a row's
/// products are formed in float and summed in double per record.
static void addGram(std::vector<double> &h, const float *x, int64_t rows,
                    int64_t cols, std::vector<float> &scratch) {
  scratch.assign(cols * cols, 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = x + r * cols;
    for (int64_t i = 0; i < cols; ++i) {
      float xi = xr[i];
      if (xi == 0)
        continue;
      float *si = &scratch[i * cols];
      for (int64_t j = i; j < cols; ++j)
        si[j] += xi * xr[j];
    }
  }
  for (int64_t i = 0; i < cols; ++i)
    for (int64_t j = i; j < cols; ++j)
      h[i * cols + j] += scratch[i * cols + j];
}

Expected<CalibData> collectActivations(ModuleOp module,
                                       const CalibOptions &options) {
  auto target = lookupTarget("native");
  if (!target)
    return target.takeError();
  // The error estimates of the scale search and of --quantize auto are
  // taken on `samples` rows of each observation point, a row per token.
  if (options.maxTokens < options.samples)
    return error(formatv("--calib-tokens {0}: calibration needs at least {1} "
                         "tokens",
                         options.maxTokens, options.samples)
                     .str());
  auto tokens =
      tokenizeTextFile(module, options.text, options.samples, "calibration");
  if (!tokens)
    return tokens.takeError();
  if (static_cast<int64_t>(tokens->size()) > options.maxTokens)
    tokens->resize(options.maxTokens);
  ModelConfigAttr config = getModelConfig(module);
  int64_t window = std::min<int64_t>(options.window, config.getMaxSeqLen());

  // The observation points are the linear inputs of the model after graph
  // passes, where the passes that use the statistics run.
  mlir::OwningOpRef<ModuleOp> inst = module.clone();
  CompileSettings settings;
  settings.target = target->name;
  if (Error e = runPhase(*inst, settings, Phase::Graph))
    return std::move(e);
  mlir::PassManager pm(module.getContext());
  pm.addPass(createCalibInstrument());
  if (failed(pm.run(*inst)))
    return error("instrumenting the model for calibration failed");
  std::vector<int64_t> widths;
  inst->walk([&](ObserveOp o) {
    widths.resize(std::max<size_t>(widths.size(), o.getIdAttr().getInt() + 1));
    widths[o.getIdAttr().getInt()] = o.getInput().getType().getDimSize(1);
  });
  if (Error e = runPhase(*inst, settings, Phase::Layout))
    return std::move(e);

  auto run = HostRun::create("dsc-calib");
  if (!run)
    return run.takeError();
  auto tokFile = (*run)->writeTokens("tokens.bin", *tokens);
  if (!tokFile)
    return tokFile.takeError();
  std::string exe = (*run)->path("calib");
  if (options.progress)
    errs() << "dsc: compiling the model with observation points\n";
  ExecutableStats stats;
  if (Error e = buildExecutable(*inst, *target, exe, false, false, stats))
    return std::move(e);
  std::vector<std::string> args = {"--eval-tokens", *tokFile, "-c",
                                   std::to_string(window)};
  if (options.threads > 0)
    args.insert(args.end(), {"-t", std::to_string(options.threads)});
  auto stream = (*run)->start(exe, args, "--observe");
  if (!stream)
    return stream.takeError();

  CalibData data;
  data.tokens = *tokens;
  data.window = window;
  std::vector<ActivationStats> &acts = data.points;
  acts.resize(widths.size());
  std::vector<std::vector<double>> grams(options.hessians ? widths.size() : 0);
  for (size_t i = 0; i < grams.size(); ++i)
    grams[i].assign(widths[i] * widths[i], 0.0);
  std::vector<float> scratch;
  std::vector<RowSampler> samplers;
  for (size_t i = 0; i < widths.size(); ++i) {
    acts[i].cols = widths[i];
    acts[i].absMean.assign(widths[i], 0.0);
    acts[i].sqMean.assign(widths[i], 0.0);
    samplers.push_back(RowSampler{options.samples, widths[i], 1, 0, {}});
  }
  std::string why;
  std::vector<float> buf;
  uint64_t total = tokens->size(), lastShown = 0;
  for (;;) {
    dsc_observe_record head;
    if (!(*run)->read(*stream, &head, sizeof(head)))
      break; // the end of the stream
    int64_t id = head.id, rows = head.rows, cols = head.cols;
    if (id < 0 || id >= static_cast<int64_t>(acts.size()) ||
        cols != acts[id].cols || rows <= 0 || rows > window) {
      why = "malformed observation record";
      break;
    }
    buf.resize(rows * cols);
    if (!(*run)->read(*stream, buf.data(), buf.size() * 4)) {
      why = "truncated observation record";
      break;
    }
    ActivationStats &a = acts[id];
    for (int64_t r = 0; r < rows; ++r) {
      const float *x = &buf[r * cols];
      for (int64_t c = 0; c < cols; ++c) {
        a.absMean[c] += std::fabs(x[c]);
        a.sqMean[c] += static_cast<double>(x[c]) * x[c];
      }
      samplers[id].add(x);
    }
    if (options.hessians)
      addGram(grams[id], buf.data(), rows, cols, scratch);
    a.rows += rows;
    if (options.progress && id == 0 && acts[0].rows - lastShown >= 256) {
      lastShown = acts[0].rows;
      errs() << format("\rdsc: calibrating on %llu tokens: %3d%%",
                       static_cast<unsigned long long>(total),
                       static_cast<int>(100 * acts[0].rows / total));
    }
  }
  if (options.progress)
    errs() << "\r" << std::string(50, ' ') << "\r";
  // A child that failed explains a short or broken stream best.
  if (Error e = (*run)->finish())
    return error("running the calibration build failed: " +
                 toString(std::move(e)));
  if (!why.empty())
    return error("running the calibration build failed: " + why);
  for (size_t i = 0; i < acts.size(); ++i) {
    ActivationStats &a = acts[i];
    if (a.rows == 0)
      return error("observation point " + Twine(i) + " saw no rows");
    for (int64_t c = 0; c < a.cols; ++c) {
      a.absMean[c] /= a.rows;
      a.sqMean[c] /= a.rows;
    }
    a.sample = std::move(samplers[i].rows);
    a.sampleRows = static_cast<int64_t>(a.sample.size()) / a.cols;
    if (!options.hessians)
      continue;
    int64_t n = a.cols;
    a.hessian.assign(n * n, 0.0f);
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = r; c < n; ++c)
        a.hessian[r * n + c] = a.hessian[c * n + r] =
            static_cast<float>(grams[i][r * n + c] / a.rows);
    grams[i] = {};
  }
  return data;
}

} // namespace dsc
