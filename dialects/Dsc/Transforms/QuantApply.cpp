//===- QuantApply.cpp - weight quantization schemes -----------------------===//

#include "Dsc/IR/QuantTiles.h"
#include "Dsc/Transforms/Passes.h"

#include "dsc/abi/quant_layout.h"

namespace mlir::dsc {
#define GEN_PASS_DEF_QUANTAPPLY
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

LogicalResult mlir::dsc::parseQuantSpec(StringRef text, QuantSpec &spec,
                                       std::string *error) {
  // Non-uniform 4-bit levels, stored as llama.cpp's IQ4_NL blocks.
  if (text == "iq4_nl") {
    spec = QuantSpec();
    spec.bits = 4;
    spec.granularity = Granularity::Group;
    spec.blockSize = 32;
    spec.ggml = Encoding::IQ4_NL;
    return success();
  }
  auto [bitsText, rest] = text.split(':');
  unsigned bits = 0;
  if (StringRef w = bitsText; !w.consume_front("int") ||
                              w.getAsInteger(10, bits) ||
                              !dsc_qtile_bits_ok(bits)) {
    *error = "'" + bitsText.str() +
             "' is not a width (int2, int3, int4, int5, int6, int8) or "
             "iq4_nl";
    return failure();
  }
  SmallVector<StringRef> parts;
  rest.split(parts, ',');
  if (parts.empty() || parts[0].empty()) {
    *error = "missing granularity after '" + bitsText.str() +
             ":' (tensor, channel, group=N or head)";
    return failure();
  }
  Granularity gran;
  int64_t block = 0;
  auto [g, value] = parts[0].split('=');
  if (g == "tensor" && value.empty())
    gran = Granularity::Tensor;
  else if (g == "channel" && value.empty())
    gran = Granularity::Channel;
  else if (g == "head" && value.empty())
    gran = Granularity::Head;
  else if (g == "group" && !value.getAsInteger(10, block) && block > 0)
    gran = Granularity::Group;
  else {
    *error = "'" + parts[0].str() +
             "' is not a granularity (tensor, channel, group=N, head)";
    return failure();
  }
  // No weight could take these: refuse them rather than quantize every
  // weight differently from what was asked.
  if (bits < 8 && gran == Granularity::Group && block % 32) {
    *error = bitsText.str() + " groups must be a multiple of 32 columns (the " +
             bitsText.str() + " kernels' block); use group=32, 64, ... or "
             "int8:group=" + std::to_string(block);
    return failure();
  }
  bool symmetric = true, f32Scale = false, i8Scale = false;
  for (StringRef opt : ArrayRef(parts).drop_front()) {
    if (opt == "asym")
      symmetric = false;
    else if (opt == "sym")
      symmetric = true;
    else if (opt == "scale=f32")
      f32Scale = true, i8Scale = false;
    else if (opt == "scale=f16")
      f32Scale = false, i8Scale = false;
    else if (opt == "scale=i8")
      i8Scale = true, f32Scale = false;
    else {
      *error = "unknown option '" + opt.str() +
               "' (asym, sym, scale=f16, scale=f32, scale=i8)";
      return failure();
    }
  }
  // Two-level scales (quant_layout.h's DSC_QFLAG_SUPER): 8-bit codes of an
  // f16 scale per row and super-block, for the 32-column groups of the
  // narrow widths.
  if (i8Scale && (gran != Granularity::Group || block != 32)) {
    *error = "'scale=i8' needs group=32 (the group scales it codes), not '" +
             parts[0].str() + "'";
    return failure();
  }
  if (i8Scale && bits == 8) {
    *error = "'scale=i8' needs int2 to int6, not " + bitsText.str();
    return failure();
  }
  if (i8Scale && !symmetric && bits > 4) {
    *error = "'scale=i8' with 'asym' needs int2 to int4 (zero points are "
             "stored in 4 bits), not " +
             bitsText.str();
    return failure();
  }
  if (!symmetric &&
      (gran == Granularity::Tensor || gran == Granularity::Head)) {
    *error = "'asym' needs channel or group=N scales (" + parts[0].str() +
             " scales are symmetric only)";
    return failure();
  }
  spec = QuantSpec{bits, gran, block, symmetric, f32Scale, i8Scale, {}};
  return success();
}


QuantSchemeAttr mlir::dsc::chooseQuantScheme(MLIRContext *ctx,
                                             const QuantSpec &spec,
                                             int64_t rows, int64_t cols,
                                             int64_t headRows) {
  if (spec.ggml) {
    // Blocks of 32 columns, read row by row; other widths take what int4 at
    // the same group would.
    if (cols % 32 == 0)
      return QuantSchemeAttr::getGGML(ctx, *spec.ggml);
    QuantSpec plain = spec;
    plain.ggml.reset();
    return chooseQuantScheme(ctx, plain, rows, cols, headRows);
  }
  if (rows % 4)
    return {}; // kernels read tiles of 4 rows
  unsigned bits = spec.bits;
  Granularity gran = spec.granularity;
  int64_t block = spec.blockSize;
  if (gran == Granularity::Head) {
    if (headRows > 0 && rows % headRows == 0)
      block = headRows;
    else
      gran = Granularity::Channel;
  }
  // Tiles narrower than 8 bits need groups of multiples of 32 columns;
  // where none fits, the weight gets 8 bits and the search is repeated.
  auto fits = [&](int64_t d) { return bits == 8 || d % 32 == 0; };
  if (gran == Granularity::Group && (cols % block || !fits(block))) {
    int64_t best = 0;
    for (int pass = 0; pass < 2 && !best; ++pass) {
      for (int64_t d = std::min(block, cols); d >= 16; --d)
        if (cols % d == 0 && fits(d)) {
          best = d;
          break;
        }
      if (!best && bits < 8)
        bits = 8;
    }
    if (best)
      block = best;
    else
      gran = Granularity::Channel;
  }
  int64_t groupCols = gran == Granularity::Group ? block : cols;
  if (bits < 8 && groupCols % 32)
    bits = 8;
  if (gran == Granularity::Channel || gran == Granularity::Tensor)
    block = 0;
  Type scale = spec.f32Scale ? Type(Float32Type::get(ctx))
                             : Type(Float16Type::get(ctx));
  // Two-level scales keep groups of 32 and need a super-block (a multiple
  // of 64 columns dividing the row); without one, or where the weight got
  // another width or group, the groups keep f16 scales of their own.
  if (spec.i8Scale && gran == Granularity::Group && block == 32 &&
      bits == spec.bits && getSuperBlockColumns(cols))
    scale = IntegerType::get(ctx, 8);
  return QuantSchemeAttr::get(ctx, bits, gran, block, spec.symmetric, scale);
}

std::string mlir::dsc::spellQuantScheme(QuantSchemeAttr q) {
  if (std::optional<Encoding> blocks = q.getBlocks())
    return "ggml " + stringifyEncoding(*blocks).upper();
  std::string s = "int" + std::to_string(q.getBits()) + ":";
  switch (q.getGranularity()) {
  case Granularity::Tensor:
    s += "tensor";
    break;
  case Granularity::Channel:
    s += "channel";
    break;
  case Granularity::Group:
    s += "group=" + std::to_string(q.getBlockSize());
    break;
  case Granularity::Head:
    s += "head";
    break;
  }
  if (!q.getSymmetric())
    s += ",asym";
  if (q.getScaleType().isF32())
    s += ",scale=f32";
  if (isTwoLevel(q))
    s += ",scale=i8";
  return s;
}

namespace {
/// The head width when `v` (a linear layer's output) is attention's query,
/// key or value, directly or through RoPE; 0 otherwise.
static int64_t attentionHeadDim(Value v) {
  int64_t dim = 0;
  for (OpOperand &use : v.getUses()) {
    int64_t d = 0;
    if (auto rope = dyn_cast<RoPEOp>(use.getOwner()))
      d = attentionHeadDim(rope.getResult());
    else if (auto attn = dyn_cast<AttentionOp>(use.getOwner());
             attn && use.getOperandNumber() <= 2)
      d = attn.getCache().getType().getHeadDim();
    if (!d || (dim && d != dim))
      return 0;
    dim = d;
  }
  return dim;
}

struct QuantApplyPass : dsc::impl::QuantApplyBase<QuantApplyPass> {
  using QuantApplyBase::QuantApplyBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    QuantSpec spec;
    std::string error;
    if (failed(parseQuantSpec(scheme, spec, &error))) {
      module.emitError("bad quantization scheme '") << scheme << "': " << error;
      return signalPassFailure();
    }
    // The table and the classifier may take their own schemes.
    QuantSpec embSpec = spec, headSpec = spec;
    for (auto [text, out] : {std::pair{&embeddingsScheme, &embSpec},
                             std::pair{&headScheme, &headSpec}}) {
      if (text->empty())
        continue;
      if (failed(parseQuantSpec(*text, *out, &error))) {
        module.emitError("bad quantization scheme '") << *text << "': " << error;
        return signalPassFailure();
      }
    }
    FailureOr<const TargetInfo *> tgt = resolveTarget(module, target);
    if (failed(tgt))
      return signalPassFailure();
    for (const QuantSpec *sp : {&spec, &embSpec, &headSpec})
      if (sp->ggml &&
          !(*tgt)->supportsGGMLFormat(stringifyEncoding(*sp->ggml))) {
        module.emitError("target '")
            << (*tgt)->name << "' has no kernels for "
            << stringifyEncoding(*sp->ggml) << " blocks";
        return signalPassFailure();
      }
    for (const QuantSpec *sp : {&spec, &embSpec, &headSpec})
      if (!(*tgt)->supportsQuantBits(sp->bits)) {
        module.emitError("target '") << (*tgt)->name << "' has no kernels for "
                                     << sp->bits << "-bit weights";
        return signalPassFailure();
      }
    // Weights whose rows are heads: every linear layer reading them feeds
    // attention's query, key or value (through RoPE or not), read from the
    // IR rather than from weight names.
    llvm::DenseMap<StringAttr, int64_t> headRowsOf;
    llvm::DenseSet<StringAttr> notHeads;
    module.walk([&](LinearOp l) {
      auto w = l.getWeight().getDefiningOp<WeightOp>();
      if (!w)
        return;
      StringAttr name = w.getGlobalAttr().getAttr();
      int64_t headDim = attentionHeadDim(l.getResult());
      if (!headDim) {
        notHeads.insert(name);
        return;
      }
      int64_t &d = headRowsOf[name];
      if (d && d != headDim)
        notHeads.insert(name);
      d = headDim;
    });
    for (StringAttr n : notHeads)
      headRowsOf.erase(n);

