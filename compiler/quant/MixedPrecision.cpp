//===- MixedPrecision.cpp - each weight's precision for a budget ----------===//

#include "prune/Reference.h"
#include "quant/ByteSize.h"
#include "quant/Knapsack.h"
#include "quant/MeasureCache.h"
#include "quant/OutputError.h"
#include "quant/Passes.h"
#include "quant/WeightUses.h"
#include "weights/GPTQ.h"
#include "weights/Quantizer.h"
#include "weights/WeightReader.h"

#include "Dsc/IR/DscDialect.h"
#include "Dsc/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <optional>
#include <tuple>

namespace dsc {
#define GEN_PASS_DEF_QUANTMIXEDPRECISION
#include "quant/Passes.h.inc"
} // namespace dsc

using namespace llvm;
using namespace mlir::dsc;
using mlir::ModuleOp;
using mlir::Value;

namespace dsc {
namespace {

/// The schemes `--quantize auto` chooses among for each weight, besides
/// keeping it float: one line per scheme, spelled as --quantize spells it,
/// "{G}" standing for auto:group=N's group. Where the policy of
/// dsc-quant-apply (chooseQuantScheme) cannot fit a scheme to a weight's
/// shape, what it gives instead is the candidate, measured as such.
/// Each line is one more KL measurement per weight (docs/quantization.md
/// gives the time). Every one-level scheme here was on the ladder of most
/// of tiny-llama-quality's weights (less KL divergence than every smaller
/// choice); one scale per 128 columns only where it differs from
/// channel, and zero points only below 5 bits, where they paid. The
/// two-level ones (scale=i8) are chosen for 5-13 of its 30 matrices at
/// every budget from 1.28 to 2.35 MB. iq4_nl is not here while its
/// kernels are slower than int4's: the knapsack weighs bytes, not speed.
// clang-format off
constexpr StringLiteral kAutoSchemes[] = {
    "int2:group={G}",
    "int2:group={G},asym",
    "int2:group={G},scale=i8",
    "int3:group=128",
    "int3:group={G}",
    "int3:group={G},asym",
    "int3:group={G},scale=i8",
    "int4:channel",
    "int4:group=128",
    "int4:group={G}",
    "int4:group={G},asym",
    "int4:group={G},scale=i8",
    "int4:group={G},asym,scale=i8",
    "int5:channel",
    "int5:group={G}",
    "int6:channel",
    "int6:group={G}",
    "int8:channel",
    "int8:group={G}",
};
// clang-format on

struct Choice {
  QuantSchemeAttr scheme; // null: stays float
  std::string spec;       // for the report
  uint64_t bytes;         // in the blob, aligned
  double err;             // measured cost: KL divergence added, or
                          // relative output error
};
struct Candidate {
  GlobalOp global;
  std::vector<Choice> ladder; // by bytes, error strictly falling
  size_t at = 0;
  int64_t point = -1; // observation point of its input (-1: a table)
};

/// The reference model on the calibration tokens, to measure what
/// quantizing one weight does to the next-token distributions: the KL
/// divergence from the unquantized model, rerun from the first layer the
/// weight changes.
class KLProbe {
public:
  static Expected<std::unique_ptr<KLProbe>> create(ModuleOp module,
                                                   ArrayRef<int32_t> tokens,
                                                   int64_t window,
                                                   int64_t maxTokens) {
    auto ref = loadReference(module);
    if (!ref)
      return ref.takeError();
    auto p = std::make_unique<KLProbe>();
    p->ref = std::move(*ref);
    window = std::max<int64_t>(window, 2);
    int64_t n = std::min<int64_t>(tokens.size(), maxTokens);
    for (int64_t at = 0; at + 2 <= n; at += window) {
      ArrayRef<int32_t> w = tokens.slice(at, std::min(window, n - at));
      for (int32_t t : w)
        if (t >= p->ref.vocab)
          return createStringError(inconvertibleErrorCode(),
                                   "calibration token " + Twine(t) +
                                       " is past the vocabulary");
      p->windows.push_back(w.vec());
    }
    for (const auto &w : p->windows) {
      // The input of every layer, and the teacher's log-probabilities.
      std::vector<Matrix> in(1);
      embed(p->ref, w, in[0]);
      LayerTrace t;
      for (const RefLayer &l : p->ref.layers) {
        runLayer(p->ref, l, in.back(), t);
        in.push_back(std::move(t.out));
      }
      Matrix lp;
      logProbs(p->ref, in.back(), lp);
      p->inputs.push_back(std::move(in));
      p->teacher.push_back(std::move(lp));
    }
    return std::move(p);
  }

