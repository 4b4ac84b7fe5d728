//===- Pipelines.h - the phases of dsc compile as pass pipelines -*- C++
//-*-===//
//
// Every IR change `dsc compile` makes is a pass; this file is the one place
// that says which passes, in which order, with which options. The driver
// runs the phases one by one (to print after any of them or to copy the
// laid-out module for the weight writer); `dsc-opt --dsc-compile=...` runs
// the same passes, so the two give the same IR.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PIPELINE_PIPELINES_H
#define DSC_PIPELINE_PIPELINES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace dsc {

/// The phases, in order. Import is what the frontend gives.
enum class Phase { Import, Graph, Layout, Loops, LLVMDialect };
constexpr Phase kPhases[] = {Phase::Graph, Phase::Layout, Phase::Loops,
                             Phase::LLVMDialect};
llvm::StringRef phaseName(Phase phase);
std::optional<Phase> parsePhase(llvm::StringRef name);

/// What the phases need to know; every field is an option of the
/// registered pipeline, spelled as in the comments.
struct CompileSettings {
  std::string target;    // target: a registry name ("" = the default)
  bool sanitize = false; // sanitize: buffers for ASan (dsc compile --sanitize)
  std::string quantize;  // quantize: "", a scheme (int4:group=32) or "auto"
  bool quantizeEmbeddings = false; // quantize-embeddings
  bool quantizeHead = false;       // quantize-head
  std::string quantizeEmbeddingsScheme; // quantize-embeddings-scheme: "" =
                                        // quantize's
  std::string quantizeHeadScheme;       // quantize-head-scheme: "" =
                                        // quantize's
  std::string calibStats;          // calib-stats: file from calibration
  std::string quantRounding = "nearest"; // quantize-rounding: or gptq
  std::string memBudget;           // mem-budget: with quantize=auto
  std::string autoCache;           // auto-cache: quantize=auto's measurements
  bool progress = false;           // progress: on stderr
  std::string prune;               // prune: ffn=F,heads=H,layers=N
  std::string pruneMethod = "teacher"; // prune-method: or magnitude
  std::string pruneCalib;          // prune-calib: text the teacher scores on
  std::string pruneWeights;        // prune-weights: file for refitted weights
  bool pruneBiasCorrect = false;   // prune-bias-correct: refit with biases
  bool pruneNormCorrect = true;    // prune-norm-correct: refit norm scales
  std::string prefillPrecision = "exact"; // prefill-precision: or bf16, f16
  // int4-layout: int4:group=32 weights in the target's default layout
  // (auto), in row-interleaved 16x32 blocks where its kernels read them
  // (blocks), or in 4-row tiles (tiles); dsc-weights-pack's interleave.
  std::string int4Layout = "auto";
};

/// Whether `quantize` asks for mixed precision (`auto`, `auto:group=N`);
/// `group` gets its int4 group size (32 by default), or 0 when the spelling
/// is malformed.
bool parseAutoQuantize(llvm::StringRef quantize, int64_t &group);

/// Adds structured pruning as the settings ask (nothing without `prune`);
/// the graph phase starts with it.
void buildPrune(mlir::OpPassManager &pm, const CompileSettings &settings);

/// Adds the passes of `phase` to `pm`.
void buildPhase(mlir::OpPassManager &pm, const CompileSettings &settings,
                Phase phase);

