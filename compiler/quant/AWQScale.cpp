//===- AWQScale.cpp - activation-aware per-column scales ------------------===//

#include "quant/OutputError.h"
#include "quant/Passes.h"
#include "quant/WeightUses.h"
#include "weights/GPTQ.h"
#include "weights/WeightReader.h"

#include "Dsc/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

namespace dsc {
#define GEN_PASS_DEF_QUANTAWQSCALE
#include "quant/Passes.h.inc"
} // namespace dsc

using namespace llvm;
using namespace mlir::dsc;
using mlir::ModuleOp;
using mlir::Value;

namespace dsc {
namespace {

/// The linear layers reading one activation, and the op that can absorb a
/// per-column scale of it.
struct Group {
  SmallVector<GlobalOp> weights;
  GlobalOp foldWeight, foldBias; // rows (or elements) scaled by 1/s
  std::vector<int64_t> tie;      // column -> fold row (identity if empty)
  int64_t foldRows = 0;
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
    if (!w)
      return g; // importance only, for the weights found so far
    if (!llvm::is_contained(g.weights, w))
      g.weights.push_back(w);
  }
  for (GlobalOp w : g.weights)
    if (!readsOnly(reads, w, [&](mlir::OpOperand &use) {
          auto l = dyn_cast<LinearOp>(use.getOwner());
          return l && use.getOperandNumber() == 1 && l.getInput() == x;
        }))
      return g; // a weight read elsewhere cannot take a scale: importance only
  if (!onlyLinears)
    return g; // searched for importance only
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
    }
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
  if (!pl || !producer.hasOneUse())
    return g;
  GlobalOp pw = globalOf(module, pl.getWeight());
  GlobalOp pb = pl.getBias() ? globalOf(module, pl.getBias()) : GlobalOp();
  auto onlyThis = [&](GlobalOp w, unsigned operand) {
    return readsOnly(reads, w, [&](mlir::OpOperand &use) {
      return use.getOwner() == pl.getOperation() &&
             use.getOperandNumber() == operand;
    });
  };
  if (!pw || !onlyThis(pw, 1) || (pl.getBias() && (!pb || !onlyThis(pb, 2))))
    return g;
  int64_t rows = pw.getShapedType().getDimSize(0);
  if (at) {
    // Query heads that share a KV head share its value rows, so they share
    // the scale of those rows.
    int64_t hd = at.getHeadDim(), group = at.getNHeads() / at.getNumKVHeads();
    g.tie.resize(cols);
    for (int64_t c = 0; c < cols; ++c)
      g.tie[c] = (c / hd) / group * hd + c % hd;
  } else if (rows != cols) {
    return g;
  }
  g.foldWeight = pw;
  g.foldBias = pb;
  g.foldRows = rows;
  return g;
}

mlir::DenseFPElementsAttr f32Vector(mlir::MLIRContext *ctx, ArrayRef<float> v) {
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

struct QuantAWQScalePass : impl::QuantAWQScaleBase<QuantAWQScalePass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(run()))
      signalPassFailure();
  }

  LogicalResult run();
};

