//===- CompileCmd.cpp - dsc compile ---------------------------------------===//

#include "driver/Advise.h"
#include "driver/Commands.h"
#include "driver/ModelOptions.h"
#include "driver/OutputGuard.h"
#include "dsc/payload.h"
#include "frontend/Checkpoint.h"
#include "frontend/ModelBuilder.h"
#include "frontend/Synthetic.h"
#include "pipeline/CUDAKernels.h"
#include "pipeline/Codegen.h"
#include "pipeline/Pipelines.h"
#include "pipeline/Target.h"
#include "pipeline/TempFiles.h"
#include "support/Errors.h"
#include "support/Progress.h"
#include "tokenizer/ChatTemplate.h"
#include "weights/ParallelWrite.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/IR/QuantTiles.h"
#include "Dsc/Transforms/CUDAProgram.h"
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
#include "llvm/Support/WithColor.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <optional>

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
enum class EmitKind { MLIR, LLVM, Asm, Obj, Exe, Lib };
static cl::opt<EmitKind> cEmit(
    "emit", cl::desc("What to write"),
    cl::values(clEnumValN(EmitKind::MLIR, "mlir", "MLIR after --compile-to"),
               clEnumValN(EmitKind::LLVM, "llvm", "optimized LLVM IR"),
               clEnumValN(EmitKind::Asm, "asm", "assembly"),
               clEnumValN(EmitKind::Obj, "obj", "object file"),
               clEnumValN(EmitKind::Exe, "exe", "executable (default)"),
               clEnumValN(EmitKind::Lib, "lib",
                          "static library (lib<name>.a) and its header "
                          "dsc_model.h beside it")),
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
static cl::opt<std::string> cChatTemplate(
    "chat-template",
    cl::desc("The chat template the executable's --chat renders: chatml, "
             "llama2, llama3, deepseek-r1, or none (default: recognised from "
             "the checkpoint's own template)"),
    cl::value_desc("name"), cl::sub(compileCmd));
static cl::opt<unsigned>
    cThreads("threads",
             cl::desc("Threads that quantize and lay out the weights "
                      "(default 0: one per core); the bytes are the same "
                      "for any number"),
             cl::value_desc("N"), cl::init(0), cl::sub(compileCmd));
enum class Int4Layout { Auto, Blocks, Tiles };
static cl::opt<Int4Layout> cInt4Layout(
    "int4-layout",
    cl::desc("How int4:group=32 weights are stored for the CPU kernels"),
    cl::values(clEnumValN(Int4Layout::Auto, "auto",
                          "the target's default (default)"),
               clEnumValN(Int4Layout::Blocks, "blocks",
                          "row-interleaved blocks of 16 rows by 32 columns "
                          "(x86_64-avx2's and -avxvnni's default; prompts "
                          "faster)"),
               clEnumValN(Int4Layout::Tiles, "tiles",
                          "tiles of 4 rows (x86_64-avx512's default)")),
    cl::init(Int4Layout::Auto), cl::sub(compileCmd));
static ModelOptions cModel(compileCmd);
static cl::opt<bool>
    cAuto("auto",
          cl::desc("Compile the variant 'dsc advise' recommends for --device "
                   "(measured on --calib; --mem-budget: the device's memory)"),
          cl::sub(compileCmd));
static cl::opt<std::string> cAutoCandidates(
    "auto-candidates",
    cl::desc("With --auto: measure only these candidates (ids as 'dsc "
             "advise --candidates' takes them)"),
    cl::value_desc("ids"), cl::sub(compileCmd));
static cl::opt<std::string>
    cDevice("device",
            cl::desc("With --auto: the device, as 'dsc advise --device' "
                     "takes it (a built-in name or a profile .json)"),
            cl::value_desc("name"), cl::sub(compileCmd));

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
  case EmitKind::Lib:
    return "lib" + out + ".a";
  }
  llvm_unreachable("unknown --emit");
}

