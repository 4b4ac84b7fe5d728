//===- Calibrate.cpp - calibration on text --------------------------------===//

#include "pipeline/Calibrate.h"
#include "dsc/abi/observe.h"
#include "support/Errors.h"
#include "weights/Quantizer.h"
#include "weights/WeightReader.h"
#include "pipeline/HostRun.h"
#include "pipeline/Target.h"
#include "pipeline/TextInput.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Parallel.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <queue>

using namespace llvm;
using namespace mlir::dsc;
using mlir::ModuleOp;

namespace dsc {

using Value = mlir::Value;

static Error error(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Collecting activations
//===----------------------------------------------------------------------===//

namespace {
/// Keeps between `target` and 2 * `target` rows spread evenly over a
/// stream of unknown length: every `stride`-th row, halving the kept rows
/// (and doubling the stride) when they reach 2 * `target`.
struct RowSampler {
  int64_t target, cols, stride = 1;
  uint64_t seen = 0;
  std::vector<float> rows;

  void add(const float *x) {
    if (seen++ % stride == 0)
      rows.insert(rows.end(), x, x + cols);
    if (static_cast<int64_t>(rows.size()) >= 2 * target * cols) {
      int64_t n = static_cast<int64_t>(rows.size()) / cols;
      for (int64_t i = 0; 2 * i < n; ++i)
        std::copy_n(&rows[2 * i * cols], cols, &rows[i * cols]);
      rows.resize(((n + 1) / 2) * cols);
      stride *= 2;
    }
  }
};
} // namespace

Expected<std::vector<ActivationStats>>
collectActivations(ModuleOp module, const CalibOptions &options) {
  auto target = lookupTarget("native");
  if (!target)
    return target.takeError();
  // The error estimates of the scale search and of --quantize auto are
  // taken on `samples` rows of each observation point, a row per token.
  if (options.maxTokens < options.samples)
    return error(formatv("--calib-tokens {0}: calibration needs at least {1} "
                         "tokens",
                         options.maxTokens, options.samples)
                     .str());
  auto tokens =
      tokenizeTextFile(module, options.text, options.samples, "calibration");
  if (!tokens)
    return tokens.takeError();
  if (static_cast<int64_t>(tokens->size()) > options.maxTokens)
    tokens->resize(options.maxTokens);
  ModelConfigAttr config = getModelConfig(module);
  int64_t window = std::min<int64_t>(options.window, config.getMaxSeqLen());

  mlir::OwningOpRef<ModuleOp> inst = module.clone();
  mlir::PassManager pm(module.getContext());
  pm.addPass(createCalibInstrument());
  if (failed(pm.run(*inst)))
    return error("instrumenting the model for calibration failed");
  std::vector<int64_t> widths;
  inst->walk([&](ObserveOp o) {
    widths.resize(std::max<size_t>(widths.size(), o.getIdAttr().getInt() + 1));
    widths[o.getIdAttr().getInt()] = o.getInput().getType().getDimSize(1);
  });
  if (Error e = runWeightLayout(*inst, *target))
    return std::move(e);

  auto run = HostRun::create("dsc-calib");
  if (!run)
    return run.takeError();
  auto tokFile = (*run)->writeTokens("tokens.bin", *tokens);
  if (!tokFile)
    return tokFile.takeError();
  std::string exe = (*run)->path("calib");
  if (options.progress)
    errs() << "dsc: compiling the model with observation points\n";
  ExecutableStats stats;
  if (Error e = buildExecutable(*inst, *target, exe, false, false, stats))
    return std::move(e);
  std::vector<std::string> args = {"--eval-tokens", *tokFile, "-c",
                                   std::to_string(window)};
  if (options.threads > 0)
    args.insert(args.end(), {"-t", std::to_string(options.threads)});
  auto stream = (*run)->start(exe, args, "--observe");
  if (!stream)
    return stream.takeError();

  std::vector<ActivationStats> acts(widths.size());
  std::vector<RowSampler> samplers;
  for (size_t i = 0; i < widths.size(); ++i) {
    acts[i].cols = widths[i];
    acts[i].absMean.assign(widths[i], 0.0);
    acts[i].sqMean.assign(widths[i], 0.0);
    samplers.push_back(RowSampler{options.samples, widths[i], 1, 0, {}});
  }
  std::string why;
  std::vector<float> buf;
  uint64_t total = tokens->size(), lastShown = 0;
  for (;;) {
    dsc_observe_record head;
    if (!(*run)->read(*stream, &head, sizeof(head)))
      break; // the end of the stream
    int64_t id = head.id, rows = head.rows, cols = head.cols;
    if (id < 0 || id >= static_cast<int64_t>(acts.size()) ||
        cols != acts[id].cols || rows <= 0 || rows > window) {
      why = "malformed observation record";
      break;
    }
    buf.resize(rows * cols);
    if (!(*run)->read(*stream, buf.data(), buf.size() * 4)) {
      why = "truncated observation record";
      break;
    }
    ActivationStats &a = acts[id];
    for (int64_t r = 0; r < rows; ++r) {
      const float *x = &buf[r * cols];
      for (int64_t c = 0; c < cols; ++c) {
        a.absMean[c] += std::fabs(x[c]);
        a.sqMean[c] += static_cast<double>(x[c]) * x[c];
      }
      samplers[id].add(x);
    }
    a.rows += rows;
    if (options.progress && id == 0 && acts[0].rows - lastShown >= 256) {
      lastShown = acts[0].rows;
      errs() << format("\rdsc: calibrating on %llu tokens: %3d%%",
                       static_cast<unsigned long long>(total),
                       static_cast<int>(100 * acts[0].rows / total));
    }
  }
  if (options.progress)
    errs() << "\r" << std::string(50, ' ') << "\r";
  // A child that failed explains a short or broken stream best.
  if (Error e = (*run)->finish())
    return error("running the calibration build failed: " +
                 toString(std::move(e)));
  if (!why.empty())
    return error("running the calibration build failed: " + why);
  for (size_t i = 0; i < acts.size(); ++i) {
    ActivationStats &a = acts[i];
    if (a.rows == 0)
      return error("observation point " + Twine(i) + " saw no rows");
    for (int64_t c = 0; c < a.cols; ++c) {
      a.absMean[c] /= a.rows;
      a.sqMean[c] /= a.rows;
    }
    a.sample = std::move(samplers[i].rows);
    a.sampleRows = static_cast<int64_t>(a.sample.size()) / a.cols;
  }
  return acts;
}

//===----------------------------------------------------------------------===//
// Error on the calibration rows
//===----------------------------------------------------------------------===//

/// sum over sampled rows x of |D x|^2, D an [n, k] row-major matrix.
static double outputError(const float *d, int64_t n, int64_t k,
                          const ActivationStats &a) {
  constexpr int64_t kBlock = 16;
  int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> part(blocks, 0.0);
  parallelFor(0, blocks, [&](size_t b) {
    double sum = 0;
    for (int64_t r = b * kBlock; r < std::min<int64_t>(n, (b + 1) * kBlock);
         ++r) {
      const float *row = d + r * k;
      for (int64_t s = 0; s < a.sampleRows; ++s) {
        const float *x = &a.sample[s * k];
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t c = 0;
        for (; c + 8 <= k; c += 8)
          for (int j = 0; j < 8; ++j)
            acc[j] += row[c + j] * x[c + j];
        float dot = 0;
        for (; c < k; ++c)
          dot += row[c] * x[c];
        for (int j = 0; j < 8; ++j)
          dot += acc[j];
        sum += static_cast<double>(dot) * dot;
      }
    }
    part[b] = sum;
  });
  double total = 0;
  for (double p : part)
    total += p;
  return total;
}

/// Output error of quantizing `w` (scaled by `s` per column first, when
/// given) as `type`, with scales searched by `importance` when given.
static Expected<double> quantError(QTensorType type, const std::vector<float> &w,
                                   const std::vector<float> *s,
                                   const ActivationStats &a,
                                   ArrayRef<float> importance = {}) {
  int64_t n = type.getRows(), k = type.getCols();
  std::vector<float> q(w);
  if (s)
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < k; ++c)
        q[r * k + c] *= (*s)[c];
  if (Error e = fakeQuantize(type, q.data(), importance))
    return std::move(e);
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c) {
      float v = s ? q[r * k + c] / (*s)[c] : q[r * k + c];
      q[r * k + c] = v - w[r * k + c];
    }
  return outputError(q.data(), n, k, a);
}

