//===- PruneStructures.cpp - dsc-prune-structures -------------------------===//
//
// The planner (Plan.h) decides on the float reference; this pass makes the
// IR say what it decided: sliced or refitted weights, the forward
// function's shapes, the KV cache and the model config.
//
//===----------------------------------------------------------------------===//

#include "prune/Passes.h"
#include "prune/Plan.h"
#include "pipeline/TextInput.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <map>

namespace dsc {
#define GEN_PASS_DEF_PRUNESTRUCTURES
#include "prune/Passes.h.inc"
} // namespace dsc

using namespace llvm;
using namespace mlir::dsc;
using mlir::ModuleOp;

namespace dsc {
namespace {

std::string blk(int64_t layer, StringRef name) {
  return ("blk." + Twine(layer) + "." + name).str();
}

std::vector<int64_t> expand(ArrayRef<int64_t> blocks, int64_t size) {
  std::vector<int64_t> r;
  for (int64_t b : blocks)
    for (int64_t i = 0; i < size; ++i)
      r.push_back(b * size + i);
  return r;
}

/// The refitted weights, appended to one file.
class RefitFile {
public:
  explicit RefitFile(std::string path) : path(std::move(path)) {}
  /// A #dsc.file for `m`'s values, once written.
  mlir::Attribute add(mlir::MLIRContext *ctx, ArrayRef<float> values) {
    int64_t offset = static_cast<int64_t>(bytes.size());
    const char *p = reinterpret_cast<const char *>(values.data());
    bytes.append(p, p + values.size() * sizeof(float));
    return FileSourceAttr::get(ctx, path, offset,
                               static_cast<int64_t>(values.size() * 4),
                               Encoding::F32);
  }
  bool empty() const { return bytes.empty(); }
  Error write() {
    std::error_code ec;
    ToolOutputFile out(path, ec, sys::fs::OF_None);
    if (ec)
      return createStringError(ec, path + ": " + ec.message());
    out.os() << bytes;
    out.os().close();
    if (out.os().has_error())
      return createStringError(out.os().error(),
                               path + ": " + out.os().error().message());
    out.keep();
    return Error::success();
  }

private:
  std::string path;
  std::string bytes;
};

class PruneStructures
    : public impl::PruneStructuresBase<PruneStructures> {
public:
  using PruneStructuresBase::PruneStructuresBase;
  void runOnOperation() override;

private:
  mlir::LogicalResult fail(const Twine &msg) {
    getOperation().emitError(msg);
    signalPassFailure();
    return mlir::failure();
  }
  /// Gives global `name` the type `shape` and source `source`.
  void setWeight(StringRef name, ArrayRef<int64_t> shape,
                 mlir::Attribute source);
  /// The source of global `name` sliced to `rows` and `cols` (empty: all).
  void slice(StringRef name, ArrayRef<int64_t> rows, ArrayRef<int64_t> cols);
  mlir::LogicalResult removeLayer(mlir::func::FuncOp fn, int64_t layer);
  /// Gives the linear layers reading global `weight` the bias `values`, a
  /// new global `<weight>.bias` in `file`.
  mlir::LogicalResult addBias(mlir::func::FuncOp fn, StringRef weight,
                              ArrayRef<float> values, RefitFile &file);
};

mlir::LogicalResult PruneStructures::addBias(mlir::func::FuncOp fn,
                                             StringRef weight,
                                             ArrayRef<float> values,
                                             RefitFile &file) {
  ModuleOp module = getOperation();
  mlir::MLIRContext *ctx = &getContext();
  std::string name = (weight + ".bias").str();
  if (module.lookupSymbol(name))
    return fail("pruning: the model has a global '" + name + "' already");
  auto w = module.lookupSymbol<GlobalOp>(weight);
  mlir::OpBuilder b(w);
  b.setInsertionPointAfter(w);
  auto type = mlir::RankedTensorType::get(
      {static_cast<int64_t>(values.size())}, mlir::Float32Type::get(ctx));
  GlobalOp::create(b, mlir::NameLoc::get(mlir::StringAttr::get(ctx, name)),
                   name, type, file.add(ctx, values), mlir::IntegerAttr(),
                   TiledLayoutAttr());
  SmallVector<LinearOp> users;
  fn.walk([&](LinearOp l) {
    if (auto wo = l.getWeight().getDefiningOp<WeightOp>();
        wo && wo.getGlobal() == weight)
      users.push_back(l);
  });
  if (users.empty())
    return fail("pruning: no linear layer reads '" + weight + "'");
  for (LinearOp l : users) {
    if (l.getBias())
      return fail("pruning: '" + weight + "' has a bias already");
    b.setInsertionPoint(l);
    mlir::Value bias = WeightOp::create(
        b, l.getLoc(), type, mlir::FlatSymbolRefAttr::get(ctx, name));
    auto with =
        LinearOp::create(b, l.getLoc(), l.getType(), l.getInput(),
                         l.getWeight(), bias, l.getPrefillProductsAttr());
    l.getResult().replaceAllUsesWith(with.getResult());
    l.erase();
  }
  return mlir::success();
}

void PruneStructures::setWeight(StringRef name, ArrayRef<int64_t> shape,
                                mlir::Attribute source) {
  auto g = getOperation().lookupSymbol<GlobalOp>(name);
  auto old = cast<mlir::RankedTensorType>(g.getType());
  g.setType(mlir::RankedTensorType::get(shape, old.getElementType()));
  g.setSourceAttr(source);
}

void PruneStructures::slice(StringRef name, ArrayRef<int64_t> rows,
                            ArrayRef<int64_t> cols) {
  auto g = getOperation().lookupSymbol<GlobalOp>(name);
  ArrayRef<int64_t> shape = g.getShapedType().getShape();
  SmallVector<int64_t, 2> result(shape.begin(), shape.end());
  if (!rows.empty() && static_cast<int64_t>(rows.size()) != shape[0])
    result[0] = static_cast<int64_t>(rows.size());
  else
    rows = {};
  if (!cols.empty() && static_cast<int64_t>(cols.size()) != shape[1])
    result[1] = static_cast<int64_t>(cols.size());
  else
    cols = {};
  if (rows.empty() && cols.empty())
    return;
  setWeight(name, result,
            SliceSourceAttr::get(&getContext(), g.getSourceAttr(), shape, rows,
                                 cols));
}

/// Erases layer `layer`'s ops: its output (the residual after the FFN)
/// becomes its input.
mlir::LogicalResult PruneStructures::removeLayer(mlir::func::FuncOp fn,
                                                 int64_t layer) {
  mlir::Value in, out;
  fn.walk([&](WeightOp w) {
    StringRef g = w.getGlobal();
    for (mlir::Operation *user : w->getUsers()) {
      if (g == blk(layer, "attn_norm"))
        if (auto n = dyn_cast<RMSNormOp>(user))
          in = n.getInput();
      if (g == blk(layer, "ffn_down"))
        if (auto l = dyn_cast<LinearOp>(user))
          for (mlir::Operation *u : l->getUsers())
            if (isa<AddOp>(u))
              out = u->getResult(0);
    }
  });
  if (!in || !out)
    return fail("pruning: cannot find the residual stream around layer " +
                Twine(layer) + " (run before the graph passes)");
  out.replaceAllUsesWith(in);
  SmallVector<mlir::Operation *> ops;
  for (mlir::Operation &op : fn.getBody().front())
    ops.push_back(&op);
  for (mlir::Operation *op : llvm::reverse(ops))
    if (op->use_empty() && !op->hasTrait<mlir::OpTrait::IsTerminator>() &&
        (isa<AttentionOp>(op) || mlir::isMemoryEffectFree(op)))
      op->erase();
  return mlir::success();
}

/// Result types from the (pruned) operand types, in program order.
void inferShapes(mlir::func::FuncOp fn) {
  fn.walk([&](mlir::Operation *op) {
    if (auto w = dyn_cast<WeightOp>(op)) {
      auto g = mlir::SymbolTable::lookupNearestSymbolFrom<GlobalOp>(
          op, w.getGlobalAttr());
      w.getResult().setType(g.getType());
    } else if (auto l = dyn_cast<LinearOp>(op)) {
      auto t = cast<mlir::RankedTensorType>(l.getType());
      int64_t out = cast<mlir::ShapedType>(l.getWeight().getType()).getShape()[0];
      l.getResult().setType(mlir::RankedTensorType::get(
          {t.getShape()[0], out}, t.getElementType()));
    } else if (auto a = dyn_cast<AttentionOp>(op)) {
      auto t = cast<mlir::RankedTensorType>(a.getQuery().getType());
      a.getResult().setType(t);
      a.setNHeads(t.getShape()[1] / a.getHeadDim());
    } else if (op->getNumResults() == 1 && op->getNumOperands() >= 1 &&
               (isa<RoPEOp>(op) ||
                op->hasTrait<mlir::OpTrait::SameOperandsAndResultType>())) {
      op->getResult(0).setType(op->getOperand(0).getType());
    }
  });
}

void PruneStructures::runOnOperation() {
  ModuleOp module = getOperation();
  mlir::MLIRContext *ctx = &getContext();
  PruneOptions po;
  po.spec.ffn = ffn;
  po.spec.heads = heads;
  po.spec.layers = layers;
  po.refit = refit;
  po.align = align;
  po.ridge = ridge;
  po.biasCorrect = biasCorrect;
  po.normCorrect = normCorrect;
  if (method == "teacher")
    po.method = PruneMethod::Teacher;
  else if (method == "magnitude")
    po.method = PruneMethod::Magnitude;
  else {
    (void)fail("dsc-prune-structures: method '" + method +
               "' is not teacher or magnitude");
    return;
  }
  if (!(ffn >= 0 && ffn < 1) || !(heads >= 0 && heads < 1) || layers < 0) {
    (void)fail(formatv("dsc-prune-structures: ffn={0} heads={1} layers={2}: "
                       "fractions must be in [0, 1), layers not negative",
                       ffn.getValue(), heads.getValue(), layers.getValue()));
    return;
  }
  if (po.spec.empty())
    return;
  bool teacher = po.method == PruneMethod::Teacher;
  if (teacher && calib.empty()) {
    (void)fail("dsc-prune-structures: method=teacher needs calib=TEXT");
    return;
  }
  if (teacher && refit && weights.empty()) {
    (void)fail("dsc-prune-structures: the refit needs weights=FILE for the "
               "refitted weights");
    return;
  }
  if (tokens <= 0 || scoreTokens <= 0 || window < 2 || align <= 0 ||
      !(ridge >= 0)) {
    (void)fail("dsc-prune-structures: tokens, score-tokens and align must "
               "be positive, window at least 2, ridge not negative");
    return;
  }
  // The forward function: the one whose last argument is the KV cache.
  mlir::func::FuncOp fn;
  for (auto f : module.getOps<mlir::func::FuncOp>())
    if (f.getNumArguments() == 4 && isa<KVCacheType>(f.getArgumentTypes()[3]))
      fn = f;
  ModelConfigAttr config = getModelConfig(module);
  if (!fn || !config) {
    (void)fail("dsc-prune-structures: not a dsc model");
    return;
  }
  for (auto &op : fn.getBody().front())
    if (!isa<WeightOp, EmbeddingOp, RMSNormOp, LinearOp, RoPEOp, AttentionOp,
             AddOp, MulOp, SiLUOp, mlir::func::ReturnOp>(op) &&
        op.getDialect()->getNamespace() == "dsc") {
      (void)fail("dsc-prune-structures: '" + op.getName().getStringRef() +
                 "': pruning runs on the imported model, before the graph "
                 "passes");
      return;
    }
  auto ref = loadReference(module);
  if (!ref) {
    (void)fail(toString(ref.takeError()));
    return;
  }
  if (progress)
    po.progress = [](StringRef s) {
      errs() << "\r\033[Kdsc: pruning: " << s;
      errs().flush();
    };

  // Windows of the text from position 0, as calibration and eval run.
  std::vector<std::vector<int32_t>> scoreWin, fitWin;
  if (teacher) {
    auto ids = tokenizeTextFile(module, calib, 2, "pruning");
    if (!ids) {
      (void)fail(toString(ids.takeError()));
      return;
    }
    int64_t w = std::min<int64_t>(window, config.getMaxSeqLen());
    int64_t n = static_cast<int64_t>(ids->size());
    for (int32_t t : *ids)
      if (t < 0 || t >= ref->vocab) {
        (void)fail(calib + ": token " + Twine(t) + " is past the vocabulary");
        return;
      }
    for (int64_t at = 0; at + 2 <= n; at += w) {
      std::vector<int32_t> win(ids->begin() + at,
                               ids->begin() + std::min(n, at + w));
      if (at < scoreTokens)
        scoreWin.push_back(win);
      if (at < tokens)
        fitWin.push_back(win);
    }
  }
  if (score == "exact" || score == "estimate") {
    po.exact = score == "exact";
  } else if (score == "auto") {
    int64_t n = 0;
    for (const auto &w : scoreWin)
      n += static_cast<int64_t>(w.size());
    po.exact = exactScoringCost(*ref, po.spec, n) <= 1e11;
  } else {
    (void)fail("dsc-prune-structures: score '" + score +
               "' is not exact, estimate or auto");
    return;
  }
  auto planOr = planPruning(*ref, scoreWin, fitWin, po);
  if (progress)
    errs() << "\r\033[K";
  if (!planOr) {
    (void)fail(toString(planOr.takeError()));
    return;
  }
  PrunePlan &plan = *planOr;

  int64_t paramsBefore = 0, paramsAfter = 0;
  module.walk([&](GlobalOp g) {
    paramsBefore += g.getShapedType().getNumElements();
  });

  // The weights of each kept layer, then the layers that go.
  int64_t hd = ref->headDim;
  RefitFile refitFile(weights.empty() ? std::string() : [&] {
    SmallString<256> p(weights.getValue());
    sys::fs::make_absolute(p);
    return std::string(p);
  }());
  const PlanLayer &first = plan.layers.front();
  for (const PlanLayer &p : plan.layers) {
    int64_t s = p.source;
    std::vector<int64_t> qRows = expand(p.qHeads, hd),
                         kvRows = expand(p.kvHeads, hd);
    slice(blk(s, "attn_q"), qRows, {});
    slice(blk(s, "attn_k"), kvRows, {});
    slice(blk(s, "attn_v"), kvRows, {});
    if (config.getAttentionBias()) {
      slice(blk(s, "attn_q.bias"), qRows, {});
      slice(blk(s, "attn_k.bias"), kvRows, {});
      slice(blk(s, "attn_v.bias"), kvRows, {});
    }
    slice(blk(s, "ffn_gate"), p.channels, {});
    slice(blk(s, "ffn_up"), p.channels, {});
    for (auto [name, fitted, cols] :
         {std::tuple<const char *, const std::optional<Matrix> *,
                     const std::vector<int64_t> *>{"attn_output", &p.wo, &qRows},
          {"ffn_down", &p.down, &p.channels}}) {
      if (*fitted)
        setWeight(blk(s, name), {(*fitted)->rows, (*fitted)->cols},
                  refitFile.add(ctx, (*fitted)->data));
      else
        slice(blk(s, name), {}, *cols);
    }
    for (auto [name, scale] : {std::pair{"attn_norm", &p.attnNorm},
                               {"ffn_norm", &p.ffnNorm}})
      if (*scale)
        setWeight(blk(s, name), {static_cast<int64_t>((*scale)->size())},
                  refitFile.add(ctx, **scale));
    for (auto [name, bias] : {std::pair{"attn_output", &p.bo},
                              {"ffn_down", &p.bdown}})
      if (!bias->empty() && failed(addBias(fn, blk(s, name), *bias, refitFile)))
        return;
  }
  if (plan.outputNorm)
    setWeight("output_norm", {static_cast<int64_t>(plan.outputNorm->size())},
              refitFile.add(ctx, *plan.outputNorm));
  std::vector<bool> kept(ref->layers.size(), false);
  for (const PlanLayer &p : plan.layers)
    kept[p.source] = true;
  for (int64_t s = static_cast<int64_t>(kept.size()) - 1; s >= 0; --s) {
    if (kept[s])
      continue;
    if (failed(removeLayer(fn, s)))
      return;
    SmallVector<GlobalOp> dead;
    std::string prefix = blk(s, "");
    for (GlobalOp g : module.getOps<GlobalOp>())
      if (g.getSymName().starts_with(prefix))
        dead.push_back(g);
    for (GlobalOp g : dead)
      g.erase();
  }
  // Layers renumbered: student layer i was teacher layer plan.layers[i].
  std::map<std::string, std::string> renamed;
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    int64_t s = plan.layers[i].source;
    if (s == static_cast<int64_t>(i))
      continue;
    std::string from = blk(s, ""), to = blk(static_cast<int64_t>(i), "");
    for (GlobalOp g : module.getOps<GlobalOp>())
      if (g.getSymName().starts_with(from)) {
        std::string n = to + g.getSymName().drop_front(from.size()).str();
        renamed[g.getSymName().str()] = n;
        g.setSymName(n);
        g->setLoc(mlir::NameLoc::get(mlir::StringAttr::get(ctx, n)));
      }
  }
  fn.walk([&](WeightOp w) {
    auto it = renamed.find(w.getGlobal().str());
    if (it != renamed.end())
      w.setGlobal(it->second);
  });

