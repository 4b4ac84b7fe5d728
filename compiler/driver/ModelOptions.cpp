//===- ModelOptions.cpp - flags shared by compile and eval ----------------===//

#include "driver/ModelOptions.h"
#include "frontend/Checkpoint.h"
#include "frontend/Errors.h"
#include "frontend/ModelBuilder.h"

#include "Dsc/IR/DscOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

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
                        "e.g. int4:group=32"),
               cl::value_desc("scheme"), cl::sub(sub)),
      quantizeEmbeddings("quantize-embeddings",
                         cl::desc("Quantize the embedding table too"),
                         cl::sub(sub)),
      quantizeHead("quantize-head", cl::desc("Quantize the classifier too"),
                   cl::sub(sub)),
      quiet("quiet", cl::desc("No notes or timing on stderr"), cl::sub(sub)) {}

ModelSettings ModelOptions::get() const {
  ModelSettings s;
  s.tokenizer = tokenizer;
  s.maxSeqLen = maxSeqLen;
  s.quant = QuantOptions{quantize, quantizeEmbeddings, quantizeHead};
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
  return s;
}

Expected<mlir::OwningOpRef<mlir::ModuleOp>>
loadModel(mlir::MLIRContext &ctx, StringRef input,
          const ModelSettings &settings) {
  ctx.loadDialect<mlir::dsc::DscDialect>();
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

Error prepareModel(mlir::ModuleOp module, const ModelSettings &settings) {
  if (Error e = runGraphPasses(module))
    return e;
  return runQuantization(module, settings.quant);
}

} // namespace dsc