  /// Selects the reference's matrix named `name` for klWith and returns
  /// it, or null for a weight the reference does not hold. The candidates
  /// rerun the model from where the matrix is first read: the layer
  /// input's (kept for every layer), or inside its layer, from what the
  /// layer computed before (kept for this matrix), so that a candidate of
  /// ffn_down runs one projection of its layer, not the whole layer.
  Matrix *select(StringRef name) {
    reembed = false;
    point = LayerPoint::Input;
    from = ref.layers.size();
    traces.clear();
    if (name == "output")
      return ref.classifier.rows ? &ref.classifier : nullptr;
    if (name == "token_embd") {
      from = 0;
      reembed = true;
      return &ref.embedding;
    }
    if (!name.consume_front("blk."))
      return nullptr;
    auto [num, rest] = name.split('.');
    if (num.getAsInteger(10, from) || from >= ref.layers.size())
      return nullptr;
    RefLayer &l = ref.layers[from];
    for (auto [n, m, p] : {std::tuple{"attn_q", &l.wq, LayerPoint::Input},
                           {"attn_k", &l.wk, LayerPoint::Input},
                           {"attn_v", &l.wv, LayerPoint::Input},
                           {"attn_output", &l.wo, LayerPoint::Attention},
                           {"ffn_gate", &l.gate, LayerPoint::Mid},
                           {"ffn_up", &l.up, LayerPoint::Mid},
                           {"ffn_down", &l.down, LayerPoint::Act}}) {
      if (rest != n)
        continue;
      point = p;
      if (point != LayerPoint::Input)
        for (const auto &in : inputs) {
          traces.emplace_back();
          runLayer(ref, l, in[from], traces.back());
        }
      return m;
    }
    return nullptr;
  }

  /// Mean KL divergence from the teacher with the matrix `m` (what select
  /// returned) holding `values` instead of its own.
  double klWith(Matrix *m, std::vector<float> &values) {
    std::swap(m->data, values);
    double sum = 0;
    int64_t rows = 0;
    for (size_t w = 0; w < windows.size(); ++w) {
      Matrix x, lp;
      if (reembed) {
        embed(ref, windows[w], x);
        runLayers(ref, 0, std::move(x), x);
      } else if (point == LayerPoint::Input) {
        runLayers(ref, from, inputs[w][from], x);
      } else {
        LayerTrace t = traces[w];
        finishLayer(ref, ref.layers[from], point, inputs[w][from], t);
        runLayers(ref, from + 1, std::move(t.out), x);
      }
      logProbs(ref, x, lp);
      sum += meanKL(teacher[w], lp) * lp.rows;
      rows += lp.rows;
    }
    std::swap(m->data, values);
    return rows ? sum / rows : 0.0;
  }

  int64_t tokens() const {
    int64_t n = 0;
    for (const auto &w : windows)
      n += static_cast<int64_t>(w.size());
    return n;
  }

  RefModel ref;

private:
  std::vector<std::vector<int32_t>> windows;
  std::vector<std::vector<Matrix>> inputs; // per window, per layer (+ last)
  std::vector<Matrix> teacher;
  // What select chose: the first layer the matrix changes (0 with
  // `reembed` for the embedding table, the layer count for the
  // classifier), where in it, and per window what it computed before.
  size_t from = 0;
  bool reembed = false;
  LayerPoint point = LayerPoint::Input;
  std::vector<LayerTrace> traces;
};
constexpr uint64_t kAlign = 64; // dsc-weights-assign-offsets' default

uint64_t alignUp(uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

uint64_t floatBytes(mlir::ShapedType t) {
  return alignUp(t.getNumElements() * (t.getElementType().isF32() ? 4 : 2));
}

uint64_t quantBytes(QTensorType q) {
  auto layout =
      TiledLayoutAttr::get(q.getContext(), 4, getQuantGroupColumns(q));
  return alignUp(getStorageBytes(q, layout));
}

struct QuantMixedPrecisionPass
    : impl::QuantMixedPrecisionBase<QuantMixedPrecisionPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(run()))
      signalPassFailure();
  }

