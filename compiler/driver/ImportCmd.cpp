//===- ImportCmd.cpp - dsc import -----------------------------------------===//

#include "driver/Commands.h"
#include "driver/OutputGuard.h"
#include "frontend/Checkpoint.h"
#include "frontend/ModelBuilder.h"
#include "quant/Passes.h"

#include "mlir/Pass/PassManager.h"

#include "Dsc/IR/DscOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace llvm;

namespace dsc {

cl::SubCommand importCmd("import",
                         "Import a checkpoint into the dsc dialect (.mlir)");

static cl::opt<std::string> impInput(cl::Positional, cl::Required,
                                     cl::desc("<checkpoint>"),
                                     cl::sub(importCmd));
static cl::opt<std::string> impOutput("o",
                                      cl::desc("Output file (- for stdout)"),
                                      cl::value_desc("file"), cl::init("-"),
                                      cl::sub(importCmd));
static cl::opt<std::string> impTokenizer(
    "tokenizer",
    cl::desc("Tokenizer file (default: the checkpoint's own, or one beside "
             "it whose vocabulary fits)"),
    cl::value_desc("file"), cl::sub(importCmd));
static cl::opt<int64_t>
    impMaxSeqLen("max-seq-len",
                 cl::desc("Override the checkpoint's maximum sequence length"),
                 cl::init(0), cl::sub(importCmd));
static cl::opt<bool> impDigests(
    "weight-digests",
    cl::desc("Replace each weight's file reference by a digest of its "
             "canonical bytes (to compare imports of one model)"),
    cl::sub(importCmd));

int runImport() {
  if (impMaxSeqLen.getNumOccurrences() &&
      (impMaxSeqLen <= 0 || impMaxSeqLen > INT32_MAX))
    return reportError(createStringError(
        inconvertibleErrorCode(),
        "--max-seq-len " + std::to_string(impMaxSeqLen) +
            ": the context length must be a positive number of tokens"));
  // The output is written in place: it must not be one of the files the
  // import reads (checked once they are known), and it must be writable.
  std::vector<std::string> written;
  if (impOutput != "-")
    written.push_back(impOutput);
  if (Error e = checkWritable(written))
    return reportError(std::move(e));
  ReadOptions opts;
  opts.tokenizerPath = impTokenizer;
  auto ckpt = readCheckpoint(impInput, opts);
  if (!ckpt)
    return reportError(ckpt.takeError());
  if (impMaxSeqLen > 0)
    ckpt->config.maxSeqLen = impMaxSeqLen;
  mlir::MLIRContext ctx;
  auto module = buildModule(ctx, *ckpt);
  if (failed(mlir::verify(*module))) {
    errs() << "dsc: internal error: the imported module does not verify\n";
    return 1;
  }
  std::vector<std::string> extra;
  if (!impTokenizer.empty())
    extra.push_back(impTokenizer);
  if (Error e = checkNotInput(written, inputFiles(*module, impInput, extra)))
    return reportError(std::move(e));
  if (impDigests) {
    mlir::PassManager pm(&ctx);
    pm.addPass(createWeightsDigest());
    std::string why;
    mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
      if (why.empty())
        why = d.str();
      return mlir::success();
    });
    if (failed(pm.run(*module)))
      return reportError(createStringError(inconvertibleErrorCode(), why));
  }
  std::error_code ec;
  ToolOutputFile out(impOutput, ec, sys::fs::OF_None);
  if (ec) {
    errs() << "dsc: error: " << impOutput << ": " << ec.message() << "\n";
    return 1;
  }
  module->print(out.os());
  out.os() << "\n";
  out.keep();
  return 0;
}

} // namespace dsc
