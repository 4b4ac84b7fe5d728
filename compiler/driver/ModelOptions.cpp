//===- ModelOptions.cpp - flags shared by compile and eval ----------------===//

#include "driver/ModelOptions.h"
#include "frontend/Checkpoint.h"
#include "frontend/ModelBuilder.h"
#include "pipeline/Calibrate.h"
#include "pipeline/TempFiles.h"
#include "prune/Plan.h"
#include "quant/ByteSize.h"
#include "quant/Passes.h"
#include "support/Errors.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace llvm;

namespace dsc {

ModelOptions::ModelOptions(cl::SubCommand &sub)
    : tokenizer("tokenizer",
                cl::desc("Tokenizer file (default: the checkpoint's own, or "
                         "one beside it whose vocabulary fits)"),
                cl::value_desc("file"), cl::sub(sub)),
      maxSeqLen("max-seq-len", cl::desc("Override the model's context length"),
                cl::init(0), cl::sub(sub)),
      quantize("quantize",
               cl::desc("Quantize weights: int8|int6|int5|int4|int3|int2 ':' "
                        "tensor|channel|group=N|head [',asym'] "
                        "[',scale=f32|i8'], e.g. int4:group=32 or "
                        "int4:group=32,scale=i8 (two-level scales); "
                        "iq4_nl (16 non-uniform levels, IQ4_NL blocks); or "
                        "auto[:group=N] with "
                        "--mem-budget and --calib"),
               cl::value_desc("scheme"), cl::sub(sub)),
      quantizeEmbeddings(
          "quantize-embeddings",
          cl::desc("The embedding table's scheme: alone, --quantize's; "
                   "=none keeps it float (default with --quantize: "
                   "int8:group=32)"),
          cl::value_desc("scheme|none"), cl::ValueOptional, cl::sub(sub)),
      quantizeHead("quantize-head",
                   cl::desc("The classifier's scheme: alone, --quantize's; "
                            "=none keeps it float (default with "
                            "--quantize: int8:group=32 under int8 schemes, "
                            "else int8:channel)"),
                   cl::value_desc("scheme|none"), cl::ValueOptional,
                   cl::sub(sub)),
      calib("calib",
            cl::desc("Calibration text: activation-aware scales (AWQ) for "
                     "the quantized weights (needs --quantize)"),
            cl::value_desc("file"), cl::sub(sub)),
      calibStats("calib-stats",
                 cl::desc("Calibration statistics saved by "
                          "--save-calib-stats, instead of --calib"),
                 cl::value_desc("file"), cl::sub(sub)),
      saveCalibStats("save-calib-stats",
                     cl::desc("Keep what calibration on --calib measured, "
                              "for --calib-stats or dsc-opt"),
                     cl::value_desc("file"), cl::sub(sub)),
      calibTokens("calib-tokens",
                  cl::desc("Tokens of the calibration text to use "
                           "(default 4096; needs --calib)"),
                  cl::init(0), cl::sub(sub)),
      memBudget("mem-budget",
                cl::desc("With --quantize auto: the weights' size limit, "
                         "e.g. 600MiB"),
                cl::value_desc("size"), cl::sub(sub)),
      autoCache("auto-cache",
                cl::desc("With --quantize auto: keep what it measured in "
                         "this file, and reuse it at any budget while the "
                         "model, the calibration and the options are the "
                         "same"),
                cl::value_desc("file"), cl::sub(sub)),
      rounding("quantize-rounding",
               cl::desc("How calibrated quantization rounds: gptq "
                        "(error-compensating, the default with --calib or "
                        "--calib-stats) or nearest"),
               cl::value_desc("method"), cl::sub(sub)),
      quiet("quiet", cl::desc("No notes or timing on stderr"), cl::sub(sub)),
      prune("prune",
            cl::desc("Structured pruning, before quantization: fractions "
                     "of each layer's FFN channels and attention heads and "
                     "a number of whole layers, e.g. ffn=0.3,heads=0.25,"
                     "layers=1 (the teacher method needs --calib)"),
            cl::value_desc("spec"), cl::sub(sub)),
      pruneMethod("prune-method",
                  cl::desc("How --prune chooses: teacher (KL to the "
                           "unpruned model on --calib, then least-squares "
                           "refit; default) or magnitude (weight norms)"),
                  cl::value_desc("method"), cl::init("teacher"), cl::sub(sub)),
      pruneBiasCorrect("prune-bias-correct",
                       cl::desc("The teacher method's refit fits biases of "
                                "attn_output and ffn_down too, where that "
                                "lowers its error (docs/pruning.md)"),
                       cl::sub(sub)),
      pruneNormCorrect("prune-norm-correct",
                       cl::desc("The teacher method's refit fits the "
                                "RMSNorm scales too (default; =false: "
                                "not, docs/pruning.md)"),
                       cl::init(true), cl::sub(sub)),
      prefillPrecision(
          "prefill-precision",
          cl::desc("Products of a prompt's weights: exact (f32 "
                   "arithmetic, the default), bf16 (float weights, both "
                   "operands rounded to bf16, sums in f32: twice the "
                   "multiplies a cycle on AVX512_BF16 targets) or f16 "
                   "(CUDA targets: the prompt's rows rounded to f16 times "
                   "f16 or quantized weights on tensor cores, sums in "
                   "f32); decoding stays exact"),
          cl::value_desc("exact|bf16|f16"), cl::init("exact"), cl::sub(sub)) {}

static Error usageError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

bool ModelSettings::automatic() const {
  int64_t group;
  return parseAutoQuantize(quant.scheme, group);
}

Expected<ModelSettings> ModelOptions::get(bool autoVariant) const {
  ModelSettings s;
  s.tokenizer = tokenizer;
  s.maxSeqLen = maxSeqLen;
  s.quant.scheme = quantize;
  s.calib = calib;
  s.calibStats = calibStats;
  s.saveCalibStats = saveCalibStats;
  s.calibTokens = calibTokens;
  s.memBudget = memBudget;
  s.autoCache = autoCache;
  if (rounding.getNumOccurrences())
    s.rounding = rounding;
  s.quiet = quiet;
  s.prune = prune;
  s.pruneMethod = pruneMethod;
  s.pruneBiasCorrect = pruneBiasCorrect;
  s.pruneNormCorrect = pruneNormCorrect;
  s.prefillPrecision = prefillPrecision;
  if (s.prefillPrecision != "exact" && s.prefillPrecision != "bf16" &&
      s.prefillPrecision != "f16")
    return usageError("--prefill-precision " + s.prefillPrecision +
                      ": expected exact, bf16 or f16");

  if (autoVariant) {
    for (auto [given, name] :
         {std::pair{!s.quant.scheme.empty(), "--quantize"},
          std::pair{!s.prune.empty(), "--prune"},
          std::pair{s.quant.embeddings || s.quant.head,
                    "--quantize-embeddings/--quantize-head"},
          std::pair{!s.calibStats.empty(), "--calib-stats"},
          std::pair{!s.saveCalibStats.empty(), "--save-calib-stats"},
          std::pair{!s.autoCache.empty(), "--auto-cache"},
          std::pair{s.prefillPrecision != "exact", "--prefill-precision"},
          std::pair{pruneMethod.getNumOccurrences() > 0, "--prune-method"},
          std::pair{pruneBiasCorrect.getNumOccurrences() +
                            pruneNormCorrect.getNumOccurrences() >
                        0,
                    "--prune-bias-correct/--prune-norm-correct"}})
      if (given)
        return usageError(Twine(name) +
                          " has no effect with --auto, which chooses the "
                          "variant (see 'dsc advise')");
    if (s.calib.empty())
      return usageError("--auto needs --calib FILE: text whose first half "
                        "calibrates the candidates and whose second half "
                        "measures them");
    if (!s.memBudget.empty()) {
      bool negative = StringRef(s.memBudget).trim().starts_with("-");
      auto b =
          parseByteSize(negative ? StringRef("0") : StringRef(s.memBudget));
      if (!b)
        return usageError("--mem-budget: " + toString(b.takeError()));
      if (*b == 0)
        return usageError("--mem-budget " + s.memBudget +
                          ": memory must be a positive size, e.g. 4GiB");
      s.budgetBytes = *b;
    }
    if (calibTokens.getNumOccurrences() && s.calibTokens <= 0)
      return usageError("--calib-tokens " + Twine(s.calibTokens) +
                        ": must be a positive number of tokens");
    if (maxSeqLen.getNumOccurrences() &&
        (s.maxSeqLen <= 0 || s.maxSeqLen > INT32_MAX))
      return usageError("--max-seq-len " + Twine(s.maxSeqLen) +
                        ": the context length must be a positive number of "
                        "tokens");
    return s;
  }
  // Every option takes effect or is an error.
  if (pruneMethod.getNumOccurrences() && s.prune.empty())
    return usageError("--prune-method needs --prune SPEC");
  if (s.pruneMethod != "teacher" && s.pruneMethod != "magnitude")
    return usageError("--prune-method " + s.pruneMethod +
                      ": expected teacher or magnitude");
  bool teacherPrune = !s.prune.empty() && s.pruneMethod == "teacher";
  if ((pruneBiasCorrect.getNumOccurrences() ||
       pruneNormCorrect.getNumOccurrences()) &&
      !teacherPrune)
    return usageError(Twine(pruneBiasCorrect.getNumOccurrences()
                                ? "--prune-bias-correct"
                                : "--prune-norm-correct") +
                      " needs --prune SPEC with the teacher method");
  if (!s.prune.empty()) {
    auto spec = parsePruneSpec(s.prune);
    if (!spec)
      return spec.takeError();
    if (spec->empty())
      return usageError("--prune " + s.prune + ": removes nothing");
    if (teacherPrune && s.calib.empty())
      return usageError("--prune with the teacher method needs --calib FILE, "
                        "the text it measures the teacher on (or "
                        "--prune-method magnitude)");
  }
  if (maxSeqLen.getNumOccurrences() &&
      (s.maxSeqLen <= 0 || s.maxSeqLen > INT32_MAX))
    return usageError("--max-seq-len " + Twine(s.maxSeqLen) +
                      ": the context length must be a positive number of "
                      "tokens");
  if (calibTokens.getNumOccurrences()) {
    if (s.calibTokens <= 0)
      return usageError("--calib-tokens " + Twine(s.calibTokens) +
                        ": must be a positive number of tokens");
    if (s.calib.empty())
      return usageError("--calib-tokens needs --calib FILE");
  }
  StringRef scheme = s.quant.scheme;
  struct Table {
    const cl::opt<std::string> &flag;
    const char *name;
    bool &on, &given;
    std::string &scheme;
  };
  for (Table t : {Table{quantizeEmbeddings, "embeddings", s.quant.embeddings,
                        s.quant.embeddingsGiven, s.quant.embeddingsScheme},
                  Table{quantizeHead, "head", s.quant.head, s.quant.headGiven,
                        s.quant.headScheme}}) {
    t.given = t.flag.getNumOccurrences() > 0;
    std::string flag = (Twine("--quantize-") + t.name).str();
    if (t.given && !t.flag.empty())
      flag += "=" + t.flag;
    if (t.given && scheme.empty())
      return usageError(flag + " needs --quantize SCHEME (the scheme of the "
                               "other weights)");
    if (t.given && s.automatic())
      return usageError(flag + " has no effect with --quantize auto, which "
                               "chooses the embedding table's and the "
                               "classifier's precision too");
    if (scheme.empty() || s.automatic())
      continue;
    if (!t.given) {
      t.on = true;
      t.scheme = defaultTableScheme(scheme, StringRef(t.name) == "head");
    } else if (t.flag == "none") {
      t.on = false;
    } else {
      t.on = true;
      t.scheme = t.flag.empty() ? scheme.str() : t.flag.getValue();
      mlir::dsc::QuantSpec spec;
      std::string why;
      if (failed(mlir::dsc::parseQuantSpec(t.scheme, spec, &why)))
        return usageError(flag + ": " + why +
                          " (expected a scheme such as "
                          "int8:channel, or none)");
    }
  }
  if (!s.calibStats.empty() && !s.calib.empty())
    return usageError("--calib-stats replaces --calib (statistics measured "
                      "on a text before); give one of them");
  if (!s.saveCalibStats.empty() && s.calib.empty())
    return usageError("--save-calib-stats needs --calib FILE");
  if (!s.saveCalibStats.empty() && s.saveCalibStats == s.calib)
    return usageError("--save-calib-stats " + s.saveCalibStats +
                      " would overwrite the calibration text");
  if (!s.calib.empty() && scheme.empty() && !teacherPrune)
    return usageError("--calib needs --quantize or --prune");
  if (!s.calibStats.empty() && scheme.empty())
    return usageError("--calib-stats needs --quantize");
  if (rounding.getNumOccurrences()) {
    if (s.rounding != "gptq" && s.rounding != "nearest")
      return usageError("--quantize-rounding " + s.rounding +
                        ": expected gptq or nearest");
    if (scheme.empty() || (s.calib.empty() && s.calibStats.empty()))
      return usageError("--quantize-rounding needs --quantize and --calib "
                        "FILE (GPTQ rounds against the calibration "
                        "activations; without them values round to nearest)");
  }
  int64_t autoGroup;
  if (parseAutoQuantize(scheme, autoGroup)) {
    if (autoGroup == 0)
      return usageError("--quantize " + s.quant.scheme +
                        ": expected auto or auto:group=N");
    if (autoGroup % 32)
      return usageError("--quantize " + s.quant.scheme +
                        ": int4 groups must be a multiple of 32 columns");
    if (s.memBudget.empty())
      return usageError("--quantize auto needs --mem-budget SIZE");
    if (s.calib.empty() && s.calibStats.empty())
      return usageError("--quantize auto needs --calib FILE, the text it "
                        "measures each layer's sensitivity on");
    auto b = parseByteSize(s.memBudget);
    if (!b)
      return usageError("--mem-budget: " + toString(b.takeError()));
    s.budgetBytes = *b;
    for (StringRef other : {StringRef(s.calib), StringRef(s.calibStats),
                            StringRef(s.saveCalibStats)})
      if (!s.autoCache.empty() && s.autoCache == other)
        return usageError("--auto-cache " + s.autoCache +
                          " would overwrite the calibration text or "
                          "statistics");
  } else {
    if (!s.memBudget.empty())
      return usageError("--mem-budget needs --quantize auto");
    if (!s.autoCache.empty())
      return usageError("--auto-cache needs --quantize auto");
    mlir::dsc::QuantSpec spec;
    std::string why;
    if (!scheme.empty() &&
        failed(mlir::dsc::parseQuantSpec(scheme, spec, &why)))
      return usageError("--quantize " + scheme + ": " + why);
  }
  return s;
}

std::string ModelSettings::describe() const {
  std::string s = quant.scheme.empty() ? "unquantized" : quant.scheme;
  if (!prune.empty())
    s = "pruned " + prune + " (" + pruneMethod + "), " + s;
  if (quant.scheme.empty())
    return s + (prefillPrecision != "exact" ? " +prefill " + prefillPrecision
                                            : std::string());
  if (!automatic()) {
    s += quant.embeddings ? " embeddings " + quant.embeddingsScheme
                          : " embeddings float";
    s += quant.head ? " head " + quant.headScheme : " head float";
  }
  if (!memBudget.empty())
    s += " budget " + memBudget;
  if ((!calib.empty() || !calibStats.empty()) && !quant.scheme.empty())
    s += (calib.empty() ? " +calib-stats" : " +calib") +
         std::string(rounding == "gptq" ? " +gptq" : "");
  if (prefillPrecision != "exact")
    s += " +prefill " + prefillPrecision;
  return s;
}

/// Parses dsc IR from `dsc import` or `--compile-to=import|graph|layout`.
/// IR lowered further is refused by name: dsc compiles from the dsc ops.
static Expected<mlir::OwningOpRef<mlir::ModuleOp>>
parseModelIR(mlir::MLIRContext &ctx, StringRef input,
             const ModelSettings &settings) {
  if (!settings.tokenizer.empty() || settings.maxSeqLen > 0)
    return usageError(
        Twine(settings.tokenizer.empty() ? "--max-seq-len" : "--tokenizer") +
        " has no effect on " + input +
        ": its IR records the model's tokenizer and context "
        "length; give it to 'dsc import' instead");
  std::string firstError;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    if (d.getSeverity() == mlir::DiagnosticSeverity::Error &&
        firstError.empty()) {
      firstError = d.str();
      if (auto loc = dyn_cast<mlir::FileLineColLoc>(d.getLocation()))
        firstError = (Twine(loc.getLine()) + ":" + Twine(loc.getColumn()) +
                      ": " + firstError)
                         .str();
    }
    return success();
  });
  // Later phases' dialects are not loaded: parse them as unregistered ops,
  // to name what was found rather than fail inside the parser.
  ctx.allowUnregisteredDialects(true);
  SourceMgr sm;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(input, sm, &ctx);
  ctx.allowUnregisteredDialects(false);
  static constexpr StringLiteral kAccepted =
      "dsc compile reads the IR of 'dsc import' or of --emit=mlir "
      "--compile-to=import, graph or layout";
  if (!module) {
    // Ops in custom syntax need their dialect even to be skipped.
    StringRef err = firstError;
    size_t at = err.find("Dialect `");
    if (at != StringRef::npos && err.contains("' not found")) {
      StringRef dialect = err.substr(at + 9).split('\'').first;
      return fileError(input, "uses the '" + dialect +
                                  "' dialect: this IR is past "
                                  "--compile-to=layout; " +
                                  kAccepted);
    }
    return fileError(input,
                     firstError.empty() ? "cannot parse the MLIR" : firstError);
  }
  mlir::Operation *foreign = nullptr;
  module->walk([&](mlir::Operation *op) {
    StringRef ns = op->getName().getDialectNamespace();
    if (!op->isRegistered() ||
        !llvm::is_contained({"builtin", "dsc", "func", "arith", "tensor"},
                            ns)) {
      foreign = op;
      return mlir::WalkResult::interrupt();
    }
    return mlir::WalkResult::advance();
  });
  if (foreign)
    return fileError(input, "'" + foreign->getName().getStringRef() +
                                "' is not an op of the dsc IR (IR past "
                                "--compile-to=layout is not accepted); " +
                                kAccepted);
  if (!mlir::dsc::getModelConfig(*module))
    return fileError(input,
                     Twine("not a dsc model (no dsc.config); ") + kAccepted);
  return std::move(module);
}