  int64_t nLayers = static_cast<int64_t>(plan.layers.size());
  int64_t nHeads = static_cast<int64_t>(first.qHeads.size());
  int64_t nKV = static_cast<int64_t>(first.kvHeads.size());
  int64_t hidden = static_cast<int64_t>(first.channels.size());
  auto cacheArg = fn.getArgument(3);
  auto cache = cast<KVCacheType>(cacheArg.getType());
  auto newCache = KVCacheType::get(ctx, nLayers, nKV, cache.getHeadDim(),
                                   cache.getElementType());
  cacheArg.setType(newCache);
  SmallVector<mlir::Type> inputs(fn.getBody().getArgumentTypes());
  fn.setFunctionType(
      mlir::FunctionType::get(ctx, inputs, fn.getFunctionType().getResults()));
  inferShapes(fn);
  int64_t layer = 0;
  fn.walk([&](AttentionOp a) { a.setLayer(layer++); });
  module->setAttr(
      DscDialect::getConfigAttrName(),
      ModelConfigAttr::get(
          ctx, config.getArch(), config.getVocabSize(), config.getDim(),
          hidden, nLayers, nHeads, nKV, config.getHeadDim(),
          config.getMaxSeqLen(), config.getRopeTheta(), config.getNormEps(),
          config.getTieEmbeddings(), config.getAttentionBias(),
          config.getSlidingWindow(), config.getRopeScaling()));