//===----------------------------------------------------------------------===//
// Activation-aware scales
//===----------------------------------------------------------------------===//

namespace {
/// dsc.weight reads of each global.
using ReadMap = DenseMap<mlir::StringAttr, SmallVector<WeightOp>>;

ReadMap weightReads(ModuleOp module) {
  ReadMap reads;
  module.walk([&](WeightOp w) {
    reads[w.getGlobalAttr().getAttr()].push_back(w);
  });
  return reads;
}

GlobalOp globalOf(ModuleOp module, Value v) {
  auto w = v ? v.getDefiningOp<WeightOp>() : WeightOp();
  return w ? module.lookupSymbol<GlobalOp>(w.getGlobalAttr()) : GlobalOp();
}

/// Whether every use of every read of `g` is accepted by `ok`.
bool readsOnly(const ReadMap &reads, GlobalOp g,
               function_ref<bool(mlir::OpOperand &)> ok) {
  auto it = reads.find(g.getSymNameAttr());
  if (it == reads.end())
    return false;
  for (WeightOp w : it->second)
    for (mlir::OpOperand &use : w->getUses())
      if (!ok(use))
        return false;
  return true;
}

/// The linear layers reading one activation, and the op that can absorb a
/// per-column scale of it.
struct Group {
  SmallVector<GlobalOp> weights;
  GlobalOp foldWeight, foldBias; // rows (or elements) scaled by 1/s
  std::vector<int64_t> tie;      // column -> fold row (identity if empty)
  int64_t foldRows = 0;
  std::string why; // why it cannot be scaled, if it cannot
};

Group analyze(ModuleOp module, const ReadMap &reads, Value x) {
  Group g;
  bool onlyLinears = true;
  for (mlir::Operation *user : x.getUsers()) {
    if (isa<ObserveOp>(user))
      continue;
    auto l = dyn_cast<LinearOp>(user);
    if (!l || l.getInput() != x || l.getWeight() == x) {
      onlyLinears = false;
      continue;
    }
    GlobalOp w = globalOf(module, l.getWeight());
    if (!w) {
      g.why = "a weight is not a dsc.global";
      return g;
    }
    if (!llvm::is_contained(g.weights, w))
      g.weights.push_back(w);
  }
  for (GlobalOp w : g.weights)
    if (!readsOnly(reads, w, [&](mlir::OpOperand &use) {
          auto l = dyn_cast<LinearOp>(use.getOwner());
          return l && use.getOperandNumber() == 1 && l.getInput() == x;
        })) {
      g.why = "'" + w.getSymName().str() + "' is read elsewhere too";
      return g;
    }
  if (!onlyLinears) {
    g.why = "the activation has other users";
    return g;
  }
  int64_t cols = cast<mlir::ShapedType>(x.getType()).getDimSize(1);
  mlir::Operation *def = x.getDefiningOp();
  if (auto n = dyn_cast_or_null<RMSNormOp>(def)) {
    GlobalOp nw = globalOf(module, n.getWeight());
    if (nw && readsOnly(reads, nw, [&](mlir::OpOperand &use) {
          return use.getOwner() == n.getOperation() &&
                 use.getOperandNumber() == 1;
        })) {
      g.foldWeight = nw;
      g.foldRows = cols;
      return g;
    }
    g.why = "the RMSNorm weight is shared";
    return g;
  }
  // The producer's rows: `up` before SwiGLU, `v` before attention.
  Value producer;
  if (auto sw = dyn_cast_or_null<SwiGLUOp>(def))
    producer = sw.getRhs();
  auto at = dyn_cast_or_null<AttentionOp>(def);
  if (at)
    producer = at.getValue();
  auto pl = producer ? producer.getDefiningOp<LinearOp>() : LinearOp();
  if (!pl || !producer.hasOneUse()) {
    g.why = "no producer that can absorb the scale";
    return g;
  }
  GlobalOp pw = globalOf(module, pl.getWeight());
  GlobalOp pb = pl.getBias() ? globalOf(module, pl.getBias()) : GlobalOp();
  auto onlyThis = [&](GlobalOp w, unsigned operand) {
    return readsOnly(reads, w, [&](mlir::OpOperand &use) {
      return use.getOwner() == pl.getOperation() &&
             use.getOperandNumber() == operand;
    });
  };
  if (!pw || !onlyThis(pw, 1) || (pl.getBias() && (!pb || !onlyThis(pb, 2)))) {
    g.why = "the producer's weights are shared";
    return g;
  }
  g.foldWeight = pw;
  g.foldBias = pb;
  g.foldRows = pw.getShapedType().getDimSize(0);
  if (at) {
    // Query heads that share a KV head share its value rows, so they share
    // the scale of those rows.
    int64_t hd = at.getHeadDim(), group = at.getNHeads() / at.getNumKVHeads();
    g.tie.resize(cols);
    for (int64_t c = 0; c < cols; ++c)
      g.tie[c] = (c / hd) / group * hd + c % hd;
  } else if (g.foldRows != cols) {
    g.why = "the producer's rows do not match the activation";
    g.foldWeight = GlobalOp();
  }
  return g;
}

mlir::DenseFPElementsAttr f32Vector(mlir::MLIRContext *ctx,
                                    ArrayRef<float> v) {
  auto t = mlir::RankedTensorType::get({static_cast<int64_t>(v.size())},
                                       mlir::Float32Type::get(ctx));
  return cast<mlir::DenseFPElementsAttr>(mlir::DenseElementsAttr::get(t, v));
}

/// `g`'s source with its rows and/or columns further multiplied.
void rescale(GlobalOp g, ArrayRef<float> rows, ArrayRef<float> cols) {
  mlir::MLIRContext *ctx = g.getContext();
  mlir::Attribute src = g.getSourceAttr();
  mlir::DenseFPElementsAttr oldRows, oldCols;
  if (auto s = dyn_cast<ScaledSourceAttr>(src)) {
    src = s.getSource();
    oldRows = s.getRows();
    oldCols = s.getCols();
  }
  auto combine = [&](mlir::DenseFPElementsAttr old, ArrayRef<float> f) {
    if (f.empty())
      return old;
    std::vector<float> v(f.begin(), f.end());
    if (old) {
      auto o = old.getValues<float>();
      for (size_t i = 0; i < v.size(); ++i)
        v[i] *= o[i];
    }
    return f32Vector(ctx, v);
  };
  g.setSourceAttr(ScaledSourceAttr::get(ctx, src, combine(oldRows, rows),
                                        combine(oldCols, cols)));
}
} // namespace