    // What each global is used as.
    enum Use : unsigned { Linear = 1, Embedding = 2, Classifier = 4, Other = 8 };
    llvm::DenseMap<StringAttr, unsigned> uses;
    llvm::DenseSet<Value> returned;
    module.walk([&](func::ReturnOp r) {
      for (Value v : r.getOperands())
        returned.insert(v);
    });
    module.walk([&](WeightOp w) {
      unsigned &u = uses[w.getGlobalAttr().getAttr()];
      for (OpOperand &use : w->getUses()) {
        if (auto l = dyn_cast<LinearOp>(use.getOwner());
            l && use.getOperandNumber() == 1)
          u |= returned.contains(l.getResult()) ? Classifier : Linear;
        else if (isa<EmbeddingOp>(use.getOwner()) && use.getOperandNumber() == 0)
          u |= Embedding;
        else
          u |= Other;
      }
    });

    llvm::DenseMap<StringAttr, Type> newTypes;
    for (GlobalOp g : module.getOps<GlobalOp>()) {
      unsigned u = uses.lookup(g.getSymNameAttr());
      // Weights a checkpoint stores quantized (GGUF Q8_0, Q4_0) stay so.
      if (auto q = dyn_cast<QTensorType>(g.getType());
          q && (u & Linear) && !g->hasAttr(kQuantizeAttr))
        g.emitRemark() << g.getSymName() << ": " << scheme
                       << " not applied: stored as " << spellQuantScheme(q.getScheme())
                       << " in the checkpoint";
      auto t = dyn_cast<RankedTensorType>(g.getType());
      if (!t || t.getRank() != 2 || !isa<FloatType>(t.getElementType()))
        continue;
      // A table that is both embedding and classifier takes the
      // classifier's scheme: every token reads all of it there.
      QuantSpec s = (u & Classifier) ? headSpec
                    : (u & Embedding) ? embSpec
                                      : spec;
      StringRef spelled = (u & Classifier) && !headScheme.empty() ? headScheme
                        : (u & Embedding) && !(u & Classifier) &&
                                !embeddingsScheme.empty()
                            ? embeddingsScheme
                            : scheme;
      Attribute req = g->getAttr(kQuantizeAttr);
      if (req) {
        // A per-weight request (mixed precision): exactly this scheme, or
        // none.
        g->removeAttr(kQuantizeAttr);
        auto scheme = dyn_cast<QuantSchemeAttr>(req);
        if (!scheme)
          continue;
        Type f32 = Float32Type::get(&getContext());
        if (failed(QTensorType::verify(
                [&] { return g.emitOpError("dsc.quantize: "); }, t.getShape(),
                f32, scheme)))
          return signalPassFailure();
        auto q = QTensorType::get(&getContext(), t.getShape(), f32, scheme);
        g.setType(q);
        newTypes[g.getSymNameAttr()] = q;
        continue;
      }
      bool wanted = (u & Linear) || ((u & Classifier) && head) ||
                    ((u & Embedding) && embeddings);
      // A table that is both embedding and classifier needs both asked.
      if ((u & Embedding) && !embeddings)
        wanted = false;
      if ((u & Classifier) && !head)
        wanted = false;
      if (!wanted || (u & Other) || u == 0)
        continue;
      // Per-head scales apply to projections whose rows are heads: those
      // whose outputs are attention's queries, keys or values.
      StringRef name = g.getSymName();
      int64_t rowsPerHead = headRowsOf.lookup(g.getSymNameAttr());
      bool headRows = rowsPerHead > 0;
      QuantSchemeAttr chosen = chooseQuantScheme(
          &getContext(), s, t.getDimSize(0), t.getDimSize(1), rowsPerHead);
      // Remarks say where the flag's scheme did not fit (the driver prints
      // them as notes).
      std::string shape = std::to_string(t.getDimSize(0)) + "x" +
                          std::to_string(t.getDimSize(1));
      if (!chosen) {
        g.emitRemark() << name << ": " << spelled << " needs a multiple of 4 "
                         << "rows, not " << shape << "; left unquantized";
        continue;
      }
      bool asked = chosen.getBits() == s.bits &&
                   (chosen.getGranularity() == s.granularity ||
                    (s.granularity == Granularity::Head && !headRows)) &&
                   (s.granularity != Granularity::Group ||
                    chosen.getBlockSize() == s.blockSize) &&
                   isTwoLevel(chosen) == s.i8Scale &&
                   chosen.getBlocks() == s.ggml;
      if (!asked)
        g.emitRemark() << name << ": " << spelled << " does not fit " << shape
                       << "; " << spellQuantScheme(chosen) << " instead";
      Type q = QTensorType::get(&getContext(), t.getShape(),
                                Float32Type::get(&getContext()), chosen);
      g.setType(q);
      newTypes[g.getSymNameAttr()] = q;
    }
    module.walk([&](WeightOp w) {
      if (Type t = newTypes.lookup(w.getGlobalAttr().getAttr())) {
        w.getResult().setType(t);
        // Quantized weights have their own arithmetic: a permission to
        // multiply in bf16 (IR compiled again with --quantize) goes; one
        // in f16 (the values times x in f16) holds for them too.
        for (Operation *user : w->getUsers())
          if (auto l = dyn_cast<LinearOp>(user);
              l && l.getPrefillProducts() && l.getPrefillProducts()->isBF16())
            l.removePrefillProductsAttr();
      }
    });
  }
};
} // namespace