LogicalResult QuantAWQScalePass::run() {
  ModuleOp module = getOperation();
  if (stats.empty())
    return module.emitError("dsc-quant-awq-scale needs stats=FILE, the "
                            "statistics calibration recorded");
  if (grid < 1)
    return module.emitError("dsc-quant-awq-scale: grid must be at least 1");
  if (rounding != "nearest" && rounding != "gptq")
    return module.emitError("dsc-quant-awq-scale: rounding '")
           << rounding << "': expected nearest or gptq";
  bool gptq = rounding == "gptq";
  auto calib = loadCalibration(module, stats);
  if (failed(calib))
    return failure();
  const std::vector<ActivationStats> &acts = calib->acts;
  ArrayRef<Value> inputs = calib->inputs;

  ReadMap reads = weightReads(module);
  WeightReader reader;
  int scaled = 0, kept = 0, skipped = 0;
  double errBefore = 0, errAfter = 0;
  // Last point first: scaling the rows of `v` or `up` changes those
  // weights, whose own columns are searched afterwards on what they are.
  for (int64_t id = static_cast<int64_t>(inputs.size()) - 1; id >= 0; --id) {
    if (progress)
      errs() << format("\rdsc: activation-aware scales %zu/%zu",
                       inputs.size() - id, inputs.size());
    const ActivationStats &a = acts[id];
    Group g = analyze(module, reads, inputs[id]);
    // Weights kept as a file's ggml blocks cannot be rescaled without
    // requantizing them: such a point is not one this pass works on, as
    // one with no quantized weight.
    if (llvm::any_of(g.weights, [&](GlobalOp w) {
          auto q = dyn_cast<QTensorType>(w.getType());
          return q && reader.copiesFileBlocks(w.getSourceAttr(), q);
        }))
      continue;
    SmallVector<std::pair<QTensorType, std::vector<float>>> qweights;
    for (GlobalOp w : g.weights)
      if (auto q = dyn_cast<QTensorType>(w.getType())) {
        auto data = reader.readFloat(w.getSourceAttr(), w.getShapedType());
        if (!data)
          return w.emitError(toString(data.takeError()));
        qweights.push_back({q, std::move(*data)});
      }
    if (qweights.empty())
      continue;
    int64_t cols = a.cols;
    std::vector<float> factor;
    if (gptq) {
      if (a.hessian.empty())
        return module.emitError()
               << stats << ": observation point " << id
               << " has no Hessian, which rounding=gptq needs (calibrate "
                  "again, or round to nearest)";
      auto f = gptqFactor(a.hessian, cols);
      if (!f)
        return module.emitError() << stats << ": observation point " << id
                                  << ": " << toString(f.takeError());
      factor = std::move(*f);
    }
    // Mean |x| per fold row (averaged over the columns tied to it).
    std::vector<double> mean(g.foldRows, 0.0), count(g.foldRows, 0.0);
    for (int64_t c = 0; c < cols && g.foldWeight; ++c) {
      int64_t t = g.tie.empty() ? c : g.tie[c];
      mean[t] += a.absMean[c];
      count[t] += 1;
    }
    for (int64_t t = 0; t < g.foldRows; ++t)
      mean[t] = count[t] > 0 ? mean[t] / count[t] : 0.0;
    std::string why;
    auto totalError = [&](const std::vector<float> *s, ArrayRef<float> imp,
                          bool useGPTQ = true) -> std::optional<double> {
      double err = 0;
      std::vector<float> u;
      if (gptq && useGPTQ)
        u = s ? scaleGPTQFactor(factor, *s) : factor;
      for (auto &[q, w] : qweights) {
        auto e = quantError(q, w, s, a, imp, u);
        if (!e) {
          why = toString(e.takeError());
          return std::nullopt;
        }
        err += *e;
      }
      return err;
    };
    // What the report compares with: round to nearest, unscaled.
    auto rtn = totalError(nullptr, {}, /*useGPTQ=*/false);
    if (!rtn)
      return module.emitError(why);
    errBefore += *rtn;
    double best = -1;
    int bestStep = 0;
    std::vector<float> bestS(g.foldRows, 1.0f), bestImp, bestCols;
    // Without a producer to fold into, only alpha = 0 (no scale) is tried.
    for (int step = 0; step < (g.foldWeight ? int(grid) : 1); ++step) {
      double alpha = static_cast<double>(step) / grid;
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
        return module.emitError(why);
      if (best < 0 || *err < best) {
        best = *err;
        bestStep = step;
        bestS = st;
        bestImp = imp;
        bestCols = s;
      }
    }
    errAfter += best;
    auto impAttr = f32Vector(module.getContext(), bestImp);
    for (GlobalOp w : g.weights)
      if (isa<QTensorType>(w.getType()))
        w->setAttr(kImportanceAttr, impAttr);
    if (gptq) {
      // The Hessian of the scaled input x / s.
      std::vector<float> h(a.hessian);
      for (int64_t r = 0; r < cols; ++r)
        for (int64_t c = 0; c < cols; ++c)
          h[r * cols + c] /= bestCols[r] * bestCols[c];
      auto t = mlir::RankedTensorType::get(
          {cols, cols}, mlir::Float32Type::get(module.getContext()));
      auto hAttr = mlir::DenseElementsAttr::get(t, ArrayRef<float>(h));
      for (GlobalOp w : g.weights)
        if (isa<QTensorType>(w.getType()))
          w->setAttr(kHessianAttr, hAttr);
    }
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
  if (progress)
    errs() << "\r" << std::string(50, ' ') << "\r";
  auto loc = mlir::NameLoc::get(
      mlir::StringAttr::get(module.getContext(), kReportLoc));
  if (scaled + kept + skipped == 0)
    mlir::emitRemark(loc, "no quantized weights to calibrate");
  else
    mlir::emitRemark(
        loc, formatv("activation-aware scales on {0} of {1} activations "
                     "({2} best unscaled, {3} without a producer to fold "
                     "into), importance-searched scales{5}; output error on "
                     "the calibration rows {4:P} of round to nearest's",
                     scaled, scaled + kept + skipped, kept, skipped,
                     errBefore > 0 ? errAfter / errBefore : 1.0,
                     gptq ? ", GPTQ rounding" : "")
                 .str());
  return success();
}

} // namespace
} // namespace dsc
