//===- EvalCmd.cpp - dsc eval ---------------------------------------------===//
//
// Quality of a quantized model against the unquantized one, measured by
// running both compiled executables (the same kernels users run) on a text:
// perplexity, KL divergence of the next-token distributions (mean and 99th
// percentile), top-1 agreement, and the weights' size.
//
//===----------------------------------------------------------------------===//

#include "driver/Commands.h"
#include "driver/Evaluate.h"
#include "driver/ModelOptions.h"
#include "support/Errors.h"
#include "support/Progress.h"
#include "frontend/ModelBuilder.h"
#include "pipeline/Codegen.h"
#include "pipeline/HostRun.h"
#include "pipeline/Target.h"
#include "pipeline/TempFiles.h"
#include "pipeline/TextInput.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

#include <algorithm>

using namespace llvm;

namespace dsc {

cl::SubCommand evalCmd("eval",
                       "Measure a quantized model against the unquantized one");

static cl::opt<std::string> eInput(cl::Positional, cl::Required,
                                   cl::desc("<checkpoint>"), cl::sub(evalCmd));
static cl::opt<std::string> eText("text", cl::Required,
                                  cl::desc("Text to evaluate on"),
                                  cl::value_desc("file"), cl::sub(evalCmd));
static cl::opt<int64_t> eCtx("ctx", cl::desc("Tokens per window (default 256)"),
                             cl::init(256), cl::sub(evalCmd));
static cl::opt<bool> eJson("json", cl::desc("Print one JSON object"),
                           cl::sub(evalCmd));
static cl::opt<std::string> eTarget("target", cl::desc("Target (default native)"),
                                    cl::init("native"), cl::sub(evalCmd));
static cl::opt<int> eThreads("t",
                             cl::desc("Threads of each run (default: "
                                      "the CPUs available)"),
                             cl::init(0), cl::sub(evalCmd));
static ModelOptions eModel(evalCmd);

namespace {
/// Weight elements of a module (for bits per weight).
uint64_t countParameters(mlir::ModuleOp module) {
  uint64_t n = 0;
  for (auto g : module.getOps<mlir::dsc::GlobalOp>())
    n += static_cast<uint64_t>(g.getShapedType().getNumElements());
  return n;
}
} // namespace

int runEval() {
  auto settingsOr = eModel.get();
  if (!settingsOr)
    return reportError(settingsOr.takeError());
  ModelSettings pruned = std::move(*settingsOr);
  // The refitted weights of --prune, until the executables are built.
  auto pruneDir = placePruneWeights(pruned);
  if (!pruneDir)
    return reportError(pruneDir.takeError());
  const ModelSettings settings = std::move(pruned);
  const std::string input = eInput;
  const std::string textPath = eText;
  const int64_t ctxTokens = eCtx;
  const bool asJson = eJson;
  const int threadCount = eThreads;
  // Checked before the minutes of compiling: a window of one token predicts
  // nothing, and the executables reject what these would pass them.
  if (ctxTokens < 2)
    return reportError(createStringError(
        inconvertibleErrorCode(),
        "--ctx " + std::to_string(ctxTokens) +
            ": a window needs at least 2 tokens (each predicts the next)"));
  if (threadCount < 0)
    return reportError(createStringError(
        inconvertibleErrorCode(), "-t " + std::to_string(threadCount) +
                                      ": the thread count must not be negative (0: all cores)"));
  auto target = lookupTarget(eTarget);
  if (!target)
    return reportError(target.takeError());
  if (!hostCanRun(*target))
    return reportError(createStringError(
        inconvertibleErrorCode(), "this host cannot run --target " + target->name));
  if (Error e = checkPrefillTarget(settings, *target))
    return reportError(std::move(e));
  mlir::MLIRContext ctx;
  auto loaded = loadModel(ctx, input, settings);
  if (!loaded)
    return reportError(loaded.takeError());
  mlir::ModuleOp refModule = **loaded;
  // Tokens of the text, without BOS, in windows of `window`; a bad text is
  // reported before the work of quantizing and compiling.
  auto tokens = tokenizeTextFile(refModule, textPath, 2, "eval");
  if (!tokens)
    return reportError(tokens.takeError());
  std::vector<int32_t> &ids = *tokens;
  auto config = mlir::dsc::getModelConfig(refModule);
  int64_t vocab = config.getVocabSize();
  int64_t window = std::min<int64_t>(ctxTokens, config.getMaxSeqLen());
  if (window < ctxTokens && !settings.quiet)
    errs() << "dsc: note: --ctx " << ctxTokens << " is past the model's "
           << "context length; windows of " << window << " tokens instead\n";
  if (window < 2)
    return reportError(
        fileError(input, "a context of " + std::to_string(window) +
                             " tokens; eval needs windows of at least 2"));
  mlir::OwningOpRef<mlir::ModuleOp> qModule = refModule.clone();
  CompileSettings phases;
  phases.target = target->name;
  if (Error e = runPhase(refModule, phases, Phase::Graph))
    return reportError(std::move(e));
  if (Error e = prepareModel(*qModule, settings, *target))
    return reportError(std::move(e));
  for (mlir::ModuleOp m : {refModule, *qModule})
    if (Error e = runPhase(m, phases, Phase::Layout))
      return reportError(std::move(e));

  // Nothing else prints until the result: a status line says what the
  // compiling and evaluating are doing.
  ProgressLine status(!settings.quiet);
  auto fail = [&](Error e) {
    status.clear();
    return reportError(std::move(e));
  };
  auto run = HostRun::create("dsc-eval");
  if (!run)
    return fail(run.takeError());
  auto tokFile = (*run)->writeTokens("tokens.bin", ids);
  if (!tokFile)
    return fail(tokFile.takeError());
  ExecutableStats refStats, qStats;
  status.show("compiling the unquantized and the quantized model");
  std::string exes[2] = {(*run)->path("ref"), (*run)->path("quant")};
  if (Error e =
          buildExecutable(refModule, *target, exes[0], false, false, refStats))
    return fail(std::move(e));
  if (Error e =
          buildExecutable(*qModule, *target, exes[1], false, false, qStats))
    return fail(std::move(e));

  auto st = compareLogits(**run, exes[0], exes[1], *tokFile, ids, vocab,
                          window, threadCount, textPath, status);
  status.clear();
  if (!st)
    return fail(st.takeError());
  uint64_t bytes = static_cast<uint64_t>(
      qModule->getOperation()
          ->getAttrOfType<mlir::IntegerAttr>(mlir::dsc::kWeightsSizeAttr)
          .getInt());
  uint64_t refBytes = static_cast<uint64_t>(
      refModule->getAttrOfType<mlir::IntegerAttr>(mlir::dsc::kWeightsSizeAttr)
          .getInt());
  double bpw = 8.0 * bytes / countParameters(*qModule);
  double ppl = st->ppl, pplRef = st->pplRef, mean = st->kldMean,
         p99 = st->kldP99;
  if (asJson) {
    json::Object o{{"ppl", ppl},           {"ppl_ref", pplRef},
                   {"kld_mean", mean},     {"kld_p99", p99},
                   {"top1", st->top1},
                   {"bytes", static_cast<int64_t>(bytes)},
                   {"ref_bytes", static_cast<int64_t>(refBytes)},
                   {"bpw", bpw},           {"tokens", static_cast<int64_t>(st->tokens)},
                   {"scheme", settings.describe()}};
    outs() << json::Value(std::move(o)) << "\n";
  } else {
    outs() << format("scheme        %s\n", settings.describe().c_str())
           << format("tokens        %llu (windows of %lld)\n",
                     static_cast<unsigned long long>(st->tokens),
                     static_cast<long long>(window))
           << format("perplexity    %.4f (unquantized %.4f, ratio %.4f)\n", ppl,
                     pplRef, ppl / pplRef)
           << format("KL divergence mean %.6f, p99 %.6f\n", mean, p99)
           << format("top-1 agree   %.2f%%\n", 100.0 * st->top1)
           << format("weights       %llu bytes (%.3f bits per weight; "
                     "unquantized %llu)\n",
                     static_cast<unsigned long long>(bytes), bpw,
                     static_cast<unsigned long long>(refBytes));
  }
  return 0;
}

} // namespace dsc