Error applyActivationAwareScales(ModuleOp module,
                                 const std::vector<ActivationStats> &acts,
                                 const CalibOptions &options,
                                 std::string *report) {
  auto fn = module.lookupSymbol<mlir::func::FuncOp>("forward");
  if (!fn)
    return error("no func.func @forward to calibrate");
  SmallVector<Value> inputs = getLinearInputs(fn);
  if (inputs.size() != acts.size())
    return error("calibration saw " + Twine(acts.size()) +
                 " observation points, the model has " + Twine(inputs.size()));
  ReadMap reads = weightReads(module);
  WeightReader reader;
  constexpr int kGrid = 20;
  int scaled = 0, kept = 0, skipped = 0;
  double errBefore = 0, errAfter = 0;
  // Last point first: scaling the rows of `v` or `up` changes those
  // weights, whose own columns are searched afterwards on what they are.
  for (int64_t id = static_cast<int64_t>(inputs.size()) - 1; id >= 0; --id) {
    if (options.progress)
      errs() << format("\rdsc: activation-aware scales %zu/%zu",
                       inputs.size() - id, inputs.size());
    const ActivationStats &a = acts[id];
    Group g = analyze(module, reads, inputs[id]);
    SmallVector<std::pair<QTensorType, std::vector<float>>> qweights;
    for (GlobalOp w : g.weights)
      if (auto q = dyn_cast<QTensorType>(w.getType())) {
        auto data = reader.readFloat(w.getSourceAttr(), w.getShapedType());
        if (!data)
          return data.takeError();
        qweights.push_back({q, std::move(*data)});
      }
    if (qweights.empty())
      continue;
    int64_t cols = a.cols;
    // Mean |x| per fold row (averaged over the columns tied to it).
    std::vector<double> mean(g.foldRows, 0.0), count(g.foldRows, 0.0);
    for (int64_t c = 0; c < cols && g.foldWeight; ++c) {
      int64_t t = g.tie.empty() ? c : g.tie[c];
      mean[t] += a.absMean[c];
      count[t] += 1;
    }
    for (int64_t t = 0; t < g.foldRows; ++t)
      mean[t] = count[t] > 0 ? mean[t] / count[t] : 0.0;
    auto totalError = [&](const std::vector<float> *s,
                          ArrayRef<float> imp) -> Expected<double> {
      double err = 0;
      for (auto &[q, w] : qweights) {
        auto e = quantError(q, w, s, a, imp);
        if (!e)
          return e.takeError();
        err += *e;
      }
      return err;
    };
    auto rtn = totalError(nullptr, {});
    if (!rtn)
      return rtn.takeError();
    errBefore += *rtn;
    double best = -1;
    int bestStep = 0;
    std::vector<float> bestS(g.foldRows, 1.0f), bestImp;
    for (int step = 0; step < (g.foldWeight ? kGrid : 1); ++step) {
      double alpha = static_cast<double>(step) / kGrid;
      std::vector<float> st(g.foldRows, 1.0f);
      if (step) {
        double lo = INFINITY, hi = 0;
        for (int64_t t = 0; t < g.foldRows; ++t) {
          st[t] = static_cast<float>(std::pow(std::max(mean[t], 1e-4), alpha));
          lo = std::min<double>(lo, st[t]);
          hi = std::max<double>(hi, st[t]);
        }
        float norm = static_cast<float>(std::sqrt(lo * hi));
        for (float &v : st)
          v /= norm;
      }
      // The scaled weights multiply x / s.
      std::vector<float> s(cols, 1.0f), imp(cols);
      for (int64_t c = 0; c < cols; ++c) {
        if (step)
          s[c] = st[g.tie.empty() ? c : g.tie[c]];
        imp[c] = static_cast<float>(a.sqMean[c] / (double(s[c]) * s[c]));
      }
      auto err = totalError(step ? &s : nullptr, imp);
      if (!err)
        return err.takeError();
      if (best < 0 || *err < best) {
        best = *err;
        bestStep = step;
        bestS = st;
        bestImp = imp;
      }
    }
    errAfter += best;
    auto impAttr = f32Vector(module.getContext(), bestImp);
    for (GlobalOp w : g.weights)
      if (isa<QTensorType>(w.getType()))
        w->setAttr(kImportanceAttr, impAttr);
    if (!g.foldWeight) {
      ++skipped;
      continue;
    }
    if (bestStep == 0) {
      ++kept;
      continue;
    }
    ++scaled;
    std::vector<float> s(cols), inv(g.foldRows);
    for (int64_t c = 0; c < cols; ++c)
      s[c] = bestS[g.tie.empty() ? c : g.tie[c]];
    for (int64_t t = 0; t < g.foldRows; ++t)
      inv[t] = 1.0f / bestS[t];
    for (GlobalOp w : g.weights)
      rescale(w, {}, s);
    rescale(g.foldWeight, inv, {});
    if (g.foldBias)
      rescale(g.foldBias, inv, {});
  }
  if (options.progress)
    errs() << "\r" << std::string(50, ' ') << "\r";
  if (report && scaled + kept + skipped == 0)
    *report = "no quantized weights to calibrate";
  else if (report)
    *report = formatv("activation-aware scales on {0} of {1} activations "
                      "({2} best unscaled, {3} without a producer to fold "
                      "into), importance-searched scales; output error on "
                      "the calibration rows {4:P} of round to nearest's",
                      scaled, scaled + kept + skipped, kept, skipped,
                      errBefore > 0 ? errAfter / errBefore : 1.0)
                  .str();
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Mixed precision
//===----------------------------------------------------------------------===//

static std::string formatSize(uint64_t bytes) {
  if (bytes < (1u << 20))
    return formatv("{0:F1} KiB", bytes / 1024.0).str();
  if (bytes < (1ull << 30))
    return formatv("{0:F1} MiB", bytes / 1048576.0).str();
  return formatv("{0:F2} GiB", bytes / 1073741824.0).str();
}

Expected<uint64_t> parseByteSize(StringRef text) {
  StringRef t = text.trim();
  size_t digits = t.find_first_not_of("0123456789.");
  StringRef num = t.substr(0, digits), unit = t.substr(digits).trim();
  double v;
  if (num.empty() || num.getAsDouble(v) || v < 0)
    return error("'" + text + "' is not a size (e.g. 600MiB, 1.5GB, 4096)");
  static const std::pair<const char *, double> units[] = {
      {"", 1},        {"b", 1},          {"k", 1e3},        {"kb", 1e3},
      {"m", 1e6},     {"mb", 1e6},       {"g", 1e9},        {"gb", 1e9},
      {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", 1073741824.0}};
  std::string u = unit.lower();
  for (auto &[name, scale] : units)
    if (u == name)
      return static_cast<uint64_t>(v * scale);
  return error("'" + text + "': unknown unit '" + unit +
               "' (B, KB, MB, GB, KiB, MiB, GiB)");
}

namespace {
struct Choice {
  QuantSchemeAttr scheme; // null: stays float
  std::string spec;   // for the report
  uint64_t bytes;     // in the blob, aligned
  double err;         // relative output error
};
struct Candidate {
  GlobalOp global;
  std::vector<Choice> ladder; // by bytes, error strictly falling
  size_t at = 0;
};
constexpr uint64_t kAlign = 64; // dsc-weights-assign-offsets' default

uint64_t alignUp(uint64_t v) { return (v + kAlign - 1) / kAlign * kAlign; }

uint64_t floatBytes(mlir::ShapedType t) {
  return alignUp(t.getNumElements() * (t.getElementType().isF32() ? 4 : 2));
}

uint64_t quantBytes(QTensorType q) {
  auto layout = TiledLayoutAttr::get(q.getContext(), 4, getQuantGroupColumns(q));
  return alignUp(getStorageBytes(q, layout));
}
} // namespace

Error chooseMixedPrecision(ModuleOp module,
                           const std::vector<ActivationStats> &acts,
                           uint64_t budget, int64_t group,
                           std::string *report) {
  auto fn = module.lookupSymbol<mlir::func::FuncOp>("forward");
  if (!fn)
    return error("no func.func @forward to quantize");
  mlir::MLIRContext *ctx = module.getContext();
  SmallVector<Value> inputs = getLinearInputs(fn);
  if (inputs.size() != acts.size())
    return error("calibration saw " + Twine(acts.size()) +
                 " observation points, the model has " + Twine(inputs.size()));
  DenseMap<Value, int64_t> idOf;
  for (auto [i, v] : llvm::enumerate(inputs))
    idOf[v] = static_cast<int64_t>(i);
  ReadMap reads = weightReads(module);
  WeightReader reader;

  // Every matrix that linear layers or the embedding lookup read.
  std::vector<Candidate> cands;
  uint64_t fixed = 0;
  std::string int4 = "int4:group=" + std::to_string(group);
  for (GlobalOp g : module.getOps<GlobalOp>()) {
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
        g->setAttr(mlir::dsc::kQuantizeAttr, mlir::BoolAttr::get(ctx, false));
      continue;
    }
    auto w = reader.readFloat(g.getSourceAttr(), t);
    if (!w)
      return w.takeError();
    // Errors relative to the output's energy, to compare layers of any
    // scale; a table only looked up is measured on its rows.
    const ActivationStats *a = id >= 0 ? &acts[id] : nullptr;
    double energy = 0;
    if (a)
      energy = outputError(w->data(), t.getDimSize(0), t.getDimSize(1), *a);
    else
      for (float v : *w)
        energy += static_cast<double>(v) * v;
    auto measure = [&](QTensorType q) -> Expected<double> {
      if (a)
        return quantError(q, *w, nullptr, *a);
      std::vector<float> d(*w);
      if (Error e = fakeQuantize(q, d.data()))
        return std::move(e);
      double err = 0;
      for (size_t i = 0; i < d.size(); ++i)
        err += static_cast<double>(d[i] - (*w)[i]) * (d[i] - (*w)[i]);
      return err;
    };
    Candidate c{g, {}, 0};
    for (StringRef text : {StringRef(int4), StringRef("int8:channel")}) {
      QuantSpec spec;
      std::string why;
      if (failed(parseQuantSpec(text, spec, &why)))
        return error(why);
      QuantSchemeAttr s =
          chooseQuantScheme(ctx, spec, t.getDimSize(0), t.getDimSize(1), 0);
      if (!s)
        continue;
      auto q = QTensorType::get(ctx, t.getShape(), mlir::Float32Type::get(ctx), s);
      auto e = measure(q);
      if (!e)
        return e.takeError();
      // Named by what the policy gives this shape (int4 may become int8).
      c.ladder.push_back(
          {s, spellQuantScheme(s), quantBytes(q), energy > 0 ? *e / energy : 0});
    }
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
    cands.push_back(std::move(c));
  }

  uint64_t total = fixed;
  for (Candidate &c : cands)
    total += c.ladder[0].bytes;
  if (total > budget)
    return error(formatv("--mem-budget {0} bytes ({1}) is below the smallest "
                         "mixed-precision model, {2} bytes ({3})",
                         budget, formatSize(budget), total, formatSize(total))
                     .str());
  // Greedy: the step that saves the most error per byte, while it fits.
  using Step = std::pair<double, size_t>; // (saved error per byte, candidate)
  std::priority_queue<Step> steps;
  auto push = [&](size_t i) {
    Candidate &c = cands[i];
    if (c.at + 1 >= c.ladder.size())
      return;
    const Choice &from = c.ladder[c.at], &to = c.ladder[c.at + 1];
    steps.push({(from.err - to.err) / static_cast<double>(to.bytes - from.bytes),
                i});
  };
  for (size_t i = 0; i < cands.size(); ++i)
    push(i);
  while (!steps.empty()) {
    size_t i = steps.top().second;
    steps.pop();
    Candidate &c = cands[i];
    uint64_t more = c.ladder[c.at + 1].bytes - c.ladder[c.at].bytes;
    if (total + more > budget)
      continue;
    total += more;
    c.at++;
    push(i);
  }
  std::map<std::string, int> counts;
  double err = 0;
  for (Candidate &c : cands) {
    const Choice &ch = c.ladder[c.at];
    c.global->setAttr(mlir::dsc::kQuantizeAttr,
                      ch.scheme ? mlir::Attribute(ch.scheme)
                                : mlir::BoolAttr::get(ctx, false));
    counts[ch.spec]++;
    err += ch.err;
  }
  if (report) {
    std::string s;
    raw_string_ostream os(s);
    os << "mixed precision for " << formatSize(budget) << ": ";
    bool first = true;
    for (auto &[spec, n] : counts) {
      os << (first ? "" : ", ") << n << " x " << spec;
      first = false;
    }
    os << formatv("; weights {0} ({1} bytes), summed relative error {2:E2}",
                  formatSize(total), total, err);
    *report = s;
  }
  return Error::success();
}

} // namespace dsc
