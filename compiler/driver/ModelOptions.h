//===- ModelOptions.h - flags shared by compile and eval --------*- C++ -*-===//
//
// `dsc compile` and `dsc eval` take the same model flags (tokenizer, context
// length, quantization), so that what eval measures is what compile builds.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_DRIVER_MODELOPTIONS_H
#define DSC_DRIVER_MODELOPTIONS_H

#include "pipeline/Pipelines.h"
#include "pipeline/Target.h"
#include "pipeline/TempFiles.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <string>

namespace dsc {

/// What --quantize and its companions ask for.
struct QuantOptions {
  std::string scheme; // "" for none, else e.g. "int4:group=32" or "auto"
  // Whether the embedding table and the classifier are quantized, and to
  // what (never empty when they are); whether the command line said so.
  bool embeddings = false, head = false;
  std::string embeddingsScheme, headScheme;
  bool embeddingsGiven = false, headGiven = false;
};

/// The scheme the embedding table (or with `classifier`, the classifier)
/// gets by default under `scheme` (a scheme of --quantize, not auto):
/// int8:group=32, the classifier under schemes narrower than 8 bits
/// int8:channel; see docs/quantization.md. A table shared
/// by both takes the classifier's.
std::string defaultTableScheme(llvm::StringRef scheme, bool classifier);

/// Sets `q.scheme` and the tables' defaults under it, as the command line
/// does when neither table flag is given: a fixed scheme quantizes both
/// tables to defaultTableScheme; none or auto leaves them to the scheme.
void setSchemeWithTableDefaults(QuantOptions &q, llvm::StringRef scheme);

/// The values of the model flags. lld resets every cl::opt when it runs, so
/// commands take these values once, before building anything.
struct ModelSettings {
  std::string tokenizer;
  int64_t maxSeqLen = 0; // 0: the model's
  QuantOptions quant;
  std::string calib;          // calibration text
  std::string calibStats;     // --calib-stats: statistics instead of --calib
  std::string saveCalibStats; // --save-calib-stats: where to keep them
  int64_t calibTokens = 0;    // 0: the default
  std::string memBudget;      // with --quantize auto
  std::string autoCache;      // --auto-cache: auto's measurements, kept
  // --quantize-rounding: nearest or gptq. GPTQ by default: it applies
  // wherever calibration gives Hessians (docs/quantization.md).
  std::string rounding = "gptq";
  uint64_t budgetBytes = 0; // --mem-budget, parsed
  bool quiet = false;
  std::string prune;             // --prune: ffn=F,heads=H,layers=N
  std::string pruneMethod;       // --prune-method: teacher or magnitude
  bool pruneBiasCorrect = false; // --prune-bias-correct
  bool pruneNormCorrect = true;  // --prune-norm-correct
  // --prefill-precision: exact, or bf16 (prompts' float-weight products
  // in bf16 where the target has them; docs/quantization.md).
  std::string prefillPrecision = "exact";
  // Where pruning writes refitted weights: chosen by the command (beside
  // an emitted .mlir, else a temporary that outlives the weight writer).
  std::string pruneWeights;

  bool automatic() const;
  /// "f32/f16 weights" or the scheme with its options, for reports.
  std::string describe() const;
};

/// Sets where --prune writes its refitted weights: `beside` when not empty
/// (emitted IR refers to them), else a file in a temporary directory that is
/// returned and must outlive the weight writer. Without --prune, nothing.
llvm::Expected<TempPath> placePruneWeights(ModelSettings &settings,
                                           llvm::StringRef beside = "");

/// Registers the model flags on a subcommand.
class ModelOptions {
public:
  explicit ModelOptions(llvm::cl::SubCommand &sub);
  /// The values, or an error naming an option that is out of range or
  /// would have no effect with the others given. With `autoVariant`
  /// (compile --auto) the variant is chosen, not given: --quantize and
  /// --prune are errors, --calib is needed and --mem-budget is the
  /// device's memory (budgetBytes).
  llvm::Expected<ModelSettings> get(bool autoVariant = false) const;

private:
  llvm::cl::opt<std::string> tokenizer;
  llvm::cl::opt<int64_t> maxSeqLen;
  llvm::cl::opt<std::string> quantize;
  llvm::cl::opt<std::string> quantizeEmbeddings, quantizeHead;
  llvm::cl::opt<std::string> calib;
  llvm::cl::opt<std::string> calibStats, saveCalibStats;
  llvm::cl::opt<int64_t> calibTokens;
  llvm::cl::opt<std::string> memBudget;
  llvm::cl::opt<std::string> autoCache;
  llvm::cl::opt<std::string> rounding;
  llvm::cl::opt<bool> quiet;
  llvm::cl::opt<std::string> prune, pruneMethod;
  llvm::cl::opt<bool> pruneBiasCorrect, pruneNormCorrect;
  llvm::cl::opt<std::string> prefillPrecision;
};

/// Imports a checkpoint, or parses a .mlir file (the output of `dsc import`
/// or of `--compile-to=import|graph|layout`), and verifies it.
llvm::Expected<mlir::OwningOpRef<mlir::ModuleOp>>
loadModel(mlir::MLIRContext &ctx, llvm::StringRef input,
          const ModelSettings &settings);

/// The graph phase with pruning and quantization as the settings ask, for
/// `target`: pruning first (dsc-prune-structures, on the imported model,
/// so that quantization and its calibration see the pruned one), then
/// calibration on text when asked (its statistics kept in
/// --save-calib-stats or a temporary), then the pipeline's graph phase
/// (mixed precision for a budget, dsc-quant-apply, activation-aware
/// scales), its reports printed as notes unless --quiet.
llvm::Error prepareModel(mlir::ModuleOp module, const ModelSettings &settings,
                         const TargetDesc &target);

/// prepareModel's two steps, for `dsc advise`, which prunes once and
/// quantizes the pruned model several ways: pruning (nothing without
/// --prune), then calibration and the graph phase.
llvm::Error pruneModel(mlir::ModuleOp module, const ModelSettings &settings,
                       const TargetDesc &target);
llvm::Error quantizeModel(mlir::ModuleOp module, const ModelSettings &settings,
                          const TargetDesc &target);

/// --prefill-precision bf16 needs a target with bf16 dot products; checked
/// before any work, where code is generated for `target` (not for IR
/// printed before the layout, which is the same for every target).
llvm::Error checkPrefillTarget(const ModelSettings &settings,
                               const TargetDesc &target);

} // namespace dsc

#endif