static Error usageError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// Settles the chat template the payload gets: --chat-template, or the
/// checkpoint's own when dsc recognises it. A template dsc does not know is
/// an error naming it: an executable that silently could not chat would be
/// found out only at run time. --chat-template=none compiles without chat.
static Error resolveChat(mlir::ModuleOp module, bool quiet) {
  auto name = mlir::dsc::DscDialect::getTokenizerAttrName();
  auto tokAttr = module->getAttrOfType<mlir::DictionaryAttr>(name);
  StringRef forced = cChatTemplate;
  if (!tokAttr) {
    if (!forced.empty() && forced != "none")
      return usageError("--chat-template needs a tokenizer, and the model "
                        "has none (pass --tokenizer FILE)");
    return Error::success();
  }
  if (!forced.empty() && forced != "none" && !isChatFormat(forced))
    return usageError("--chat-template: unknown template '" + forced +
                      "' (known: " + chatFormatNames() + ", none)");
  if (forced == "none")
    return Error::success();
  TokenizerSource src{
      cast<mlir::StringAttr>(tokAttr.get("path")).getValue().str(),
      cast<mlir::StringAttr>(tokAttr.get("kind")).getValue().str()};
  auto tmpl = readChatTemplate(src);
  if (!tmpl)
    return tmpl.takeError();
  std::string format = forced.str();
  if (format.empty() && *tmpl) {
    format = classifyChatTemplate(**tmpl);
    if (format.empty()) {
      std::string head = StringRef(**tmpl).take_front(60).str();
      llvm::replace(head, '\n', ' ');
      return fileError(
          src.path,
          "chat template not recognised (known: " + chatFormatNames() +
              "); pass --chat-template=NAME to choose one, or "
              "--chat-template=none to compile without chat. "
              "The template begins: " +
              head);
    }
  }
  if (format.empty())
    return Error::success();
  auto tok = loadTokenizer(src);
  if (!tok)
    return tok.takeError();
  std::vector<std::string> missing;
  auto blob = compileChat(format, *tmpl ? StringRef(**tmpl) : StringRef(),
                          tok->get(), missing);
  if (!blob)
    return blob.takeError();
  if (!missing.empty() && !quiet)
    WithColor::warning(errs(), "dsc")
        << "chat template '" << format << "': the tokenizer has no token '"
        << join(missing, "', '") << "'; such text is encoded as plain text\n";
  mlir::Builder b(module.getContext());
  mlir::NamedAttrList entries(tokAttr);
  entries.set("chat_format", b.getStringAttr(format));
  if (*tmpl)
    entries.set("chat_template", b.getStringAttr(**tmpl));
  module->setAttr(name, entries.getDictionary(module.getContext()));
  return Error::success();
}

static StringRef int4LayoutName(Int4Layout l) {
  return l == Int4Layout::Blocks  ? "blocks"
         : l == Int4Layout::Tiles ? "tiles"
                                  : "auto";
}

/// --int4-layout blocks|tiles needs a target whose kernels read both.
static Error checkInt4LayoutTarget(Int4Layout layout,
                                   const TargetDesc &target) {
  // A GPU's kernels read the plain rows (dsc-weights-pack).
  auto readsBoth = [](const TargetDesc &t) {
    return t.rowInterleavedQ4 && !mlir::dsc::hasDevice(t);
  };
  if (layout == Int4Layout::Auto || readsBoth(target))
    return Error::success();
  std::vector<std::string> both;
  for (const TargetDesc &t : mlir::dsc::getTargetRegistry())
    if (readsBoth(t))
      both.push_back(t.name);
  assert(!both.empty() && "the registry has targets that read both");
  std::string list = both.back();
  if (both.size() > 1)
    list = join(ArrayRef(both).drop_back(), ", ") + " and " + list;
  return usageError("--int4-layout " + int4LayoutName(layout) + ": target '" +
                    target.name +
                    "' has one int4 layout (4-row tiles, or the plain rows "
                    "a GPU reads); " +
                    list + " read both");
}

