//===- CompileCmd.cpp - dsc compile ---------------------------------------===//

#include "driver/Commands.h"
#include "frontend/Checkpoint.h"
#include "frontend/Errors.h"
#include "frontend/ModelBuilder.h"
#include "frontend/Synthetic.h"
#include "pipeline/Codegen.h"
#include "pipeline/Target.h"
#include "dsc/payload.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>

using namespace llvm;

namespace dsc {

cl::SubCommand compileCmd("compile",
                          "Compile a checkpoint (or .mlir) to an executable");

static cl::opt<std::string> cInput(cl::Positional, cl::desc("[checkpoint]"),
                                   cl::sub(compileCmd));
static cl::opt<std::string> cOutput("o", cl::desc("Output file"),
                                    cl::value_desc("file"), cl::sub(compileCmd));
static cl::opt<std::string> cTarget("target",
                                    cl::desc("Target: native (default), "
                                             "x86_64, x86_64-avx2, "
                                             "x86_64-avx512, aarch64 (rpi5)"),
                                    cl::init("native"), cl::sub(compileCmd));
enum class EmitKind { MLIR, LLVM, Asm, Obj, Exe };
static cl::opt<EmitKind> cEmit(
    "emit", cl::desc("What to write"),
    cl::values(clEnumValN(EmitKind::MLIR, "mlir", "MLIR after --compile-to"),
               clEnumValN(EmitKind::LLVM, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::Asm, "asm", "assembly"),
               clEnumValN(EmitKind::Obj, "obj", "object file"),
               clEnumValN(EmitKind::Exe, "exe", "executable (default)")),
    cl::init(EmitKind::Exe), cl::sub(compileCmd));
enum class Phase { Import, Graph, Layout, Loops, LLVMDialect };
static cl::opt<Phase> cCompileTo(
    "compile-to", cl::desc("Stop after this phase (with --emit=mlir)"),
    cl::values(clEnumValN(Phase::Import, "import", "the imported dsc IR"),
               clEnumValN(Phase::Graph, "graph", "after graph rewrites"),
               clEnumValN(Phase::Layout, "layout",
                          "after weight layout (default)"),
               clEnumValN(Phase::Loops, "loops",
                          "after dsc-codegen-lower (loops, kernel calls)"),
               clEnumValN(Phase::LLVMDialect, "llvm-dialect",
                          "in the LLVM dialect")),
    cl::init(Phase::Layout), cl::sub(compileCmd));
enum class WeightsMode { Embedded, External };
static cl::opt<WeightsMode> cWeights(
    "weights", cl::desc("Where the executable's weights go"),
    cl::values(clEnumValN(WeightsMode::Embedded, "embedded",
                          "inside the executable (default)"),
               clEnumValN(WeightsMode::External, "external",
                          "in <output>.dscw beside it, mmapped at run time")),
    cl::init(WeightsMode::Embedded), cl::sub(compileCmd));
static cl::opt<std::string> cTokenizer(
    "tokenizer", cl::desc("Tokenizer file (for llama2.c checkpoints)"),
    cl::value_desc("file"), cl::sub(compileCmd));
static cl::opt<int64_t> cMaxSeqLen(
    "max-seq-len", cl::desc("Override the model's context length"),
    cl::init(0), cl::sub(compileCmd));
static cl::opt<std::string> cQuantize(
    "quantize",
    cl::desc("Quantize weights: int8|int4 ':' tensor|channel|group=N|head "
             "[',asym'] [',scale=f32'], e.g. int4:group=32"),
    cl::value_desc("scheme"), cl::sub(compileCmd));
static cl::opt<bool> cQuantEmb("quantize-embeddings",
                               cl::desc("Quantize the embedding table too"),
                               cl::sub(compileCmd));
static cl::opt<bool> cQuantHead("quantize-head",
                                cl::desc("Quantize the classifier too"),
                                cl::sub(compileCmd));
static cl::opt<bool> cQuiet("quiet", cl::desc("No notes or timing on stderr"),
                            cl::sub(compileCmd));

namespace {
/// Times the phases for the summary line.
struct Timer {
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now();
  double seconds() const {
    return std::chrono::duration<double>(Clock::now() - start).count();
  }
};
} // namespace

static Error writeText(StringRef path, function_ref<void(raw_ostream &)> fn) {
  std::error_code ec;
  ToolOutputFile out(path, ec, sys::fs::OF_None);
  if (ec)
    return fileError(path, ec.message());
  fn(out.os());
  out.keep();
  return Error::success();
}

static std::string defaultOutput(StringRef input, EmitKind emit) {
  if (emit == EmitKind::MLIR || emit == EmitKind::LLVM || emit == EmitKind::Asm)
    return "-";
  StringRef stem = input.empty() ? StringRef("model")
                                 : sys::path::stem(input.rtrim('/'));
  std::string out = stem.str();
  if (emit == EmitKind::Obj)
    out += ".o";
  return out;
}

int runCompile() {
  Timer total;
  // lld resets every cl::opt to its default when it runs: take the values
  // now.
  const bool quiet = cQuiet;
  const bool external = cWeights == WeightsMode::External;
  const QuantOptions quant{cQuantize, cQuantEmb, cQuantHead};
  auto target = lookupTarget(cTarget);
  if (!target)
    return reportError(target.takeError());
  std::string output = cOutput.empty() ? defaultOutput(cInput, cEmit) : cOutput;

  mlir::MLIRContext ctx;
  ctx.loadDialect<mlir::dsc::DscDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module;
  SmallString<128> synthDir;
  FileRemover synthRemover;
  std::string input = cInput;
  if (input.empty()) {
    // No checkpoint: a small synthetic model, for trying dsc out.
    if (std::error_code ec = sys::fs::createUniqueDirectory("dsc-synthetic", synthDir))
      return reportError(createStringError(ec, "cannot create a temporary directory"));
    auto path = writeSyntheticCheckpoint(synthDir, SyntheticOptions());
    if (!path)
      return reportError(path.takeError());
    input = *path;
    if (!quiet)
      errs() << "dsc: note: no checkpoint given; compiling a synthetic model ("
             << input << ")\n";
  }
  if (StringRef(input).ends_with(".mlir")) {
    SourceMgr sm;
    module = mlir::parseSourceFile<mlir::ModuleOp>(input, sm, &ctx);
    if (!module)
      return 1;
  } else {
    ReadOptions opts;
    opts.tokenizerPath = cTokenizer;
    opts.quiet = quiet;
    auto ckpt = readCheckpoint(input, opts);
    if (!ckpt)
      return reportError(ckpt.takeError());
    if (cMaxSeqLen > 0)
      ckpt->config.maxSeqLen = cMaxSeqLen;
    module = buildModule(ctx, *ckpt);
  }
  if (failed(mlir::verify(*module)))
    return 1;

  auto emitMLIR = [&]() -> int {
    if (Error e = writeText(output, [&](raw_ostream &os) {
          module->print(os);
          os << "\n";
        }))
      return reportError(std::move(e));
    return 0;
  };
  if (cEmit == EmitKind::MLIR && cCompileTo == Phase::Import)
    return emitMLIR();
  if (Error e = runGraphPasses(*module))
    return reportError(std::move(e));
  if (Error e = runQuantization(*module, quant))
    return reportError(std::move(e));
  if (cEmit == EmitKind::MLIR && cCompileTo == Phase::Graph)
    return emitMLIR();
  if (Error e = runWeightLayout(*module))
    return reportError(std::move(e));
  if (cEmit == EmitKind::MLIR && cCompileTo == Phase::Layout)
    return emitMLIR();
  // The payload is written from the laid-out module; code from a copy.
  mlir::OwningOpRef<mlir::ModuleOp> layout = module->clone();
  if (Error e = runLowerToLoops(*module))
    return reportError(std::move(e));
  if (cEmit == EmitKind::MLIR && cCompileTo == Phase::Loops)
    return emitMLIR();
  if (Error e = runLowerToLLVMDialect(*module))
    return reportError(std::move(e));
  if (cEmit == EmitKind::MLIR)
    return emitMLIR();

  auto tm = createTargetMachine(*target);
  if (!tm)
    return reportError(tm.takeError());
  LLVMContext llvmCtx;
  auto llvmModule = translateAndOptimize(*module, llvmCtx, *target, **tm);
  if (!llvmModule)
    return reportError(llvmModule.takeError());
  if (cEmit == EmitKind::LLVM) {
    if (Error e = writeText(output, [&](raw_ostream &os) { (*llvmModule)->print(os, nullptr); }))
      return reportError(std::move(e));
    return 0;
  }
  if (cEmit == EmitKind::Asm || cEmit == EmitKind::Obj) {
    std::error_code ec;
    ToolOutputFile out(output, ec, sys::fs::OF_None);
    if (ec)
      return reportError(fileError(output, ec.message()));
    if (Error e = emitMachineCode(**llvmModule, **tm, cEmit == EmitKind::Asm, out.os()))
      return reportError(std::move(e));
    out.keep();
    return 0;
  }
  double codegenSeconds = total.seconds();

  // Executable: object -> link -> payload, all into temporaries that become
  // the outputs only when everything succeeded.
  SmallString<128> objPath;
  if (std::error_code ec = sys::fs::createTemporaryFile("dsc", "o", objPath))
    return reportError(createStringError(ec, "cannot create a temporary file"));
  FileRemover removeObj(objPath);
  {
    std::error_code ec;
    raw_fd_ostream os(objPath, ec);
    if (ec)
      return reportError(fileError(objPath, ec.message()));
    if (Error e = emitMachineCode(**llvmModule, **tm, false, os))
      return reportError(std::move(e));
  }
  std::string tmpExe = output + ".tmp";
  FileRemover removeExe(tmpExe);
  if (Error e = linkExecutable(*target, objPath, tmpExe))
    return reportError(std::move(e));
  uint64_t exeSize = 0;
  sys::fs::file_size(tmpExe, exeSize);
  uint64_t codeSize = exeSize;
  std::string sideFile = output + ".dscw";
  std::string tmpSide = sideFile + ".tmp";
  FileRemover removeSide(tmpSide);
  uint64_t payloadOffset = 0, payloadSize = 0;
  {
    std::error_code ec;
    raw_fd_ostream os(external ? tmpSide : tmpExe, ec,
                      external ? sys::fs::OF_None : sys::fs::OF_Append);
    if (ec)
      return reportError(fileError(external ? tmpSide : tmpExe, ec.message()));
    if (!external) {
      payloadOffset = (exeSize + DSC_PAYLOAD_ALIGN - 1) / DSC_PAYLOAD_ALIGN *
                      DSC_PAYLOAD_ALIGN;
      std::vector<char> pad(payloadOffset - exeSize, 0);
      os.write(pad.data(), pad.size());
    }
    uint64_t before = os.tell();
    if (Error e = writePayload(*layout, os, !quiet && sys::Process::StandardErrIsDisplayed()))
      return reportError(std::move(e));
    payloadSize = os.tell() - before;
    os.close();
    if (os.has_error())
      return reportError(fileError(external ? tmpSide : tmpExe, "write error"));
  }
  if (Error e = appendPayloadTrailer(
          tmpExe, payloadOffset, payloadSize,
          external ? sys::path::filename(sideFile) : StringRef()))
    return reportError(std::move(e));
  sys::fs::setPermissions(tmpExe, sys::fs::all_read | sys::fs::all_exe |
                                      sys::fs::owner_write);
  if (external)
    if (std::error_code ec = sys::fs::rename(tmpSide, sideFile))
      return reportError(fileError(sideFile, ec.message()));
  if (std::error_code ec = sys::fs::rename(tmpExe, output))
    return reportError(fileError(output, ec.message()));
  if (!quiet) {
    uint64_t finalSize = 0;
    sys::fs::file_size(output, finalSize);
    errs() << format("dsc: wrote %s for %s: code %.1f KiB, %s %.1f MiB; "
                     "compile %.2f s (codegen %.2f s)\n",
                     output.c_str(), target->name.c_str(), codeSize / 1024.0,
                     external ? "weights file" : "weights embedded",
                     payloadSize / 1048576.0, total.seconds(), codegenSeconds);
  }
  return 0;
}

} // namespace dsc