  LogicalResult run();
  /// The candidate precisions of `g`, or failure (diagnosed). With `probe`
  /// each is measured by the KL divergence it adds, else by the relative
  /// output error; `factor` (GPTQ) when rounding=gptq and `a` is given.
  /// With `known` the measurements are its values, none is made; `record`
  /// gets what was measured.
  FailureOr<Candidate>
  ladderOf(GlobalOp g, mlir::RankedTensorType t, const ActivationStats *a,
           ArrayRef<float> factor, KLProbe *probe, WeightReader &reader,
           const MeasureCache::Weight *known, MeasureCache::Weight &record);
  /// A digest of everything the measurements depend on but the budget:
  /// the module (its weights by the bytes they hold, not where they are
  /// read from), the statistics file, the candidate table and the options.
  FailureOr<uint64_t> measurementKey(ModuleOp module, WeightReader &reader);
};

FailureOr<uint64_t>
QuantMixedPrecisionPass::measurementKey(ModuleOp module, WeightReader &reader) {
  DigestStream d;
  // Changes to how a measurement is made change this line.
  d << "dsc-quant-mixed-precision measurements 1\n";
  for (StringRef entry : kAutoSchemes)
    d << entry << "\n";
  d << "group=" << static_cast<int64_t>(group) << " measure=" << measure
    << " kl-tokens=" << static_cast<int64_t>(klTokens)
    << " rounding=" << rounding << "\n";
  auto buf = MemoryBuffer::getFile(stats, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!buf)
    return module.emitError() << stats << ": " << buf.getError().message();
  d << (*buf)->getBufferSize() << "\n" << (*buf)->getBuffer();
  StringRef tokenizer = DscDialect::getTokenizerAttrName();
  for (mlir::NamedAttribute a : module->getAttrs())
    if (a.getName() != tokenizer)
      d << a.getName() << " = " << a.getValue() << "\n";
  for (mlir::Operation &op : module.getBody()->getOperations()) {
    auto g = dyn_cast<GlobalOp>(op);
    if (!g || !g.getSourceAttr()) {
      op.print(d);
      d << "\n";
      continue;
    }
    d << "global " << g.getSymName() << " : " << g.getType();
    for (mlir::NamedAttribute a : g->getDiscardableAttrs())
      d << " " << a.getName() << " = " << a.getValue();
    d << " = ";
    if (Error e = reader.write(g.getSourceAttr(), g.getType(), d))
      return g.emitError(toString(std::move(e)));
    d << "\n";
  }
  return d.digest();
}

