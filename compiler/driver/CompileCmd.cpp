//===- CompileCmd.cpp - dsc compile ---------------------------------------===//

#include "driver/Commands.h"
#include "driver/ModelOptions.h"
#include "driver/OutputGuard.h"
#include "dsc/payload.h"
#include "frontend/Checkpoint.h"
#include "frontend/ModelBuilder.h"
#include "frontend/Synthetic.h"
#include "pipeline/Codegen.h"
#include "pipeline/Pipelines.h"
#include "pipeline/Target.h"
#include "pipeline/TempFiles.h"
#include "support/Errors.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/ADT/ScopeExit.h"
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
static cl::opt<std::string> cOutput(
    "o",
    cl::desc("Output file, - for stdout (default: the checkpoint's name "
             "with .o, .s, .ll or .mlir as --emit asks)"),
    cl::value_desc("file"), cl::sub(compileCmd));
static cl::opt<std::string> cTarget("target",
                                    cl::desc("Target: native (default), a name "
                                             "dsc targets lists (x86_64-avx2, "
                                             "rpi5, ...) or a Linux triple"),
                                    cl::init("native"), cl::sub(compileCmd));
static cl::opt<std::string>
    cMCPU("mcpu",
          cl::desc("Tune the generated code for this CPU (LLVM's name, e.g. "
                   "cortex-a55); the kernels stay the target's"),
          cl::value_desc("cpu"), cl::sub(compileCmd));
static cl::opt<std::string>
    cMAttr("mattr",
           cl::desc("Extra CPU features for the generated code (LLVM's "
                    "names, e.g. +dotprod,-fp16)"),
           cl::value_desc("features"), cl::sub(compileCmd));
enum class EmitKind { MLIR, LLVM, Asm, Obj, Exe };
static cl::opt<EmitKind> cEmit(
    "emit", cl::desc("What to write"),
    cl::values(clEnumValN(EmitKind::MLIR, "mlir", "MLIR after --compile-to"),
               clEnumValN(EmitKind::LLVM, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::Asm, "asm", "assembly"),
               clEnumValN(EmitKind::Obj, "obj", "object file"),
               clEnumValN(EmitKind::Exe, "exe", "executable (default)")),
    cl::init(EmitKind::Exe), cl::sub(compileCmd));
static cl::opt<Phase> cCompileTo(
    "compile-to", cl::desc("Stop after this phase (with --emit=mlir)"),
    cl::values(
        clEnumValN(Phase::Import, "import", "the imported dsc IR"),
        clEnumValN(Phase::Graph, "graph",
                   "after graph rewrites and quantization"),
        clEnumValN(Phase::Layout, "layout", "after weight layout (default)"),
        clEnumValN(Phase::Loops, "loops",
                   "after dsc-codegen-lower-to-loops (bufferized "
                          "loops, kernel calls)"),
        clEnumValN(Phase::LLVMDialect, "llvm-dialect", "in the LLVM dialect")),
    cl::init(Phase::Layout), cl::sub(compileCmd));
enum class WeightsMode { Embedded, External };
static cl::opt<WeightsMode> cWeights(
    "weights", cl::desc("Where the executable's weights go"),
    cl::values(clEnumValN(WeightsMode::Embedded, "embedded",
                          "inside the executable (default)"),
               clEnumValN(WeightsMode::External, "external",
                          "in <output>.dscw beside it, mmapped at run time")),
    cl::init(WeightsMode::Embedded), cl::sub(compileCmd));
static cl::opt<bool> cSanitize(
    "sanitize",
    cl::desc("Testing: build with AddressSanitizer and UBSan in the runtime, "
             "the kernels and the generated code (x86-64; linked dynamically "
             "by the host's clang)"),
    cl::Hidden, cl::init(false), cl::sub(compileCmd));
static ModelOptions cModel(compileCmd);

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