Expected<mlir::OwningOpRef<mlir::ModuleOp>>
loadModel(mlir::MLIRContext &ctx, StringRef input,
          const ModelSettings &settings) {
  ctx.loadDialect<mlir::dsc::DscDialect, mlir::func::FuncDialect,
                  mlir::arith::ArithDialect, mlir::tensor::TensorDialect>();
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (input.ends_with(".mlir")) {
    if (Error e = parseModelIR(ctx, input, settings).moveInto(module))
      return std::move(e);
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

std::string defaultTableScheme(StringRef scheme, bool classifier) {
  // The lookup reads one row of the table per token, so its scales per 32
  // columns cost bytes but no bandwidth, and they halve the error its rows
  // (which no calibration corrects) bring into the residual stream. The
  // classifier is read whole for every token: it keeps one scale per row
  // unless the other weights have 8 bits, where its rounding, straight
  // into the logits, is among the largest costs per byte (the quantization
  // docs' measurements) and one scale per 32 columns is Q8_0's layout.
  if (classifier && !scheme.starts_with("int8:"))
    return "int8:channel";
  return "int8:group=32";
}

void setSchemeWithTableDefaults(QuantOptions &q, StringRef scheme) {
  q.scheme = scheme.str();
  int64_t group;
  bool tables = !scheme.empty() && !parseAutoQuantize(scheme, group);
  q.embeddings = q.head = tables;
  q.embeddingsScheme =
      tables ? defaultTableScheme(scheme, /*classifier=*/false) : std::string();
  q.headScheme =
      tables ? defaultTableScheme(scheme, /*classifier=*/true) : std::string();
}

/// The table flags against the model: a table shared by the embedding and
/// the classifier has one scheme. A flag given for one of them decides it;
/// two given that disagree are an error.
static Expected<QuantOptions> resolveTables(mlir::ModuleOp module,
                                            const QuantOptions &q) {
  auto config = mlir::dsc::getModelConfig(module);
  if (!config || !config.getTieEmbeddings())
    return q;
  QuantOptions r = q;
  auto spell = [](bool on, StringRef scheme) {
    return on ? scheme.str() : std::string("none");
  };
  std::string emb = spell(q.embeddings, q.embeddingsScheme);
  std::string head = spell(q.head, q.headScheme);
  if (q.embeddingsGiven && q.headGiven && emb != head)
    return usageError("--quantize-embeddings=" + emb +
                      " and --quantize-head=" + head +
                      " disagree: this model's classifier shares the "
                      "embedding table; give one scheme for both");
  if (q.embeddingsGiven && !q.headGiven) {
    r.head = q.embeddings;
    r.headScheme = q.embeddingsScheme;
  } else {
    r.embeddings = q.head;
    r.embeddingsScheme = q.headScheme;
  }
  return r;
}

namespace {
/// The passes' remarks as notes: dsc-quant-apply's, one per weight whose
/// shape the scheme does not fit, summed up by what happened to them; the
/// reports of the calibration passes as they are, in order.
class QuantNotes {
public:
  void add(mlir::Diagnostic &d) {
    std::string text = d.str();
    auto name = dyn_cast<mlir::NameLoc>(d.getLocation());
    if (name && name.getName() == kReportLoc) {
      (fallbacks.empty() ? before : after).push_back(text);
      return;
    }
    auto [weight, what] = StringRef(text).split(": ");
    auto it = llvm::find_if(fallbacks,
                            [what = what](auto &f) { return f.first == what; });
    if (it == fallbacks.end())
      it = fallbacks.insert(it, {what.str(), {}});
    it->second.push_back(weight.str());
  }

  void print() const {
    for (const std::string &r : before)
      errs() << "dsc: note: " << r << "\n";
    for (auto &[what, weights] : fallbacks) {
      std::string names;
      for (size_t i = 0; i < weights.size() && i < 3; ++i)
        names += (i ? ", " : "") + weights[i];
      if (weights.size() > 3)
        names += " and " + std::to_string(weights.size() - 3) + " more";
      WithColor::note(errs(), "dsc") << names << ": " << what << "\n";
    }
    for (const std::string &r : after)
      errs() << "dsc: note: " << r << "\n";
  }

private:
  // Weights by what happened to them ("int4:group=32 does not fit ...").
  std::vector<std::pair<std::string, SmallVector<std::string>>> fallbacks;
  std::vector<std::string> before, after; // reports around them
};
} // namespace

/// The settings' common part of the phases' settings, with the tables'
/// schemes resolved against the module (a tied head is the embedding table).
static Expected<CompileSettings> phaseSettings(mlir::ModuleOp module,
                                               const ModelSettings &settings,
                                               const TargetDesc &target) {
  auto quant = resolveTables(module, settings.quant);
  if (!quant)
    return quant.takeError();
  CompileSettings cs;
  cs.target = target.name;
  cs.quantize = settings.quant.scheme;
  cs.quantizeEmbeddings = quant->embeddings;
  cs.quantizeHead = quant->head;
  cs.quantizeEmbeddingsScheme = quant->embeddingsScheme;
  cs.quantizeHeadScheme = quant->headScheme;
  cs.memBudget = settings.memBudget;
  cs.autoCache = settings.autoCache;
  cs.progress = !settings.quiet && sys::Process::StandardErrIsDisplayed();
  cs.calibStats = settings.calibStats;
  cs.quantRounding = settings.rounding;
  cs.prefillPrecision = settings.prefillPrecision;
  return cs;
}

Error pruneModel(mlir::ModuleOp module, const ModelSettings &settings,
                 const TargetDesc &target) {
  if (settings.prune.empty())
    return Error::success();
  auto psOr = phaseSettings(module, settings, target);
  if (!psOr)
    return psOr.takeError();
  CompileSettings ps = std::move(*psOr);
  ps.prune = settings.prune;
  ps.pruneMethod = settings.pruneMethod;
  ps.pruneCalib = settings.calib;
  ps.pruneWeights = settings.pruneWeights;
  ps.pruneBiasCorrect = settings.pruneBiasCorrect;
  ps.pruneNormCorrect = settings.pruneNormCorrect;
  QuantNotes pruneNotes;
  Error e = runPasses(
      module, [&](mlir::OpPassManager &pm) { buildPrune(pm, ps); }, "pruning",
      [&](mlir::Diagnostic &d) { pruneNotes.add(d); });
  if (!settings.quiet)
    pruneNotes.print();
  return e;
}

Error quantizeModel(mlir::ModuleOp module, const ModelSettings &settings,
                    const TargetDesc &target) {
  auto csOr = phaseSettings(module, settings, target);
  if (!csOr)
    return csOr.takeError();
  CompileSettings cs = std::move(*csOr);
  bool relax = cs.prefillPrecision != "exact";
  bool progress = cs.progress;
  TempPath statsDir;
  if (!settings.calib.empty()) {
    CalibOptions calib;
    calib.text = settings.calib;
    if (settings.calibTokens > 0)
      calib.maxTokens = settings.calibTokens;
    calib.progress = progress;
    calib.hessians =
        cs.quantRounding == "gptq" && !settings.quant.scheme.empty();
    auto acts = collectActivations(module, calib);
    if (!acts)
      return acts.takeError();
    cs.calibStats = settings.saveCalibStats;
    if (cs.calibStats.empty()) {
      auto dir = createTempDirectory("dsc-calib-stats");
      if (!dir)
        return dir.takeError();
      statsDir = std::move(*dir);
      cs.calibStats = statsDir.child("stats.bin");
    }
    if (Error e = writeCalibStats(cs.calibStats, *acts))
      return e;
  }
  QuantNotes notes;
  Error e = runPhase(module, cs, Phase::Graph,
                     [&](mlir::Diagnostic &d) { notes.add(d); });
  if (!settings.quiet)
    notes.print();
  if (e || !relax)
    return e;
  if (cs.prefillPrecision == "f16") {
    // The tensor-core kernels take weights of rows a multiple of 8 and
    // columns of 16 (gemm.mlir); the runtime computes others exactly.
    bool relaxed = false;
    module.walk([&](mlir::dsc::LinearOp op) {
      auto t = cast<mlir::ShapedType>(op.getWeight().getType());
      relaxed |= op.getPrefillProducts().has_value() &&
                 t.getDimSize(0) % 8 == 0 && t.getDimSize(1) % 16 == 0;
    });
    if (!relaxed)
      return usageError("--prefill-precision f16: no linear layer has f16 or "
                        "quantized weights of rows a multiple of 8 and of a "
                        "multiple of 16 columns, which the tensor-core "
                        "kernels take");
    return Error::success();
  }
  // Every option takes effect or is an error: a linear layer whose float
  // weight the layout will tile 4x16 (dsc-weights-pack: read by linear
  // layers only, rows a multiple of 4, columns of 16) must be left.
  llvm::DenseSet<mlir::Attribute> tables;
  module.walk([&](mlir::dsc::EmbeddingOp op) {
    if (auto w = op.getTable().getDefiningOp<mlir::dsc::WeightOp>())
      tables.insert(w.getGlobalAttr().getAttr());
  });
  bool relaxed = false;
  module.walk([&](mlir::dsc::LinearOp op) {
    auto w = op.getWeight().getDefiningOp<mlir::dsc::WeightOp>();
    auto t = cast<mlir::ShapedType>(op.getWeight().getType());
    relaxed |= op.getPrefillProducts().has_value() && w &&
               !tables.contains(w.getGlobalAttr().getAttr()) &&
               t.getDimSize(0) % 4 == 0 && t.getDimSize(1) % 16 == 0;
  });
  if (!relaxed)
    return usageError(
        "--prefill-precision bf16: no linear layer keeps float weights the "
        "bf16 kernel reads (" +
        (settings.quant.scheme.empty()
             ? std::string("the checkpoint's are quantized")
             : "all quantized under --quantize " + settings.quant.scheme) +
        "; it applies to float weights of rows of a multiple of 16 columns, "
        "not to a table the embedding lookup shares)");
  return Error::success();
}

Error checkPrefillTarget(const ModelSettings &settings,
                         const TargetDesc &target) {
  if (settings.prefillPrecision == "bf16" && !target.bf16Products)
    return usageError("--prefill-precision bf16: target '" + target.name +
                      "' has no bf16 dot products (AVX512_BF16 targets "
                      "have them: x86_64-avx512)");
  if (settings.prefillPrecision == "f16" && !target.f16Products)
    return usageError("--prefill-precision f16: target '" + target.name +
                      "' has no f16 tensor cores (the CUDA targets have "
                      "them: cuda-sm80, cuda-sm86, cuda-sm89, cuda-sm90)");
  return Error::success();
}

Error prepareModel(mlir::ModuleOp module, const ModelSettings &settings,
                   const TargetDesc &target) {
  if (Error e = pruneModel(module, settings, target))
    return e;
  return quantizeModel(module, settings, target);
}

Expected<TempPath> placePruneWeights(ModelSettings &settings,
                                     StringRef beside) {
  if (settings.prune.empty())
    return TempPath();
  if (!beside.empty()) {
    settings.pruneWeights = beside.str();
    return TempPath();
  }
  auto dir = createTempDirectory("dsc-prune");
  if (!dir)
    return dir.takeError();
  settings.pruneWeights = dir->child("refit.bin");
  return std::move(*dir);
}

} // namespace dsc
