//===- MixedPrecision.cpp - each weight's precision for a budget ----------===//

#include "quant/ByteSize.h"
#include "quant/OutputError.h"
#include "quant/Passes.h"
#include "quant/WeightUses.h"
#include "weights/Quantizer.h"
#include "weights/WeightReader.h"

#include "Dsc/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <queue>

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

struct Choice {
  QuantSchemeAttr scheme; // null: stays float
  std::string spec;       // for the report
  uint64_t bytes;         // in the blob, aligned
  double err;             // relative output error
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
  /// The candidate precisions of `g`, or failure (diagnosed).
  FailureOr<Candidate> ladderOf(GlobalOp g, mlir::RankedTensorType t,
                                const ActivationStats *a, WeightReader &reader);
};

FailureOr<Candidate> QuantMixedPrecisionPass::ladderOf(GlobalOp g,
                                                       mlir::RankedTensorType t,
                                                       const ActivationStats *a,
                                                       WeightReader &reader) {
  mlir::MLIRContext *ctx = g.getContext();
  auto w = reader.readFloat(g.getSourceAttr(), t);
  if (!w)
    return g.emitError(toString(w.takeError()));
  // Errors relative to the output's energy, to compare layers of any
  // scale; a table only looked up is measured on its rows.
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
  std::string int4 = "int4:group=" + std::to_string(group);
  for (StringRef text : {StringRef(int4), StringRef("int8:channel")}) {
    QuantSpec spec;
    std::string why;
    if (failed(parseQuantSpec(text, spec, &why)))
      return g.emitError(why);
    QuantSchemeAttr s =
        chooseQuantScheme(ctx, spec, t.getDimSize(0), t.getDimSize(1), 0);
    if (!s)
      continue;
    auto q =
        QTensorType::get(ctx, t.getShape(), mlir::Float32Type::get(ctx), s);
    auto e = measure(q);
    if (!e)
      return g.emitError(toString(e.takeError()));
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
  ReadMap reads = weightReads(module);
  WeightReader reader;

  // Every matrix that linear layers or the embedding lookup read.
  std::vector<Candidate> cands;
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
    auto c = ladderOf(g, t, id >= 0 ? &acts[id] : nullptr, reader);
    if (failed(c))
      return failure();
    cands.push_back(std::move(*c));
  }

  uint64_t total = fixed;
  for (Candidate &c : cands)
    total += c.ladder[0].bytes;
  if (total > limit)
    return module.emitError(
        formatv("--mem-budget {0} bytes ({1}) is below the smallest "
                "mixed-precision model, {2} bytes ({3})",
                limit, formatByteSize(limit), total, formatByteSize(total))
            .str());
  // Greedy: the step that saves the most error per byte, while it fits.
  using Step = std::pair<double, size_t>; // (saved error per byte, candidate)
  std::priority_queue<Step> steps;
  auto push = [&](size_t i) {
    Candidate &c = cands[i];
    if (c.at + 1 >= c.ladder.size())
      return;
    const Choice &from = c.ladder[c.at], &to = c.ladder[c.at + 1];
    steps.push(
        {(from.err - to.err) / static_cast<double>(to.bytes - from.bytes), i});
  };
  for (size_t i = 0; i < cands.size(); ++i)
    push(i);
  while (!steps.empty()) {
    size_t i = steps.top().second;
    steps.pop();
    Candidate &c = cands[i];
    uint64_t more = c.ladder[c.at + 1].bytes - c.ladder[c.at].bytes;
    if (total + more > limit)
      continue;
    total += more;
    c.at++;
    push(i);
  }
  std::map<std::string, int> counts;
  double err = 0;
  for (Candidate &c : cands) {
    const Choice &ch = c.ladder[c.at];
    c.global->setAttr(kQuantizeAttr, ch.scheme
                                         ? mlir::Attribute(ch.scheme)
                                         : mlir::BoolAttr::get(ctx, false));
    counts[ch.spec]++;
    err += ch.err;
  }
  std::string s;
  raw_string_ostream os(s);
  os << "mixed precision for " << formatByteSize(limit) << ": ";
  bool first = true;
  for (auto &[spec, n] : counts) {
    os << (first ? "" : ", ") << n << " x " << spec;
    first = false;
  }
  os << formatv("; weights {0} ({1} bytes), summed relative error {2:E2}",
                formatByteSize(total), total, err);
  mlir::emitRemark(mlir::NameLoc::get(mlir::StringAttr::get(ctx, kReportLoc)),
                   s);
  return success();
}

} // namespace
} // namespace dsc
