//===- Pipelines.cpp - the phases of dsc compile as pass pipelines --------===//

#include "pipeline/Pipelines.h"

#include "Dsc/Transforms/Passes.h"
#include "prune/Passes.h"
#include "prune/Plan.h"
#include "quant/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace dsc {

StringRef phaseName(Phase phase) {
  switch (phase) {
  case Phase::Import:
    return "import";
  case Phase::Graph:
    return "graph";
  case Phase::Layout:
    return "layout";
  case Phase::Loops:
    return "loops";
  case Phase::LLVMDialect:
    return "llvm-dialect";
  }
  llvm_unreachable("unknown phase");
}

std::optional<Phase> parsePhase(StringRef name) {
  for (Phase p : {Phase::Import, Phase::Graph, Phase::Layout, Phase::Loops,
                  Phase::LLVMDialect})
    if (phaseName(p) == name)
      return p;
  return std::nullopt;
}

bool parseAutoQuantize(StringRef quantize, int64_t &group) {
  group = 32;
  if (quantize == "auto")
    return true;
  if (!quantize.consume_front("auto:"))
    return false;
  if (!quantize.consume_front("group=") || quantize.getAsInteger(10, group) ||
      group <= 0)
    group = 0;
  return true;
}

void buildPrune(mlir::OpPassManager &pm, const CompileSettings &s) {
  if (s.prune.empty())
    return;
  PruneStructuresOptions o;
  if (auto spec = parsePruneSpec(s.prune)) {
    o.ffn = spec->ffn;
    o.heads = spec->heads;
    o.layers = spec->layers;
  } else {
    // A malformed spec reaches the pass as a fraction it refuses.
    consumeError(spec.takeError());
    o.ffn = -1;
  }
  o.method = s.pruneMethod;
  o.refit = s.pruneMethod == "teacher";
  o.calib = s.pruneCalib;
  o.weights = s.pruneWeights;
  o.biasCorrect = s.pruneBiasCorrect;
  o.normCorrect = s.pruneNormCorrect;
  o.progress = s.progress;
  pm.addPass(createPruneStructures(o));
}

/// Quantization as the settings ask (nothing without `quantize`).
static void buildQuantize(mlir::OpPassManager &pm, const CompileSettings &s) {
  if (s.quantize.empty())
    return;
  mlir::dsc::QuantApplyOptions apply;
  QuantMixedPrecisionOptions mixed;
  // A malformed group reaches the pass as 0, which it refuses.
  if (parseAutoQuantize(s.quantize, mixed.group)) {
    mixed.stats = s.calibStats;
    mixed.budget = s.memBudget;
    mixed.cache = s.autoCache;
    mixed.rounding = s.quantRounding;
    mixed.progress = s.progress;
    pm.addPass(createQuantMixedPrecision(mixed));
    // Every weight has its dsc.quantize now; the scheme is unused.
    apply.scheme = "int8:channel";
  } else {
    apply.scheme = s.quantize;
    apply.embeddings = s.quantizeEmbeddings;
    apply.head = s.quantizeHead;
    apply.embeddingsScheme = s.quantizeEmbeddingsScheme;
    apply.headScheme = s.quantizeHeadScheme;
  }
  pm.addPass(mlir::dsc::createQuantApply(apply));
  if (!s.calibStats.empty()) {
    QuantAWQScaleOptions awq;
    awq.stats = s.calibStats;
    awq.progress = s.progress;
    awq.rounding = s.quantRounding;
    pm.addPass(createQuantAWQScale(awq));
  }
}

void buildPhase(mlir::OpPassManager &pm, const CompileSettings &s,
                Phase phase) {
  switch (phase) {
  case Phase::Import:
    return;
  case Phase::Graph: {
    buildPrune(pm, s);
    pm.addPass(mlir::dsc::createGraphFuseSwiGLU());
    pm.addPass(mlir::createCSEPass());
    buildQuantize(pm, s);
    // After quantization, which leaves the float weights it keeps.
    if (s.prefillPrecision != "exact") {
      mlir::dsc::GraphRelaxPrefillOptions relax;
      relax.products = s.prefillPrecision;
      pm.addPass(mlir::dsc::createGraphRelaxPrefill(relax));
    }
    return;
  }
  case Phase::Layout: {
    mlir::dsc::TargetAttachOptions attach;
    attach.target = s.target;
    pm.addPass(mlir::dsc::createTargetAttach(attach));
    pm.addPass(mlir::dsc::createGPUPlaceForward());
    mlir::dsc::WeightsPackOptions pack;
    pack.interleave = s.int4Layout == "blocks"  ? "true"
                      : s.int4Layout == "tiles" ? "false"
                                                : s.int4Layout;
    pm.addPass(mlir::dsc::createWeightsPack(pack));
    pm.addPass(mlir::dsc::createWeightsAssignOffsets());
    pm.addPass(mlir::dsc::createWeightsStampId());
    return;
  }
  case Phase::Loops:
    mlir::dsc::buildLowerToLoopsPipeline(pm);
    return;
  case Phase::LLVMDialect:
    // Each layer's loop nests once, not once per layer: LLVM's time goes
    // with the size of the code it is given. CSE first, so that nests
    // differing only in which copy of a constant they use are one.
    pm.addPass(mlir::createCSEPass());
    pm.addPass(mlir::dsc::createCodegenOutlineLoops());
    mlir::dsc::buildLowerToLLVMPipeline(pm, s.sanitize);
    return;
  }
}

