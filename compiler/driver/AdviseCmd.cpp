//===- AdviseCmd.cpp - dsc advise -----------------------------------------===//
//
// Which variant of a model for a device: the candidates measured on held-out
// text, their memory and speed predicted on the device, the one to compile
// recommended (driver/Advise.h). `--measure` writes this machine's profile.
//
//===----------------------------------------------------------------------===//

#include "driver/Advise.h"
#include "driver/Commands.h"
#include "driver/OutputGuard.h"
#include "support/Errors.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace llvm;
using namespace dsc::advise;

namespace dsc {

cl::SubCommand adviseCmd("advise",
                         "Recommend a variant of a model (precision, "
                         "pruning) for a device, with measured quality and "
                         "predicted memory and speed");

static cl::opt<std::string> aInput(cl::Positional, cl::desc("[checkpoint]"),
                                   cl::sub(adviseCmd));
static cl::opt<std::string> aDevice(
    "device",
    cl::desc("Device(s), comma-separated: rpi4, rpi5, android-arm64, "
             "x86-laptop, x86-server, cuda-sm80, cuda-sm90; custom (with "
             "--mem, --bandwidth, --target); or a profile .json from "
             "--measure"),
    cl::value_desc("name"), cl::sub(adviseCmd));
static cl::opt<std::string>
    aMem("mem",
         cl::desc("Memory the model may use (default: the device's), "
                  "e.g. 4GiB"),
         cl::value_desc("size"), cl::sub(adviseCmd));
static cl::opt<double>
    aBandwidth("bandwidth",
               cl::desc("With --device custom: streaming read bandwidth, GB/s"),
               cl::init(0), cl::sub(adviseCmd));
static cl::opt<std::string>
    aTarget("target", cl::desc("With --device custom: the dsc target"),
            cl::sub(adviseCmd));
static cl::opt<double>
    aMinTokS("min-tokens-per-s",
             cl::desc("Slowest acceptable predicted decoding (default: any)"),
             cl::init(0), cl::sub(adviseCmd));
static cl::opt<double> aMaxKld(
    "max-kld",
    cl::desc("Largest acceptable mean KL divergence from the full model "
             "(default 0.05)"),
    cl::init(0.05), cl::sub(adviseCmd));
static cl::opt<std::string>
    aCalib("calib",
           cl::desc("Text: its first half calibrates quantization and pruning, "
                    "the second half measures quality"),
           cl::value_desc("file"), cl::sub(adviseCmd));
static cl::opt<int64_t>
    aCtx("ctx",
         cl::desc("Context the memory and speed are predicted at (default: the "
                  "model's)"),
         cl::init(0), cl::sub(adviseCmd));
static cl::opt<int64_t> aEvalCtx("eval-ctx",
                                 cl::desc("Windows of the quality "
                                          "measurement (default 256)"),
                                 cl::init(256), cl::sub(adviseCmd));
static cl::opt<int64_t>
    aEvalTokens("eval-tokens",
                cl::desc("Held-out tokens measured at most (default 8192)"),
                cl::init(8192), cl::sub(adviseCmd));
static cl::opt<std::string> aCandidates(
    "candidates",
    cl::desc("Measure these candidates only (comma-separated ids: full, "
             "int8, int4-g128, int4-g32, prune-10, ..., auto)"),
    cl::value_desc("ids"), cl::sub(adviseCmd));
static cl::opt<bool> aJson("json", cl::desc("Print one JSON object"),
                           cl::sub(adviseCmd));
static cl::opt<std::string> aPlot("plot",
                                  cl::desc("Write a chart (SVG) of KL "
                                           "divergence against memory"),
                                  cl::value_desc("file.svg"),
                                  cl::sub(adviseCmd));
static cl::opt<bool> aMeasure(
    "measure",
    cl::desc("Measure this machine (bandwidth, cores, features, per-layer "
             "overhead) and write its profile"),
    cl::sub(adviseCmd));
static cl::opt<std::string> aOutput("o",
                                    cl::desc("With --measure: the profile "
                                             "file (default: stdout)"),
                                    cl::value_desc("file"), cl::sub(adviseCmd));
static cl::opt<bool> aValidate(
    "validate",
    cl::desc("Also time each candidate's decoding on this machine, at "
             "--ctx positions (for a profile of this machine)"),
    cl::sub(adviseCmd));
static cl::opt<bool> aPredictOnly(
    "predict-only",
    cl::desc("Only lay the candidates out and predict their memory and "
             "speed (no --calib, no quality, no recommendation)"),
    cl::sub(adviseCmd));
static cl::opt<bool> aMeasureQuick(
    "measure-quick",
    cl::desc("With --measure: skip the large probe model (the kernels' "
             "efficiency and prefill rates stay unmeasured; for tests)"),
    cl::Hidden, cl::sub(adviseCmd));
static cl::opt<int> aThreads("t",
                             cl::desc("Threads of the runs (default: the "
                                      "CPUs available)"),
                             cl::init(0), cl::sub(adviseCmd));
static cl::opt<std::string> aTokenizer("tokenizer", cl::desc("Tokenizer file"),
                                       cl::value_desc("file"),
                                       cl::sub(adviseCmd));
static cl::opt<int64_t> aCalibTokens(
    "calib-tokens",
    cl::desc("Tokens of the calibration half to use (default 4096)"),
    cl::init(0), cl::sub(adviseCmd));
static cl::opt<bool> aQuiet("quiet", cl::desc("No progress on stderr"),
                            cl::sub(adviseCmd));

/// A number as the user would have typed it (-0.1, not -0.10).
static std::string num(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

static Error usageError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// Writes `text` to `path` through `path`.tmp, renamed only when complete.
static Error writeFileAtomically(StringRef path, StringRef text) {
  std::string tmp = (path + ".tmp").str();
  {
    std::error_code ec;
    raw_fd_ostream os(tmp, ec);
    if (ec)
      return fileError(path, ec.message());
    os << text;
    os.close();
    if (os.has_error()) {
      sys::fs::remove(tmp);
      return fileError(path, os.error().message());
    }
  }
  if (std::error_code ec = sys::fs::rename(tmp, path)) {
    sys::fs::remove(tmp);
    return fileError(path, ec.message());
  }
  return Error::success();
}

static int runMeasure() {
  // lld resets every option when it runs: their values now.
  const std::string output = aOutput;
  const bool quiet = aQuiet;
  const bool quick = aMeasureQuick;
  const int threads = aThreads;
  for (cl::Option *o : std::initializer_list<cl::Option *>{
           &aDevice, &aMem, &aCalib, &aPlot, &aJson, &aValidate, &aCandidates,
           &aPredictOnly})
    if (o->getNumOccurrences())
      return reportError(
          usageError("--" + o->ArgStr + " has no effect with --measure"));
  if (!aInput.empty())
    return reportError(usageError("--measure measures this machine, not a "
                                  "model: drop " +
                                  aInput));
  if (threads < 0)
    return reportError(usageError("-t " + Twine(threads) +
                                  ": the thread count must not be negative"));
  if (!output.empty() && output != "-")
    if (Error e = checkWritable({output + ".tmp"}))
      return reportError(std::move(e));
  auto p = measureHostProfile(quiet, threads, quick);
  if (!p)
    return reportError(p.takeError());
  std::string text;
  raw_string_ostream os(text);
  os << formatv("{0:2}", profileToJSON(*p)) << "\n";
  if (output.empty() || output == "-") {
    outs() << text;
    return 0;
  }
  if (Error e = writeFileAtomically(output, text))
    return reportError(std::move(e));
  if (!quiet)
    errs() << "dsc: wrote " << output << "\n";
  return 0;
}

/// The request from the options, or the first one out of range.
static Expected<AdviseRequest> readOptions() {
  AdviseRequest req;
  if (aMeasureQuick)
    return usageError("--measure-quick needs --measure");
  if (aInput.empty())
    return usageError("advise needs a checkpoint (or --measure)");
  if (aDevice.empty())
    return usageError("advise needs --device NAME (built-in: " +
                      DeviceProfile::builtinNames() +
                      "; custom; or a profile .json)");
  if (aPredictOnly)
    for (cl::Option *o : std::initializer_list<cl::Option *>{
             &aCalib, &aPlot, &aValidate, &aMaxKld, &aMinTokS, &aEvalCtx,
             &aEvalTokens, &aCalibTokens})
      if (o->getNumOccurrences())
        return usageError("--" + o->ArgStr +
                          " has no effect with --predict-only (it measures "
                          "no quality)");
  if (aCalib.empty() && !aPredictOnly)
    return usageError("advise needs --calib FILE: text whose first half "
                      "calibrates the variants and whose second half "
                      "measures their quality");
  if (aOutput.getNumOccurrences())
    return usageError("-o needs --measure (advise prints its table on "
                      "stdout; --plot FILE writes the chart)");
  req.input = aInput;
  req.calib = aCalib;
  if (!std::isfinite(aMaxKld) || aMaxKld < 0)
    return usageError("--max-kld " + num(aMaxKld) +
                      ": the KL divergence tolerance must be a number >= 0");
  if (!std::isfinite(aMinTokS) || aMinTokS < 0)
    return usageError("--min-tokens-per-s " + num(aMinTokS) +
                      ": must be a number >= 0");
  if (!std::isfinite(aBandwidth) || aBandwidth < 0)
    return usageError("--bandwidth " + num(aBandwidth) +
                      ": must be a positive number of GB/s");
  if (aCtx.getNumOccurrences() && aCtx <= 0)
    return usageError("--ctx " + Twine(aCtx.getValue()) +
                      ": the context must be a positive number of tokens");
  if (aEvalCtx < 2)
    return usageError("--eval-ctx " + Twine(aEvalCtx.getValue()) +
                      ": a window needs at least 2 tokens");
  if (aEvalTokens < 2)
    return usageError("--eval-tokens " + Twine(aEvalTokens.getValue()) +
                      ": at least 2 tokens");
  if (aThreads < 0)
    return usageError("-t " + Twine(aThreads.getValue()) +
                      ": the thread count must not be negative");
  if (aCalibTokens.getNumOccurrences() && aCalibTokens <= 0)
    return usageError("--calib-tokens " + Twine(aCalibTokens.getValue()) +
                      ": must be a positive number of tokens");
  req.maxKld = aMaxKld;
  req.minTokS = aMinTokS;
  req.ctx = aCtx;
  req.evalCtx = aEvalCtx;
  req.evalTokens = aEvalTokens;
  req.threads = aThreads;
  req.validate = aValidate;
  req.predictOnly = aPredictOnly;
  req.base.tokenizer = aTokenizer;
  req.base.calibTokens = aCalibTokens;
  req.base.quiet = aQuiet;
  if (!aMem.empty()) {
    auto m = parseMemOption("mem", aMem);
    if (!m)
      return m.takeError();
    req.memBytes = *m;
  }
  SmallVector<StringRef> names;
  StringRef(aDevice).split(names, ',', -1, false);
  for (StringRef name : names) {
    auto d = resolveDevice(name.trim(), req.memBytes, aBandwidth, aTarget);
    if (!d)
      return d.takeError();
    req.devices.push_back(std::move(*d));
  }
  auto only = parseCandidateIds(aCandidates, "--candidates");
  if (!only)
    return only.takeError();
  req.only = std::move(*only);
  return req;
}

int runAdvise() {
  if (aMeasure)
    return runMeasure();
  auto req = readOptions();
  if (!req)
    return reportError(req.takeError());
  const std::string plot = aPlot;
  const bool asJson = aJson;
  if (!plot.empty())
    if (Error e = checkWritable({plot + ".tmp"}))
      return reportError(std::move(e));
  auto reports = runAdvice(*req);
  if (!reports)
    return reportError(reports.takeError());
  if (asJson) {
    json::Array devices;
    for (const DeviceReport &r : *reports)
      devices.push_back(reportToJSON(r));
    json::Object o{{"model", req->input},
                   {"split", "--calib's first half calibrates, its second "
                             "half (at most --eval-tokens tokens) measures "
                             "quality"},
                   {"eval_tokens",
                    static_cast<int64_t>(
                        reports->empty() || reports->front().candidates.empty()
                            ? 0
                            : reports->front().candidates[0].quality.tokens)},
                   {"devices", std::move(devices)}};
    outs() << formatv("{0:2}", json::Value(std::move(o))) << "\n";
  } else {
    bool first = true;
    for (const DeviceReport &r : *reports) {
      if (!first)
        outs() << "\n";
      first = false;
      if (req->predictOnly)
        printPredictions(outs(), r);
      else
        printTable(outs(), r);
    }
    if (!req->predictOnly && !reports->empty() &&
        !reports->front().candidates.empty())
      outs() << "\nquality: mean KL divergence from the full model on "
             << reports->front().candidates[0].quality.tokens
             << " held-out tokens (the second half of " << req->calib
             << "; the first half calibrated)\n";
  }
  if (!plot.empty()) {
    std::string title =
        "dsc advise: " +
        sys::path::filename(StringRef(req->input).rtrim('/')).str();
    if (Error e = writeFileAtomically(plot, plotSVG(*reports, title)))
      return reportError(std::move(e));
  }
  return 0;
}

} // namespace dsc