/// --int4-layout blocks|tiles needs a weight the choice applies to (on a
/// target that reads both, checkInt4LayoutTarget): one dsc-weights-pack
/// may store either way, int4:group=32 that only linear layers read.
static Error checkInt4LayoutApplies(Int4Layout layout, mlir::ModuleOp module) {
  if (layout == Int4Layout::Auto)
    return Error::success();
  llvm::DenseSet<mlir::StringAttr> linearOnly =
      mlir::dsc::getLinearOnlyGlobals(module);
  for (auto g : module.getOps<mlir::dsc::GlobalOp>()) {
    auto q = dyn_cast<mlir::dsc::QTensorType>(g.getType());
    if (q && mlir::dsc::isRowInterleavable(q) &&
        linearOnly.contains(g.getSymNameAttr()))
      return Error::success();
  }
  return usageError("--int4-layout " + int4LayoutName(layout) +
                    ": no weight it applies to (symmetric int4:group=32 "
                    "weights with f16 scales, of rows a multiple of 16, "
                    "that only linear layers read, e.g. --quantize "
                    "int4:group=32)");
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
  if (cWeights.getNumOccurrences() && emit != EmitKind::Exe &&
      emit != EmitKind::Lib)
    return usageError("--weights applies to executables and libraries "
                      "(--emit=exe, --emit=lib) only");
  if (emit == EmitKind::MLIR && cCompileTo == Phase::Import) {
    if (!settings.quant.scheme.empty())
      return usageError("--quantize has no effect with --compile-to=import "
                        "(quantization comes after it); use "
                        "--compile-to=graph to see the quantized weights");
    if (!settings.prune.empty())
      return usageError("--prune has no effect with --compile-to=import "
                        "(pruning comes after it); use --compile-to=graph "
                        "to see the pruned model");
    if (settings.prefillPrecision != "exact")
      return usageError("--prefill-precision has no effect with "
                        "--compile-to=import (the graph phase marks the "
                        "linear layers); use --compile-to=graph");
  }
  if (emit == EmitKind::MLIR && cInt4Layout != Int4Layout::Auto &&
      (cCompileTo == Phase::Import || cCompileTo == Phase::Graph))
    return usageError("--int4-layout has no effect with --compile-to=" +
                      phaseName(cCompileTo) +
                      " (the layout phase stores the weights); use "
                      "--compile-to=layout");
  if (emit == EmitKind::MLIR && output == "-" && !settings.prune.empty() &&
      settings.pruneMethod == "teacher")
    return usageError("--prune with -o -: the IR refers to the refitted "
                      "weights in <output>.prune.bin; name an output file");
  if (output == "-" && (emit == EmitKind::Exe || emit == EmitKind::Lib))
    return usageError("-o -: an executable or library cannot be written to "
                      "stdout; name a file");
  // An output that is an input (through links too) is refused by
  // checkNotInput once the checkpoint's files are known.
  return Error::success();
}