CompileSettings CompilePipelineOptions::settings() const {
  CompileSettings s;
  s.target = target;
  s.sanitize = sanitize;
  s.quantize = quantize;
  s.quantizeEmbeddings = quantizeEmbeddings;
  s.quantizeHead = quantizeHead;
  s.quantizeEmbeddingsScheme = quantizeEmbeddingsScheme;
  s.quantizeHeadScheme = quantizeHeadScheme;
  s.calibStats = calibStats;
  s.quantRounding = quantRounding;
  s.memBudget = memBudget;
  s.autoCache = autoCache;
  s.progress = progress;
  s.prune = prune;
  s.pruneMethod = pruneMethod;
  s.pruneCalib = pruneCalib;
  s.pruneWeights = pruneWeights;
  s.pruneBiasCorrect = pruneBiasCorrect;
  s.pruneNormCorrect = pruneNormCorrect;
  s.prefillPrecision = prefillPrecision;
  s.int4Layout = int4Layout;
  return s;
}

void registerCompilePipeline() {
  registerDscQuantPasses();
  registerDscPrunePasses();
  mlir::registerPassPipeline(
      "dsc-compile",
      "The passes of dsc compile after import, up to compile-to (dsc "
      "compile --emit=mlir --compile-to=PHASE gives the same IR)",
      [](mlir::OpPassManager &pm, StringRef text,
         function_ref<mlir::LogicalResult(const Twine &)> errorHandler)
          -> mlir::LogicalResult {
        CompilePipelineOptions o;
        if (failed(o.parseFromString(text)))
          return mlir::failure();
        std::optional<Phase> last = parsePhase(o.compileTo);
        if (!last || *last == Phase::Import)
          return errorHandler("dsc-compile: compile-to '" + o.compileTo +
                              "' is not graph, layout, loops or "
                              "llvm-dialect");
        if (o.int4Layout != "auto" && o.int4Layout != "blocks" &&
            o.int4Layout != "tiles")
          return errorHandler("dsc-compile: int4-layout '" + o.int4Layout +
                              "' is not auto, blocks or tiles");
        CompileSettings s = o.settings();
        for (Phase p : kPhases)
          if (p <= *last)
            buildPhase(pm, s, p);
        return mlir::success();
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> handler) {
        CompilePipelineOptions o;
        handler(o);
      });
}

/// "file:line:col: message" for errors in .mlir input, as compilers print
/// them; just the message for the rest (an imported checkpoint's ops are
/// at line 0, and its file is not what the message is about).
static std::string describe(mlir::Diagnostic &d) {
  std::string s;
  raw_string_ostream os(s);
  if (auto loc = dyn_cast<mlir::FileLineColLoc>(d.getLocation()))
    if (loc.getLine() > 0)
      os << loc.getFilename().getValue() << ":" << loc.getLine() << ":"
         << loc.getColumn() << ": ";
  os << d.str();
  for (mlir::Diagnostic &note : d.getNotes())
    // The pass manager's dump of the failing op is for debugging dsc.
    if (!StringRef(note.str()).starts_with("see current operation"))
      os << " (" << note.str() << ")";
  return s;
}

Error runPhase(mlir::ModuleOp module, const CompileSettings &settings,
               Phase phase, RemarkFn remarks) {
  return runPasses(
      module,
      [&](mlir::OpPassManager &pm) { buildPhase(pm, settings, phase); },
      ("the " + phaseName(phase) + " phase").str(), remarks);
}

Error runPasses(mlir::ModuleOp module,
                function_ref<void(mlir::OpPassManager &)> build,
                StringRef what, RemarkFn remarks) {
  mlir::PassManager pm(module.getContext());
  build(pm);
  std::string errors;
  mlir::ScopedDiagnosticHandler handler(
      module.getContext(), [&](mlir::Diagnostic &d) -> mlir::LogicalResult {
        switch (d.getSeverity()) {
        case mlir::DiagnosticSeverity::Remark:
          if (remarks)
            remarks(d);
          return mlir::success();
        case mlir::DiagnosticSeverity::Error:
          errors += (errors.empty() ? "" : "\n") + describe(d);
          return mlir::success();
        default:
          return mlir::failure(); // warnings: the default handler
        }
      });
  if (succeeded(pm.run(module)))
    return Error::success();
  if (errors.empty())
    errors = (what + " failed").str();
  return createStringError(inconvertibleErrorCode(), errors);
}

} // namespace dsc
