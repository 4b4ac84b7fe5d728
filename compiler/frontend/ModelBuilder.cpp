//===- ModelBuilder.cpp - checkpoint -> dsc IR ----------------------------===//

#include "frontend/ModelBuilder.h"

#include "Dsc/IR/DscOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace mlir;
using namespace mlir::dsc;

namespace dsc {

Type weightType(MLIRContext &ctx, const TensorRef &t) {
  Builder b(&ctx);
  switch (t.encoding) {
  case Encoding::F16:
    return RankedTensorType::get(t.shape, b.getF16Type());
  case Encoding::BF16:
    return RankedTensorType::get(t.shape, b.getBF16Type());
  case Encoding::Q8_0:
  case Encoding::Q4_0:
    // ggml's Q8_0 and Q4_0 are dsc schemes; keep them quantized.
    if (t.shape.size() == 2)
      return QTensorType::get(
          &ctx, t.shape, b.getF32Type(),
          QuantSchemeAttr::get(&ctx, t.encoding == Encoding::Q8_0 ? 8 : 4,
                               Granularity::Group, 32, /*symmetric=*/true,
                               b.getF16Type()));
    return RankedTensorType::get(t.shape, b.getF32Type());
  case Encoding::F32:
    return RankedTensorType::get(t.shape, b.getF32Type());
  default:
    // Every other ggml block format stays as the file's blocks, read by
    // kernels that decode them: never requantized to something else.
    if (t.shape.size() == 2)
      return QTensorType::get(&ctx, t.shape, b.getF32Type(),
                              QuantSchemeAttr::getGGML(&ctx, t.encoding));
    return RankedTensorType::get(t.shape, b.getF32Type());
  }
}

static std::string absolute(llvm::StringRef path) {
  llvm::SmallString<256> p(path);
  llvm::sys::fs::make_absolute(p);
  llvm::sys::path::remove_dots(p, /*remove_dot_dot=*/true);
  return std::string(p);
}

namespace {
/// Emits the forward function of one checkpoint.
class ForwardBuilder {
public:
  ForwardBuilder(OpBuilder &b, const Checkpoint &ckpt, ModuleOp module)
      : b(b), c(ckpt.config), module(module) {}

  void build();

private:
  Value weight(const std::string &name) {
    auto global = module.lookupSymbol<GlobalOp>(name);
    assert(global && "validated checkpoint lacks a weight");
    return WeightOp::create(b, loc, global.getType(),
                            FlatSymbolRefAttr::get(b.getContext(), name));
  }
  RankedTensorType act(int64_t width) {
    return RankedTensorType::get({ShapedType::kDynamic, width},
                                 b.getF32Type());
  }
  Value linear(Value x, const std::string &w, int64_t out,
               const std::string &bias = "") {
    Value bv = bias.empty() ? Value() : weight(bias);
    return LinearOp::create(b, loc, act(out), x, weight(w), bv,
                            /*prefill_products=*/TypeAttr());
  }
  Value norm(Value x, const std::string &w) {
    return RMSNormOp::create(b, loc, x, weight(w),
                             b.getF64FloatAttr(c.normEps));
  }
  Value rope(Value x, Value pos) {
    auto op = RoPEOp::create(b, loc, x, pos, b.getI64IntegerAttr(c.headDim),
                             b.getF64FloatAttr(c.ropeTheta), nullptr);
    if (c.ropeScaling)
      op.setScalingAttr(RopeScalingAttr::get(
          b.getContext(), llvm::APFloat(c.ropeScaling->factor),
          llvm::APFloat(c.ropeScaling->lowFreqFactor),
          llvm::APFloat(c.ropeScaling->highFreqFactor),
          c.ropeScaling->originalMaxPositionEmbeddings));
    return op;
  }

  OpBuilder &b;
  const ModelConfig &c;
  ModuleOp module;
  Location loc = b.getUnknownLoc();
};
} // namespace

void ForwardBuilder::build() {
  MLIRContext *ctx = b.getContext();
  auto cacheType = KVCacheType::get(ctx, c.nLayers, c.nKVHeads, c.headDim,
                                    b.getF32Type());
  auto tokensType = RankedTensorType::get({ShapedType::kDynamic},
                                          b.getI32Type());
  auto logitsType = act(c.vocabSize);
  auto fnType = b.getFunctionType(
      {tokensType, b.getIndexType(), b.getIndexType(), cacheType},
      {logitsType});
  auto fn = func::FuncOp::create(b, loc, kForwardFuncName, fnType);
  fn.setArgAttr(0, "dsc.name", b.getStringAttr("tokens"));
  fn.setArgAttr(1, "dsc.name", b.getStringAttr("pos"));
  fn.setArgAttr(2, "dsc.name", b.getStringAttr("n_out"));
  fn.setArgAttr(3, "dsc.name", b.getStringAttr("cache"));
  Block *entry = fn.addEntryBlock();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);
  Value tokens = entry->getArgument(0), pos = entry->getArgument(1),
        nOut = entry->getArgument(2), cache = entry->getArgument(3);