int runCompile() {
  Timer total;
  // lld resets every cl::opt to its default when it runs: take the values
  // now.
  const bool autoVariant = cAuto;
  auto settingsOr = cModel.get(autoVariant);
  if (!settingsOr)
    return reportError(settingsOr.takeError());
  ModelSettings pruned = std::move(*settingsOr);
  const bool external = cWeights == WeightsMode::External;
  const EmitKind emit = cEmit;
  std::string output = cOutput.empty() ? defaultOutput(cInput, emit) : cOutput;
  // Refitted weights go beside emitted IR, which refers to them; for
  // everything else, to a temporary the weight writer reads.
  auto pruneDir = placePruneWeights(
      pruned, emit == EmitKind::MLIR && output != "-" ? output + ".prune.bin"
                                                      : std::string());
  if (!pruneDir)
    return reportError(pruneDir.takeError());
  const ModelSettings settings = std::move(pruned);
  setWeightWriterThreads(cThreads);
  const bool quiet = settings.quiet;
  const Phase compileTo = cCompileTo;
  const Int4Layout int4Layout = cInt4Layout;
  // --auto compiles for the device's target.
  std::optional<advise::DeviceProfile> device;
  std::string targetName = cTarget;
  std::vector<std::string> autoCandidates;
  if (!cAutoCandidates.empty() && !autoVariant)
    return reportError(usageError("--auto-candidates needs --auto"));
  if (autoVariant) {
    auto ids = parseCandidateIds(cAutoCandidates, "--auto-candidates");
    if (!ids)
      return reportError(ids.takeError());
    autoCandidates = std::move(*ids);
  }
  if (autoVariant) {
    if (cDevice.empty())
      return reportError(usageError("--auto needs --device NAME (built-in: " +
                                    advise::DeviceProfile::builtinNames() +
                                    "; or a profile .json)"));
    if (cTarget.getNumOccurrences())
      return reportError(usageError("--target has no effect with --auto, "
                                    "which compiles for the device's target"));
    if (cEmit == EmitKind::MLIR && cCompileTo == Phase::Import)
      return reportError(usageError("--auto has no effect with "
                                    "--compile-to=import (the variant is "
                                    "made after it)"));
    std::optional<uint64_t> mem;
    if (settings.budgetBytes)
      mem = settings.budgetBytes;
    auto d = resolveDevice(cDevice, mem, 0, "");
    if (!d)
      return reportError(d.takeError());
    device = *d;
    targetName = device->target;
    if (!mlir::dsc::findTarget(targetName == "native" ? "x86_64" : targetName))
      return reportError(usageError(
          "--device " + device->name + ": dsc cannot compile for its target '" +
          targetName + "' yet ('dsc targets' lists those it can)"));
  } else if (!cDevice.empty()) {
    return reportError(usageError("--device needs --auto"));
  }
  auto target = lookupTarget(targetName);
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
  if (!(emit == EmitKind::MLIR && cCompileTo == Phase::Graph))
    if (Error e = checkPrefillTarget(settings, *target))
      return reportError(std::move(e));
  if (Error e = checkInt4LayoutTarget(int4Layout, *target))
    return reportError(std::move(e));
  std::vector<std::string> written = writtenFiles(output, external);
  if (!settings.saveCalibStats.empty())
    written.push_back(settings.saveCalibStats);
  if (!settings.autoCache.empty())
    written.push_back(settings.autoCache);
  if (emit == EmitKind::Lib) {
    SmallString<128> header = sys::path::parent_path(output);
    sys::path::append(header, "dsc_model.h");
    written.push_back(header.str().str());
    written.push_back((header + ".tmp").str());
  }
  if (emit == EmitKind::MLIR && !settings.pruneWeights.empty() &&
      pruneDir->path().empty())
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

  if (Error e = resolveChat(*module, quiet))
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
  // --auto: the variant advise recommends, decided here, after every
  // option has been read (building the candidates runs lld, which resets
  // them).
  ModelSettings variant = settings;
  TempPath autoPruneDir;
  if (autoVariant) {
    AdviseRequest req;
    req.input = input;
    req.base = settings;
    req.base.calib.clear();
    req.base.memBudget.clear();
    req.base.budgetBytes = 0;
    req.calib = settings.calib;
    req.devices = {*device};
    req.only = autoCandidates;
    if (settings.budgetBytes)
      req.memBytes = settings.budgetBytes;
    auto reports = runAdvice(req);
    if (!reports)
      return reportError(reports.takeError());
    const advise::DeviceReport &r = reports->front();
    if (r.decision.chosen < 0)
      return reportError(usageError("--auto: " + r.decision.reason));
    variant = recommendedSettings(r, req.base, settings.calib);
    auto dir = placePruneWeights(
        variant, emit == EmitKind::MLIR && output != "-" ? output + ".prune.bin"
                                                         : std::string());
    if (!dir)
      return reportError(dir.takeError());
    autoPruneDir = std::move(*dir);
    if (emit == EmitKind::MLIR && output == "-" && !variant.prune.empty())
      return reportError(usageError(
          "--auto chose pruning, and with -o - the IR would refer to "
          "refitted weights in no file; name an output file"));
    if (!quiet)
      errs() << "dsc: note: --auto: " << r.decision.reason << "\n";
  }
  if (Error e = prepareModel(*module, variant, *target))
    return reportError(std::move(e));
  // Before the layout phase, which would otherwise start on a model the
  // flag cannot change.
  if (Error e = checkInt4LayoutApplies(int4Layout, *module))
    return reportError(std::move(e));
  CompileSettings phases;
  phases.target = target->name;
  phases.sanitize = target->sanitize;
  phases.int4Layout = int4LayoutName(int4Layout).str();
  // The payload is written from the laid-out module; code from a copy. For
  // an executable, a thread writes the payload from the moment the layout
  // is known, while this one lowers and generates the code.
  mlir::OwningOpRef<mlir::ModuleOp> layout;
  std::optional<PayloadJob> payload;
  bool weightsProgress = !quiet && sys::Process::StandardErrIsDisplayed();
  for (Phase phase : kPhases) {
    if (phase == Phase::Graph)
      continue; // prepareModel's
    if (emit == EmitKind::MLIR && phase > compileTo)
      break;
    // Layout's remarks: where the forward pass runs when the target has a
    // device and it stays on the host (dsc-gpu-place-forward).
    if (Error e = runPhase(*module, phases, phase, [&](mlir::Diagnostic &d) {
          if (!quiet)
            errs() << "dsc: note: " << d.str() << "\n";
        }))
      return reportError(std::move(e));
    if (phase == Phase::Layout) {
      layout = module->clone();
      if (emit == EmitKind::Exe)
        payload.emplace(*layout, payloadTempPath(output), weightsProgress,
                        payloadReserve(*layout, external));
    }
  }
  if (emit == EmitKind::MLIR)
    return emitMLIR();

  // Libraries link into applications' position-independent code.
  if (emit == EmitKind::Lib)
    target->pie = true;
  // From here on nothing else prints until the end: a status line says
  // what the minutes of code generation and weight conversion are doing
  // (the payload's own while it is written beside the code generation).
  ProgressLine status(!quiet && !payload);
  auto fail = [&](Error e) {
    status.clear();
    return reportError(std::move(e));
  };
  auto tm = createTargetMachine(*target);
  if (!tm)
    return fail(tm.takeError());
  LLVMContext llvmCtx;
  status.show("generating code for " + target->name);
  auto llvmModule = translateAndOptimize(*module, llvmCtx, *target, **tm);
  if (!llvmModule)
    return fail(llvmModule.takeError());
  // A CUDA target's code is whole with its device kernels and program (a
  // forward function placed on the device has no host code of its own).
  if (emit == EmitKind::LLVM || emit == EmitKind::Asm || emit == EmitKind::Obj)
    if (Error e = embedCUDAKernels(**llvmModule, *target, *layout))
      return fail(std::move(e));
  if (emit == EmitKind::LLVM) {
    if (Error e = writeText(output, [&](raw_ostream &os) {
          (*llvmModule)->print(os, nullptr);
        }))
      return fail(std::move(e));
    status.clear();
    return wrote();
  }
  if (emit == EmitKind::Asm || emit == EmitKind::Obj) {
    std::error_code ec;
    ToolOutputFile out(output, ec, sys::fs::OF_None);
    if (ec)
      return fail(fileError(output, ec.message()));
    if (Error e = emitMachineCode(**llvmModule, **tm, emit == EmitKind::Asm,
                                  out.os()))
      return fail(std::move(e));
    out.keep();
    status.clear();
    return wrote();
  }
  status.clear();
  double codegenSeconds = total.seconds();
  ExecutableStats stats;
  if (emit == EmitKind::Lib) {
    if (Error e = writeLibrary(**llvmModule, **tm, *layout, *target, output,
                               external, weightsProgress, stats))
      return fail(std::move(e));
  } else if (Error e = writeExecutable(**llvmModule, **tm, *layout, *target,
                                       output, external, weightsProgress, stats,
                                       payload ? &*payload : nullptr)) {
    return fail(std::move(e));
  }
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