/// The pass pipeline `dsc-compile`: every phase up to `compile-to`.
struct CompilePipelineOptions
    : mlir::PassPipelineOptions<CompilePipelineOptions> {
  Option<std::string> compileTo{
      *this, "compile-to",
      llvm::cl::desc("Last phase: graph, layout, loops or llvm-dialect"),
      llvm::cl::init("llvm-dialect")};
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Registry target name")};
  Option<bool> sanitize{*this, "sanitize",
                        llvm::cl::desc("Buffers laid out for ASan")};
  Option<std::string> quantize{
      *this, "quantize",
      llvm::cl::desc("Weight scheme (int4:group=32, ...) or auto[:group=N]")};
  Option<bool> quantizeEmbeddings{
      *this, "quantize-embeddings",
      llvm::cl::desc("Quantize the embedding table too")};
  Option<bool> quantizeHead{*this, "quantize-head",
                            llvm::cl::desc("Quantize the classifier too")};
  Option<std::string> quantizeEmbeddingsScheme{
      *this, "quantize-embeddings-scheme",
      llvm::cl::desc("The embedding table's scheme (default: quantize's)")};
  Option<std::string> quantizeHeadScheme{
      *this, "quantize-head-scheme",
      llvm::cl::desc("The classifier's scheme (default: quantize's)")};
  Option<std::string> calibStats{
      *this, "calib-stats",
      llvm::cl::desc("Calibration statistics (AWQ scales; needed by auto)")};
  Option<std::string> quantRounding{
      *this, "quantize-rounding",
      llvm::cl::desc("nearest, or gptq (with calib-stats holding Hessians)"),
      llvm::cl::init("nearest")};
  Option<std::string> memBudget{*this, "mem-budget",
                                llvm::cl::desc("Weights' size limit for auto")};
  Option<std::string> autoCache{
      *this, "auto-cache",
      llvm::cl::desc("File that keeps auto's measurements across budgets")};
  Option<bool> progress{*this, "progress",
                        llvm::cl::desc("Show progress on stderr")};
  Option<std::string> prune{
      *this, "prune",
      llvm::cl::desc("Structured pruning: ffn=F,heads=H,layers=N")};
  Option<std::string> pruneMethod{
      *this, "prune-method", llvm::cl::desc("teacher or magnitude"),
      llvm::cl::init("teacher")};
  Option<std::string> pruneCalib{
      *this, "prune-calib",
      llvm::cl::desc("Calibration text for prune-method=teacher")};
  Option<std::string> pruneWeights{
      *this, "prune-weights",
      llvm::cl::desc("File the refitted weights are written to")};
  Option<bool> pruneBiasCorrect{
      *this, "prune-bias-correct",
      llvm::cl::desc("The pruning refit fits biases too")};
  Option<bool> pruneNormCorrect{
      *this, "prune-norm-correct",
      llvm::cl::desc("The pruning refit fits RMSNorm scales too"),
      llvm::cl::init(true)};
  Option<std::string> prefillPrecision{
      *this, "prefill-precision",
      llvm::cl::desc("exact, or bf16 or f16: dsc-graph-relax-prefill after "
                     "quantization"),
      llvm::cl::init("exact")};
  Option<std::string> int4Layout{
      *this, "int4-layout",
      llvm::cl::desc("int4:group=32 weights: auto (the target's default), "
                     "blocks (row-interleaved 16x32) or tiles (4 rows)"),
      llvm::cl::init("auto")};

  CompileSettings settings() const;
};

/// Registers `dsc-compile` (for dsc-opt) and the passes of compiler/quant
/// (those of the dialect: mlir::dsc::registerDscPasses).
void registerCompilePipeline();

/// Remarks of the passes (what quantization did), for the driver to show.
using RemarkFn = llvm::function_ref<void(mlir::Diagnostic &)>;

/// Runs the passes `build` adds on `module`, errors and remarks as runPhase.
llvm::Error runPasses(mlir::ModuleOp module,
                      llvm::function_ref<void(mlir::OpPassManager &)> build,
                      llvm::StringRef what, RemarkFn remarks = nullptr);

/// Runs `phase` on `module`. Errors the passes emit become the returned
/// error (their messages, one per line); remarks go to `remarks` when
/// given, and are dropped otherwise.
llvm::Error runPhase(mlir::ModuleOp module, const CompileSettings &settings,
                     Phase phase, RemarkFn remarks = nullptr);

} // namespace dsc

#endif