/// The checkpoint's name without its extension, in the current directory,
/// with the extension of what is emitted. A Hugging Face directory compiled
/// from beside it would be shadowed by its own name: NAME.exe then.
static std::string defaultOutput(StringRef input, EmitKind emit) {
  StringRef stem =
      input.empty() ? StringRef("model") : sys::path::stem(input.rtrim('/'));
  if (stem.empty() || stem == "." || stem == "..")
    stem = "model";
  std::string out = stem.str();
  switch (emit) {
  case EmitKind::MLIR:
    return out + ".mlir";
  case EmitKind::LLVM:
    return out + ".ll";
  case EmitKind::Asm:
    return out + ".s";
  case EmitKind::Obj:
    return out + ".o";
  case EmitKind::Exe:
    return sys::fs::is_directory(out) ? out + ".exe" : out;
  }
  llvm_unreachable("unknown --emit");
}

static Error usageError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// Options that would have no effect with the others given are errors.
static Error checkCompileOptions(const ModelSettings &settings, StringRef input,
                                 StringRef output) {
  EmitKind emit = cEmit;
  if (cCompileTo.getNumOccurrences() && emit != EmitKind::MLIR)
    return usageError("--compile-to needs --emit=mlir (it says after which "
                      "phase to print the IR)");
  if (emit == EmitKind::MLIR && cTarget.getNumOccurrences() &&
      (cCompileTo == Phase::Import || cCompileTo == Phase::Graph))
    return usageError("--target has no effect with --compile-to=import or "
                      "graph: the IR before weight layout is the same for "
                      "every target");
  if (cWeights.getNumOccurrences() && emit != EmitKind::Exe)
    return usageError("--weights applies to executables (--emit=exe) only");
  if (emit == EmitKind::MLIR && cCompileTo == Phase::Import) {
    if (!settings.quant.scheme.empty())
      return usageError("--quantize has no effect with --compile-to=import "
                        "(quantization comes after it); use "
                        "--compile-to=graph to see the quantized weights");
    if (!settings.prune.empty())
      return usageError("--prune has no effect with --compile-to=import "
                        "(pruning comes after it); use --compile-to=graph "
                        "to see the pruned model");
  }
  if (emit == EmitKind::MLIR && output == "-" && !settings.prune.empty() &&
      settings.pruneMethod == "teacher")
    return usageError("--prune with -o -: the IR refers to the refitted "
                      "weights in <output>.prune.bin; name an output file");
  if (output == "-" && emit == EmitKind::Exe)
    return usageError("-o -: an executable cannot be written to stdout; "
                      "name a file");
  // An output that is an input (through links too) is refused by
  // checkNotInput once the checkpoint's files are known.
  return Error::success();
}