FailureOr<Candidate> QuantMixedPrecisionPass::ladderOf(
    GlobalOp g, mlir::RankedTensorType t, const ActivationStats *a,
    ArrayRef<float> factor, KLProbe *probe, WeightReader &reader,
    const MeasureCache::Weight *known, MeasureCache::Weight &record) {
  mlir::MLIRContext *ctx = g.getContext();
  auto w = reader.readFloat(g.getSourceAttr(), t);
  if (!w)
    return g.emitError(toString(w.takeError()));
  // Errors relative to the output's energy, to compare layers of any
  // scale; a table only looked up is measured on its rows.
  double energy = 0;
  if (measure != "kl" && a)
    energy = outputError(w->data(), t.getDimSize(0), t.getDimSize(1), *a);
  else if (measure != "kl")
    for (float v : *w)
      energy += static_cast<double>(v) * v;
  // Quantized as the weight writer will (importance-searched scales,
  // GPTQ when asked), before activation-aware scales, which only lower
  // the error further.
  std::vector<float> imp;
  if (a)
    for (double v : a->sqMean)
      imp.push_back(static_cast<float>(v));
  Matrix *m = nullptr;
  if (probe) {
    m = probe->select(g.getSymName());
    if (!m || m->rows != t.getDimSize(0) || m->cols != t.getDimSize(1))
      return g.emitError("--quantize auto: '")
             << g.getSymName()
             << "' is not a weight of the reference model the KL "
                "divergence is measured with (measure=output measures "
                "any model)";
  }
  auto measureOne = [&](QTensorType q) -> Expected<double> {
    if (probe) {
      std::vector<float> d(*w);
      if (Error e = fakeQuantize(q, d.data(), imp, factor))
        return std::move(e);
      return probe->klWith(m, d);
    }
    if (a)
      return quantError(q, *w, nullptr, *a, imp, factor);
    std::vector<float> d(*w);
    if (Error e = fakeQuantize(q, d.data()))
      return std::move(e);
    double err = 0;
    for (size_t i = 0; i < d.size(); ++i)
      err += static_cast<double>(d[i] - (*w)[i]) * (d[i] - (*w)[i]);
    return err;
  };
  Candidate c{g, {}, 0};
  record.name = g.getSymName().str();
  auto knownValue =
      known ? known->values.begin()
            : std::vector<std::pair<uint32_t, double>>::const_iterator();
  for (auto [index, entry] : llvm::enumerate(kAutoSchemes)) {
    std::string text = entry.str();
    // Two-level scales code groups of 32 columns: with another group
    // (auto:group=N) they are not candidates.
    if (group != 32 && entry.contains(",scale=i8"))
      continue;
    size_t at = text.find("{G}");
    if (at != std::string::npos)
      text.replace(at, 3, std::to_string(group));
    QuantSpec spec;
    std::string why;
    if (failed(parseQuantSpec(text, spec, &why)))
      return g.emitError(why);
    QuantSchemeAttr s =
        chooseQuantScheme(ctx, spec, t.getDimSize(0), t.getDimSize(1), 0);
    if (!s || llvm::any_of(c.ladder,
                           [&](const Choice &ch) { return ch.scheme == s; }))
      continue;
    auto q =
        QTensorType::get(ctx, t.getShape(), mlir::Float32Type::get(ctx), s);
    double value;
    if (known) {
      // The file's key matched: its values are the ones measured for
      // exactly this table, so a missing one means a damaged file.
      if (knownValue == known->values.end() || knownValue->first != index)
        return g.emitError()
               << cache << ": weight '" << g.getSymName()
               << "': no measurement of candidate " << index << " (" << text
               << ") (a damaged file? delete it to measure "
                  "again)";
      value = (knownValue++)->second;
    } else {
      auto e = measureOne(q);
      if (!e)
        return g.emitError(toString(e.takeError()));
      value = *e;
    }
    record.values.push_back({static_cast<uint32_t>(index), value});
    // Named by what the policy gives this shape (int4 may become int8).
    double err = measure == "kl" ? std::max(value, 0.0)
                 : energy > 0    ? value / energy
                                 : 0;
    c.ladder.push_back({s, spellQuantScheme(s), quantBytes(q), err});
  }
  if (known && knownValue != known->values.end())
    return g.emitError() << cache << ": weight '" << g.getSymName()
                         << "': measurements of candidates this model does "
                            "not have (a damaged file? delete it to measure "
                            "again)";
  c.ladder.push_back({QuantSchemeAttr(), "none", floatBytes(t), 0.0});
  llvm::sort(c.ladder, [](const Choice &x, const Choice &y) {
    return std::tie(x.bytes, x.err) < std::tie(y.bytes, y.err);
  });
  // Steps that cost bytes and save nothing are dropped.
  std::vector<Choice> ladder;
  for (Choice &ch : c.ladder)
    if (ladder.empty() || ch.err < ladder.back().err)
      ladder.push_back(ch);
  c.ladder = std::move(ladder);
  return c;
}