  if (!refitFile.empty())
    if (Error e = refitFile.write()) {
      (void)fail("dsc-prune-structures: " + toString(std::move(e)));
      return;
    }
  if (!scores.empty()) {
    std::error_code ec;
    ToolOutputFile out(scores, ec, sys::fs::OF_Text);
    if (ec) {
      (void)fail("dsc-prune-structures: " + scores + ": " + ec.message());
      return;
    }
    out.os() << "kind\tlayer\tindex\tscore\tremoved\n";
    for (const Score &s : plan.scores)
      out.os() << s.kind << "\t" << s.layer << "\t" << s.index << "\t"
               << formatv("{0:e6}", s.score) << "\t" << (s.removed ? 1 : 0)
               << "\n";
    out.keep();
  }
  module.walk([&](GlobalOp g) {
    paramsAfter += g.getShapedType().getNumElements();
  });
  int64_t refits = 0;
  for (const PlanLayer &p : plan.layers)
    refits += (p.wo ? 1 : 0) + (p.down ? 1 : 0);
  int64_t biases = 0;
  for (const PlanLayer &p : plan.layers)
    biases += (p.bo.empty() ? 0 : 1) + (p.bdown.empty() ? 0 : 1);
  std::string report = formatv(
      "pruned ({0}): {1} layers of {2}, {3} heads ({4} KV) of {5} ({6}), FFN "
      "{7} of {8}; {9} of {10} parameters",
      method.getValue(), nLayers, ref->layers.size(), nHeads, nKV,
      ref->layers[0].nHeads, ref->layers[0].nKVHeads, hidden,
      ref->layers[0].hidden, paramsAfter, paramsBefore);
  if (teacher)
    report += formatv("; {0} scores; calibration KL {1:f4}; {2} projections "
                      "refitted",
                      po.exact ? "exact" : "estimated", plan.calibKL, refits)
                  .str();
  if (teacher && biasCorrect)
    report += formatv(", {0} with a bias", biases).str();
  if (teacher && normCorrect) {
    int64_t norms = plan.outputNorm ? 1 : 0;
    for (const PlanLayer &p : plan.layers)
      norms += (p.attnNorm ? 1 : 0) + (p.ffnNorm ? 1 : 0);
    report += formatv("; {0} norm scales refitted", norms).str();
  }
  mlir::emitRemark(mlir::NameLoc::get(mlir::StringAttr::get(ctx, "dsc-report")),
                   report);
}

} // namespace
} // namespace dsc