int runCompile() {
  Timer total;
  // lld resets every cl::opt to its default when it runs: take the values
  // now.
  auto settingsOr = cModel.get();
  if (!settingsOr)
    return reportError(settingsOr.takeError());
  ModelSettings pruned = std::move(*settingsOr);
  const bool external = cWeights == WeightsMode::External;
  const EmitKind emit = cEmit;
  std::string output = cOutput.empty() ? defaultOutput(cInput, emit) : cOutput;
  // Refitted weights go beside emitted IR, which refers to them; for
  // everything else, to a temporary the weight writer reads.
  TempPath pruneDir;
  if (!pruned.prune.empty()) {
    if (emit == EmitKind::MLIR && output != "-") {
      pruned.pruneWeights = output + ".prune.bin";
    } else {
      auto dir = createTempDirectory("dsc-prune");
      if (!dir)
        return reportError(dir.takeError());
      pruneDir = std::move(*dir);
      pruned.pruneWeights = pruneDir.child("refit.bin");
    }
  }
  const ModelSettings settings = std::move(pruned);
  const bool quiet = settings.quiet;
  const Phase compileTo = cCompileTo;
  auto target = lookupTarget(cTarget);
  if (target && cSanitize)
    target = sanitizedTarget(*target);
  if (target && (!cMCPU.empty() || !cMAttr.empty())) {
    target = tuneTarget(*target, cMCPU, cMAttr);
    if (target)
      if (Error e = checkCPUAndFeatures(*target))
        return reportError(std::move(e));
  }
  if (!target)
    return reportError(target.takeError());
  if (Error e = checkCompileOptions(settings, cInput, output))
    return reportError(std::move(e));
  std::vector<std::string> written = writtenFiles(output, external);
  if (!settings.saveCalibStats.empty())
    written.push_back(settings.saveCalibStats);
  if (emit == EmitKind::MLIR && !settings.pruneWeights.empty() &&
      pruneDir.path().empty())
    written.push_back(settings.pruneWeights);
  if (Error e = checkWritable(written))
    return reportError(std::move(e));

  mlir::MLIRContext ctx;
  TempPath synthDir;
  std::string input = cInput;
  if (input.empty()) {
    // No checkpoint: a small synthetic model, for trying dsc out.
    auto dir = createTempDirectory("dsc-synthetic");
    if (!dir)
      return reportError(dir.takeError());
    synthDir = std::move(*dir);
    auto path = writeSyntheticCheckpoint(synthDir.path(), SyntheticOptions());
    if (!path)
      return reportError(path.takeError());
    input = *path;
    if (!quiet)
      errs() << "dsc: note: no checkpoint given; compiling a synthetic model ("
             << input << ")\n";
  }
  auto loaded = loadModel(ctx, input, settings);
  if (!loaded)
    return reportError(loaded.takeError());
  mlir::OwningOpRef<mlir::ModuleOp> module = std::move(*loaded);
  if (Error e = checkNotInput(written,
                              inputFiles(*module, input,
                                         {settings.calib, settings.calibStats,
                                          settings.tokenizer})))
    return reportError(std::move(e));

  // With the default -o the file's name is news to the user.
  auto wrote = [&]() -> int {
    if (!quiet && output != "-")
      errs() << "dsc: wrote " << output << "\n";
    return 0;
  };
  auto emitMLIR = [&]() -> int {
    if (Error e = writeText(output, [&](raw_ostream &os) {
          module->print(os);
          os << "\n";
        }))
      return reportError(std::move(e));
    return wrote();
  };
  // The phases are the pipeline's (pipeline/Pipelines.h), as dsc-opt
  // --dsc-compile runs them.
  if (emit == EmitKind::MLIR && compileTo == Phase::Import)
    return emitMLIR();
  if (Error e = prepareModel(*module, settings, *target))
    return reportError(std::move(e));
  CompileSettings phases;
  phases.target = target->name;
  phases.sanitize = target->sanitize;
  // The payload is written from the laid-out module; code from a copy.
  mlir::OwningOpRef<mlir::ModuleOp> layout;
  for (Phase phase : kPhases) {
    if (phase == Phase::Graph)
      continue; // prepareModel's
    if (emit == EmitKind::MLIR && phase > compileTo)
      break;
    if (Error e = runPhase(*module, phases, phase))
      return reportError(std::move(e));
    if (phase == Phase::Layout)
      layout = module->clone();
  }
  if (emit == EmitKind::MLIR)
    return emitMLIR();

  auto tm = createTargetMachine(*target);
  if (!tm)
    return reportError(tm.takeError());
  LLVMContext llvmCtx;
  auto llvmModule = translateAndOptimize(*module, llvmCtx, *target, **tm);
  if (!llvmModule)
    return reportError(llvmModule.takeError());
  if (emit == EmitKind::LLVM) {
    if (Error e = writeText(output, [&](raw_ostream &os) {
          (*llvmModule)->print(os, nullptr);
        }))
      return reportError(std::move(e));
    return wrote();
  }
  if (emit == EmitKind::Asm || emit == EmitKind::Obj) {
    std::error_code ec;
    ToolOutputFile out(output, ec, sys::fs::OF_None);
    if (ec)
      return reportError(fileError(output, ec.message()));
    if (Error e = emitMachineCode(**llvmModule, **tm, emit == EmitKind::Asm,
                                  out.os()))
      return reportError(std::move(e));
    out.keep();
    return wrote();
  }
  double codegenSeconds = total.seconds();
  ExecutableStats stats;
  if (Error e = writeExecutable(
          **llvmModule, **tm, *layout, *target, output, external,
          !quiet && sys::Process::StandardErrIsDisplayed(), stats))
    return reportError(std::move(e));
  if (!quiet)
    errs() << format(
        "dsc: wrote %s for %s: code %.1f KiB, %s %.1f MiB; "
        "compile %.2f s (codegen %.2f s)\n",
        output.c_str(), target->name.c_str(), stats.codeBytes / 1024.0,
        external ? "weights file" : "weights embedded",
        stats.payloadBytes / 1048576.0, total.seconds(), codegenSeconds);
  return 0;
}

} // namespace dsc