LogicalResult QuantMixedPrecisionPass::run() {
  ModuleOp module = getOperation();
  mlir::MLIRContext *ctx = module.getContext();
  if (stats.empty() || budget.empty())
    return module.emitError("dsc-quant-mixed-precision needs stats=FILE "
                            "(what calibration recorded) and budget=SIZE");
  if (group <= 0 || group % 32)
    return module.emitError()
           << "dsc-quant-mixed-precision: group " << static_cast<int64_t>(group)
           << " is not a multiple of 32 columns";
  auto budgetOr = parseByteSize(budget);
  if (!budgetOr)
    return module.emitError("dsc-quant-mixed-precision: budget: " +
                            toString(budgetOr.takeError()));
  uint64_t limit = *budgetOr;
  auto calib = loadCalibration(module, stats);
  if (failed(calib))
    return failure();
  const std::vector<ActivationStats> &acts = calib->acts;
  DenseMap<Value, int64_t> idOf;
  for (auto [i, v] : llvm::enumerate(calib->inputs))
    idOf[v] = static_cast<int64_t>(i);
  if (rounding != "nearest" && rounding != "gptq")
    return module.emitError("dsc-quant-mixed-precision: rounding '")
           << rounding << "': expected nearest or gptq";
  if (measure != "kl" && measure != "output")
    return module.emitError("dsc-quant-mixed-precision: measure '")
           << measure << "': expected kl or output";
  ReadMap reads = weightReads(module);
  WeightReader reader;

  // Every matrix that linear layers or the embedding lookup read.
  struct Pending {
    GlobalOp global;
    mlir::RankedTensorType type;
    int64_t point;
  };
  std::vector<Pending> pending;
  uint64_t fixed = 0;
  for (GlobalOp g : module.getOps<GlobalOp>()) {
    if (auto q = dyn_cast<QTensorType>(g.getType()))
      return g.emitError("--quantize auto: '")
             << g.getSymName() << "' is quantized already (" << q.getScheme()
             << ", as the checkpoint stores it): mixed precision chooses "
                "the precision of float weights only";
    auto t = dyn_cast<mlir::RankedTensorType>(g.getType());
    auto it = reads.find(g.getSymNameAttr());
    if (!t || it == reads.end())
      continue; // unread weights are dropped by weight layout
    int64_t id = -1;
    bool ok = t.getRank() == 2, embedding = false;
    for (WeightOp w : it->second)
      for (mlir::OpOperand &use : w->getUses()) {
        auto l = dyn_cast<LinearOp>(use.getOwner());
        if (l && use.getOperandNumber() == 1) {
          int64_t i = idOf.lookup(l.getInput());
          ok &= id < 0 || i == id; // one input, one error measure
          id = i;
        } else if (isa<EmbeddingOp>(use.getOwner()) &&
                   use.getOperandNumber() == 0) {
          embedding = true;
        } else {
          ok = false;
        }
      }
    if (!ok || (id < 0 && !embedding)) {
      fixed += floatBytes(t);
      if (t.getRank() == 2)
        g->setAttr(kQuantizeAttr, mlir::BoolAttr::get(ctx, false));
      continue;
    }
    pending.push_back({g, t, id});
  }
  // Measurements kept by an earlier run for these inputs.
  std::optional<MeasureCache> known;
  MeasureCache record;
  std::string cacheNote;
  if (!cache.empty()) {
    auto key = measurementKey(module, reader);
    if (failed(key))
      return failure();
    record.key = *key;
    auto file = readMeasureCache(cache);
    if (!file)
      return module.emitError(toString(file.takeError()));
    if (*file && (*file)->key == *key) {
      known = std::move(*file);
      if (known->weights.size() != pending.size())
        return module.emitError()
               << cache << ": weights: " << known->weights.size()
               << " measured, the model has " << pending.size()
               << " (a damaged file? delete it to measure again)";
      for (auto [i, p] : llvm::enumerate(pending))
        if (known->weights[i].name != p.global.getSymName())
          return module.emitError()
                 << cache << ": weight " << i << ": '" << known->weights[i].name
                 << "' where the model has '" << p.global.getSymName()
                 << "' (a damaged file? delete it to measure again)";
      cacheNote = formatv("--quantize auto: the measurements of {0} weights "
                          "read from {1}",
                          pending.size(), cache)
                      .str();
    } else {
      cacheNote = formatv("--quantize auto: measured {0} weights and kept "
                          "the measurements in {1}{2}",
                          pending.size(), cache,
                          *file ? " (replacing measurements of other inputs: "
                                  "the model, calibration or options changed)"
                                : "")
                      .str();
    }
  }
  // After the checks above: the reference reads every weight as floats.
  std::unique_ptr<KLProbe> probe;
  if (measure == "kl" && !known) {
    if (calib->tokens.empty())
      return module.emitError()
             << stats
             << ": no calibration tokens (a DSCCALB1 file), which "
                "measure=kl runs the model on; calibrate again or use "
                "measure=output";
    if (klTokens < 2)
      return module.emitError(
          "dsc-quant-mixed-precision: kl-tokens must be at least 2");
    auto p = KLProbe::create(module, calib->tokens, calib->window, klTokens);
    if (!p)
      return module.emitError("--quantize auto: measuring the KL "
                              "divergence: " +
                              toString(p.takeError()));
    probe = std::move(*p);
  }
  std::vector<Candidate> cands;
  std::map<int64_t, std::vector<float>> factors; // GPTQ's, by point
  for (auto [i, p] : llvm::enumerate(pending)) {
    if (progress && !known)
      errs() << format("\rdsc: measuring each weight's sensitivity %zu/%zu",
                       i + 1, pending.size());
    const ActivationStats *a = p.point >= 0 ? &acts[p.point] : nullptr;
    ArrayRef<float> factor;
    if (a && rounding == "gptq" && !known) {
      auto f = factors.find(p.point);
      if (f == factors.end()) {
        if (a->hessian.empty())
          return module.emitError()
                 << stats << ": observation point " << p.point
                 << " has no Hessian, which rounding=gptq needs";
        auto u = gptqFactor(a->hessian, a->cols);
        if (!u)
          return module.emitError()
                 << stats << ": observation point " << p.point << ": "
                 << toString(u.takeError());
        f = factors.emplace(p.point, std::move(*u)).first;
      }
      factor = f->second;
    }
    record.weights.emplace_back();
    auto c =
        ladderOf(p.global, p.type, a, factor, probe.get(), reader,
                 known ? &known->weights[i] : nullptr, record.weights.back());
    if (failed(c))
      return failure();
    c->point = p.point;
    cands.push_back(std::move(*c));
  }
  if (progress && !known)
    errs() << "\r" << std::string(60, ' ') << "\r";
  int64_t tokens = known ? known->tokens : probe ? probe->tokens() : 0;
  if (!cache.empty() && !known) {
    record.tokens = tokens;
    if (Error e = writeMeasureCache(cache, record))
      return module.emitError(toString(std::move(e)));
  }
  if (!cacheNote.empty())
    mlir::emitRemark(mlir::NameLoc::get(mlir::StringAttr::get(ctx, kReportLoc)),
                     cacheNote);

  if (fixed > limit)
    return module.emitError(
        formatv("--mem-budget {0} bytes ({1}) is below the weights kept "
                "float, {2} bytes ({3})",
                limit, formatByteSize(limit), fixed, formatByteSize(fixed))
            .str());
  std::vector<std::vector<KnapsackOption>> items;
  for (const Candidate &c : cands) {
    items.emplace_back();
    for (const Choice &ch : c.ladder)
      items.back().push_back({ch.bytes, ch.err});
  }
  auto picks = solveKnapsack(items, limit - fixed, kAlign);
  if (!picks) {
    consumeError(picks.takeError());
    uint64_t total = fixed;
    for (Candidate &c : cands)
      total += c.ladder[0].bytes;
    return module.emitError(
        formatv("--mem-budget {0} bytes ({1}) is below the smallest "
                "mixed-precision model, {2} bytes ({3})",
                limit, formatByteSize(limit), total, formatByteSize(total))
            .str());
  }
  std::map<std::string, int> counts;
  double err = 0;
  uint64_t total = fixed;
  for (auto [i, c] : llvm::enumerate(cands)) {
    c.at = (*picks)[i];
    const Choice &ch = c.ladder[c.at];
    c.global->setAttr(kQuantizeAttr, ch.scheme
                                         ? mlir::Attribute(ch.scheme)
                                         : mlir::BoolAttr::get(ctx, false));
    counts[ch.spec]++;
    err += ch.err;
    total += ch.bytes;
  }
  std::string s;
  raw_string_ostream os(s);
  os << "mixed precision for " << formatByteSize(limit) << " (" << limit
     << " bytes): ";
  bool first = true;
  for (auto &[spec, n] : counts) {
    os << (first ? "" : ", ") << n << " x " << spec;
    first = false;
  }
  os << formatv("; weights {0} ({1} bytes)", formatByteSize(total), total);
  if (measure == "kl")
    os << formatv(", summed KL divergence of each choice alone {0:E2} "
                  "(measured on {1} calibration tokens)",
                  err, tokens);
  else
    os << formatv(", summed relative output error {0:E2}", err);
  mlir::emitRemark(mlir::NameLoc::get(mlir::StringAttr::get(ctx, kReportLoc)),
                   s);
  return success();
}

} // namespace
} // namespace dsc
