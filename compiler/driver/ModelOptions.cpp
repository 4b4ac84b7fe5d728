//===- ModelOptions.cpp - flags shared by compile and eval ----------------===//

#include "driver/ModelOptions.h"
#include "frontend/Checkpoint.h"
#include "frontend/Errors.h"
#include "frontend/ModelBuilder.h"
#include "pipeline/Calibrate.h"

#include "Dsc/IR/DscOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"

using namespace llvm;

namespace dsc {

ModelOptions::ModelOptions(cl::SubCommand &sub)
    : tokenizer("tokenizer",
                cl::desc("Tokenizer file (for llama2.c checkpoints)"),
                cl::value_desc("file"), cl::sub(sub)),
      maxSeqLen("max-seq-len", cl::desc("Override the model's context length"),
                cl::init(0), cl::sub(sub)),
      quantize("quantize",
               cl::desc("Quantize weights: int8|int4 ':' "
                        "tensor|channel|group=N|head [',asym'] [',scale=f32'], "
                        "e.g. int4:group=32; or auto[:group=N] with "
                        "--mem-budget and --calib"),
               cl::value_desc("scheme"), cl::sub(sub)),
      quantizeEmbeddings("quantize-embeddings",
                         cl::desc("Quantize the embedding table too"),
                         cl::sub(sub)),
      quantizeHead("quantize-head", cl::desc("Quantize the classifier too"),
                   cl::sub(sub)),
      calib("calib",
            cl::desc("Calibration text: activation-aware scales (AWQ) for "
                     "the quantized weights"),
            cl::value_desc("file"), cl::sub(sub)),
      calibTokens("calib-tokens",
                  cl::desc("Tokens of the calibration text to use "
                           "(default 4096)"),
                  cl::init(0), cl::sub(sub)),
      memBudget("mem-budget",
                cl::desc("With --quantize auto: the weights' size limit, "
                         "e.g. 600MiB"),
                cl::value_desc("size"), cl::sub(sub)),
      quiet("quiet", cl::desc("No notes or timing on stderr"), cl::sub(sub)) {}

ModelSettings ModelOptions::get() const {
  ModelSettings s;
  s.tokenizer = tokenizer;
  s.maxSeqLen = maxSeqLen;
  s.quant = QuantOptions{quantize, quantizeEmbeddings, quantizeHead};
  s.calib = calib;
  s.calibTokens = calibTokens;
  s.memBudget = memBudget;
  s.quiet = quiet;
  return s;
}

std::string ModelSettings::describe() const {
  if (quant.scheme.empty())
    return "unquantized";
  std::string s = quant.scheme;
  if (quant.embeddings)
    s += " +embeddings";
  if (quant.head)
    s += " +head";
  if (!memBudget.empty())
    s += " budget " + memBudget;
  if (!calib.empty())
    s += " +calib";
  return s;
}

Expected<mlir::OwningOpRef<mlir::ModuleOp>>
loadModel(mlir::MLIRContext &ctx, StringRef input,
          const ModelSettings &settings) {
  ctx.loadDialect<mlir::dsc::DscDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (input.ends_with(".mlir")) {
    SourceMgr sm;
    module = mlir::parseSourceFile<mlir::ModuleOp>(input, sm, &ctx);
    if (!module)
      return fileError(input, "cannot parse the MLIR");
  } else {
    ReadOptions opts;
    opts.tokenizerPath = settings.tokenizer;
    opts.quiet = settings.quiet;
    auto ckpt = readCheckpoint(input, opts);
    if (!ckpt)
      return ckpt.takeError();
    if (settings.maxSeqLen > 0)
      ckpt->config.maxSeqLen = settings.maxSeqLen;
    module = buildModule(ctx, *ckpt);
  }
  if (failed(mlir::verify(*module)))
    return fileError(input, "the model does not verify");
  return std::move(module);
}

static Error usageError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

Error prepareModel(mlir::ModuleOp module, const ModelSettings &settings) {
  if (Error e = runGraphPasses(module))
    return e;
  StringRef scheme = settings.quant.scheme;
  bool automatic = scheme == "auto" || scheme.starts_with("auto:");
  int64_t group = 32;
  if (scheme.starts_with("auto:") &&
      (!scheme.consume_front("auto:group=") || scheme.getAsInteger(10, group) ||
       group <= 0))
    return usageError("--quantize " + settings.quant.scheme +
                      ": expected auto or auto:group=N");
  if (automatic && settings.memBudget.empty())
    return usageError("--quantize auto needs --mem-budget SIZE");
  if (automatic && settings.calib.empty())
    return usageError("--quantize auto needs --calib FILE, the text it "
                      "measures each layer's sensitivity on");
  if (!automatic && !settings.memBudget.empty())
    return usageError("--mem-budget needs --quantize auto");
  if (!settings.calib.empty() && settings.quant.scheme.empty())
    return usageError("--calib needs --quantize");
  if (settings.calibTokens < 0)
    return usageError("--calib-tokens must not be negative");
  uint64_t budget = 0;
  if (automatic) {
    auto b = parseByteSize(settings.memBudget);
    if (!b)
      return b.takeError();
    budget = *b;
  }
  if (settings.calib.empty())
    return runQuantization(module, settings.quant);

  CalibOptions calib;
  calib.text = settings.calib;
  if (settings.calibTokens > 0)
    calib.maxTokens = settings.calibTokens;
  calib.progress = !settings.quiet && sys::Process::StandardErrIsDisplayed();
  auto acts = collectActivations(module, calib);
  if (!acts)
    return acts.takeError();
  QuantOptions quant = settings.quant;
  std::string report;
  if (automatic) {
    if (Error e = chooseMixedPrecision(module, *acts, budget, group, &report))
      return e;
    if (!settings.quiet)
      errs() << "dsc: note: " << report << "\n";
    // Every weight has its dsc.quantize now; the default scheme is unused.
    quant.scheme = "int8:channel";
  }
  if (Error e = runQuantization(module, quant))
    return e;
  if (Error e = applyActivationAwareScales(module, *acts, calib, &report))
    return e;
  if (!settings.quiet)
    errs() << "dsc: note: " << report << "\n";
  return Error::success();
}

} // namespace dsc