  int64_t qDim = c.nHeads * c.headDim, kvDim = c.nKVHeads * c.headDim;
  loc = NameLoc::get(b.getStringAttr("token_embd"));
  Value x = EmbeddingOp::create(b, loc, act(c.dim), weight("token_embd"),
                                tokens);
  for (int64_t l = 0; l < c.nLayers; ++l) {
    std::string p = "blk." + std::to_string(l) + ".";
    loc = NameLoc::get(b.getStringAttr("blk." + std::to_string(l) + ".attn"));
    Value h = norm(x, p + "attn_norm");
    bool bias = c.attentionBias;
    Value q = linear(h, p + "attn_q", qDim, bias ? p + "attn_q.bias" : "");
    Value k = linear(h, p + "attn_k", kvDim, bias ? p + "attn_k.bias" : "");
    Value v = linear(h, p + "attn_v", kvDim, bias ? p + "attn_v.bias" : "");
    q = rope(q, pos);
    k = rope(k, pos);
    auto attn = AttentionOp::create(
        b, loc, act(qDim), q, k, v, cache, pos, b.getI64IntegerAttr(l),
        b.getI64IntegerAttr(c.nHeads), nullptr,
        b.getI64IntegerAttr(c.slidingWindow));
    Value o = linear(attn, p + "attn_output", c.dim);
    x = AddOp::create(b, loc, x, o);
    loc = NameLoc::get(b.getStringAttr("blk." + std::to_string(l) + ".ffn"));
    Value h2 = norm(x, p + "ffn_norm");
    Value gate = linear(h2, p + "ffn_gate", c.hiddenDim);
    Value up = linear(h2, p + "ffn_up", c.hiddenDim);
    Value act = MulOp::create(b, loc, SiLUOp::create(b, loc, gate), up);
    Value down = linear(act, p + "ffn_down", c.dim);
    x = AddOp::create(b, loc, x, down);
  }
  loc = NameLoc::get(b.getStringAttr("output"));
  // Logits only for the last n_out rows.
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value rows = tensor::DimOp::create(b, loc, x, zero);
  Value first = arith::SubIOp::create(b, loc, rows, nOut);
  SmallVector<OpFoldResult> offsets{first, b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes{nOut, b.getIndexAttr(c.dim)};
  SmallVector<OpFoldResult> strides{b.getIndexAttr(1), b.getIndexAttr(1)};
  Value last = tensor::ExtractSliceOp::create(b, loc, act(c.dim), x, offsets,
                                              sizes, strides);
  Value f = norm(last, "output_norm");
  Value logits =
      linear(f, c.tieEmbeddings ? "token_embd" : "output", c.vocabSize);
  func::ReturnOp::create(b, loc, logits);
}

OwningOpRef<ModuleOp> buildModule(MLIRContext &ctx, const Checkpoint &ckpt) {
  ctx.loadDialect<DscDialect, func::FuncDialect, arith::ArithDialect,
                  tensor::TensorDialect>();
  OpBuilder b(&ctx);
  const ModelConfig &c = ckpt.config;
  OwningOpRef<ModuleOp> module = ModuleOp::create(
      FileLineColLoc::get(&ctx, absolute(ckpt.path), 0, 0));
  RopeScalingAttr scaling;
  if (c.ropeScaling)
    scaling = RopeScalingAttr::get(
        &ctx, llvm::APFloat(c.ropeScaling->factor),
        llvm::APFloat(c.ropeScaling->lowFreqFactor),
        llvm::APFloat(c.ropeScaling->highFreqFactor),
        c.ropeScaling->originalMaxPositionEmbeddings);
  (*module)->setAttr(
      DscDialect::getConfigAttrName(),
      ModelConfigAttr::get(&ctx, c.arch, c.vocabSize, c.dim, c.hiddenDim,
                           c.nLayers, c.nHeads, c.nKVHeads, c.headDim,
                           c.maxSeqLen, llvm::APFloat(c.ropeTheta),
                           llvm::APFloat(c.normEps), c.tieEmbeddings,
                           c.attentionBias, c.slidingWindow, scaling));
  if (ckpt.tokenizer)
    (*module)->setAttr(
        DscDialect::getTokenizerAttrName(),
        b.getDictionaryAttr(
            {b.getNamedAttr("path", b.getStringAttr(absolute(ckpt.tokenizer->path))),
             b.getNamedAttr("kind", b.getStringAttr(ckpt.tokenizer->kind))}));

  b.setInsertionPointToEnd(module->getBody());
  // Globals in a stable order: embedding, layers, final norm, classifier.
  std::vector<const TensorRef *> order;
  for (const TensorRef &t : ckpt.tensors)
    order.push_back(&t);
  auto rank = [&](const std::string &n) -> std::pair<int64_t, std::string> {
    if (n == "token_embd")
      return {-1, n};
    if (llvm::StringRef(n).starts_with("blk.")) {
      llvm::StringRef rest = llvm::StringRef(n).drop_front(4);
      auto [num, tail] = rest.split('.');
      int64_t l = 0;
      num.getAsInteger(10, l);
      return {l, tail.str()};
    }
    return {c.nLayers + (n == "output_norm" ? 0 : 1), n};
  };
  llvm::stable_sort(order, [&](const TensorRef *a, const TensorRef *b) {
    return rank(a->name) < rank(b->name);
  });
  for (const TensorRef *t : order) {
    Attribute src = FileSourceAttr::get(
        &ctx, absolute(t->file), static_cast<int64_t>(t->offset),
        static_cast<int64_t>(t->size), t->encoding);
    for (const TensorFixup &f : t->fixups)
      src = f.kind == TensorFixup::Transpose
                ? Attribute(TransposeSourceAttr::get(&ctx, src))
                : Attribute(RopePermuteSourceAttr::get(&ctx, src, f.heads));
    GlobalOp::create(b, NameLoc::get(b.getStringAttr(t->name)), t->name,
                     weightType(ctx, *t), src, IntegerAttr(),
                     TiledLayoutAttr());
  }
  ForwardBuilder(b, ckpt, *module).build();
  return module;
}

} // namespace dsc
