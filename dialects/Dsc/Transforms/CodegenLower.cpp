//===- CodegenLower.cpp - forward function to loops and kernel calls ------===//
//
// The forward function is straight-line code over tensors, so bufferization
// and lowering are done in one walk: each op's result gets a buffer (or
// reuses the buffer of an operand that dies there), the op becomes loops or
// a micro-kernel call on buffers, and buffers are freed after their last use.
//
//===----------------------------------------------------------------------===//

#include "Dsc/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

#include "dsc/abi/kv_cache.h"
#include "dsc/abi/model_desc.h"
#include "dsc/abi/quant_layout.h"
#include "registry/KernelABI.h"

#include <cmath>

namespace mlir::dsc {
#define GEN_PASS_DEF_CODEGENLOWER
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;
using namespace mlir::dsc;

namespace {

/// RoPE inverse frequencies, computed at compile time (float32 like the
/// reference implementations), with Llama-3 scaling when asked for.
std::vector<float> ropeFrequencies(int64_t headDim, double theta,
                                   RopeScalingAttr scaling) {
  std::vector<float> freqs(headDim / 2);
  for (int64_t i = 0; i < headDim / 2; ++i) {
    double f = 1.0 / std::pow(theta, static_cast<double>(2 * i) / headDim);
    if (scaling) {
      double factor = scaling.getFactor().convertToDouble();
      double lo = scaling.getLowFreqFactor().convertToDouble();
      double hi = scaling.getHighFreqFactor().convertToDouble();
      double orig =
          static_cast<double>(scaling.getOriginalMaxPositionEmbeddings());
      double wavelen = 2 * M_PI / f;
      if (wavelen > orig / lo) {
        f /= factor;
      } else if (wavelen >= orig / hi) {
        double smooth = (orig / wavelen - lo) / (hi - lo);
        f = (1 - smooth) * f / factor + smooth * f;
      }
    }
    freqs[i] = static_cast<float>(f);
  }
  return freqs;
}

/// Kernel arguments describing a tiled quantized weight: its group size
/// and flags (dsc/abi/quant_layout.h).
static std::pair<int64_t, int64_t> quantArgs(QTensorType q,
                                             TiledLayoutAttr layout) {
  QuantSchemeAttr s = q.getScheme();
  int64_t flags = (s.getSymmetric() ? 0 : DSC_QFLAG_ASYM) |
                  (s.getScaleType().isF32() ? DSC_QFLAG_F32_SCALE : 0);
  return {layout.getCols(), flags};
}

class ForwardLowering {
public:
  ForwardLowering(ModuleOp module, func::FuncOp fn,
                  const TargetInfo &target)
      : module(module), fn(fn), target(target), b(module.getContext()) {}

  LogicalResult run();

private:
  // Types and constants.
  Type f32() { return b.getF32Type(); }
  Type i64() { return b.getI64Type(); }
  Type ptrTy() { return LLVM::LLVMPointerType::get(b.getContext()); }
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value cf32(double v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value c64(int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
  }
  GlobalOp globalOf(Value weight);
  Value toI64(Value index) {
    return arith::IndexCastOp::create(b, loc, i64(), index);
  }
  arith::FastMathFlagsAttr fast() {
    return arith::FastMathFlagsAttr::get(
        b.getContext(), arith::FastMathFlags::reassoc |
                            arith::FastMathFlags::contract);
  }

  /// Aligned base pointer of a buffer, plus its offset, as !llvm.ptr.
  Value barePtr(Value memref);
  /// Declares (once) and calls a micro-kernel, with the types of its C
  /// declaration (dsc/abi/kernels.h).
  void callKernel(Kernel kernel, ArrayRef<Value> args);

  /// Buffer for the result of `op`, reusing `reuse` (an operand) when this
  /// is its last use and it is a whole buffer of the same type.
  Value resultBuffer(Value result, Value rows, Value reuse = {});
  Value rowsOf(Value memref) {
    return memref::DimOp::create(b, loc, memref, 0);
  }
  /// for i in [0, n): body(i)
  void loop(Value n, function_ref<void(Value)> body);
  Value load(Value m, ValueRange ix) { return memref::LoadOp::create(b, loc, m, ix); }
  void store(Value v, Value m, ValueRange ix) {
    memref::StoreOp::create(b, loc, v, m, ix);
  }
  Value toF32(Value v) {
    return v.getType().isF32() ? v : arith::ExtFOp::create(b, loc, f32(), v);
  }

  LogicalResult lowerOp(Operation *op);
  LogicalResult lowerWeight(WeightOp op);
  LogicalResult lowerEmbedding(EmbeddingOp op);
  void lowerRMSNorm(RMSNormOp op);
  LogicalResult lowerLinear(LinearOp op);
  void lowerRoPE(RoPEOp op);
  void lowerAttention(AttentionOp op);
  void lowerElementwise(Operation *op);
  void lowerSoftmax(SoftmaxOp op);
  void emitModelDesc();

  ModuleOp module;
  func::FuncOp fn;
  const TargetInfo &target;
  OpBuilder b;
  Location loc = UnknownLoc::get(module.getContext());
  func::FuncOp newFn;
  IRMapping map;
  Value weightsArg, tokensArg, posArg, nOutArg, cacheArg, logitsArg;
  Value returned; // the tensor the old function returns
  // Buffers allocated here and the index of the op that uses them last.
  llvm::DenseMap<Value, int64_t> lastUse;
  llvm::DenseMap<Value, Value> rootOf; // subviews -> the buffer they alias
  llvm::SmallVector<Value> owned;
  int64_t current = 0;
  llvm::DenseMap<Attribute, std::pair<Value, Value>> ropeTables;
  llvm::StringSet<> declared;
};

} // namespace

Value ForwardLowering::barePtr(Value m) {
  auto type = cast<MemRefType>(m.getType());
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, m);
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, m);
  Value bytes = arith::MulIOp::create(
      b, loc, meta.getOffset(),
      idx(type.getElementType().getIntOrFloatBitWidth() / 8));
  Value addr = arith::AddIOp::create(b, loc, base, bytes);
  return LLVM::IntToPtrOp::create(b, loc, ptrTy(), toI64(addr));
}

void ForwardLowering::callKernel(Kernel kernel, ArrayRef<Value> args) {
  const KernelSignature &sig = getKernelSignature(kernel);
  SmallVector<Type> types;
  for (char kind : sig.argKinds)
    types.push_back(kind == 'p' ? ptrTy() : kind == 'i' ? i64() : f32());
  assert(args.size() == types.size() &&
         llvm::all_of(llvm::zip(args, types),
                      [](auto p) {
                        return std::get<0>(p).getType() == std::get<1>(p);
                      }) &&
         "kernel call does not match its declaration in dsc/abi/kernels.def");
  if (!declared.contains(sig.symbol)) {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(newFn);
    auto decl = func::FuncOp::create(b, loc, sig.symbol,
                                     b.getFunctionType(types, {}));
    decl.setPrivate();
    declared.insert(sig.symbol);
  }
  func::CallOp::create(b, loc, sig.symbol, TypeRange{}, args);
}

void ForwardLowering::loop(Value n, function_ref<void(Value)> body) {
  auto forOp = scf::ForOp::create(b, loc, idx(0), n, idx(1));
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToStart(forOp.getBody());
  body(forOp.getInductionVar());
}

Value ForwardLowering::resultBuffer(Value result, Value rows, Value reuse) {
  if (result == returned)
    return logitsArg;
  auto t = cast<RankedTensorType>(result.getType());
  auto memType = MemRefType::get(t.getShape(), t.getElementType());
  if (reuse) {
    Value buf = map.lookup(reuse);
    auto it = lastUse.find(buf);
    if (it != lastUse.end() && it->second == current &&
        buf.getType() == memType && !rootOf.count(buf)) {
      // The operand dies here: write the result over it. run() gives the
      // buffer the result's last use.
      lastUse.erase(it);
      return buf;
    }
  }
  SmallVector<Value> dyn;
  if (t.isDynamicDim(0))
    dyn.push_back(rows);
  Value buf = memref::AllocOp::create(b, loc, memType, dyn, b.getI64IntegerAttr(64));
  owned.push_back(buf);
  return buf;
}

LogicalResult ForwardLowering::lowerWeight(WeightOp op) {
  auto global = SymbolTable::lookupNearestSymbolFrom<GlobalOp>(
      op, op.getGlobalAttr());
  if (!global || !global.getOffset())
    return op.emitOpError("weight '")
           << op.getGlobal()
           << "' has no blob offset; run dsc-weights-assign-offsets first";
  Type memType;
  if (auto q = dyn_cast<QTensorType>(op.getType()))
    memType = MemRefType::get(
        {static_cast<int64_t>(getStorageBytes(q, global.getLayoutAttr()))},
        b.getI8Type());
  else {
    auto t = cast<RankedTensorType>(op.getType());
    memType = MemRefType::get(t.getShape(), t.getElementType());
  }
  Value view = memref::ViewOp::create(
      b, loc, memType, weightsArg,
      idx(static_cast<int64_t>(global.getOffsetAttr().getInt())), ValueRange{});
  map.map(op.getResult(), view);
  return success();
}

LogicalResult ForwardLowering::lowerEmbedding(EmbeddingOp op) {
  Value ids = map.lookup(op.getIds());
  Value table = map.lookup(op.getTable());
  Value rows = rowsOf(ids);
  Value out = resultBuffer(op.getResult(), rows);
  int64_t dim = op.getResult().getType().getDimSize(1);
  if (auto q = dyn_cast<QTensorType>(op.getTable().getType())) {
    GlobalOp global = globalOf(op.getTable());
    if (!global || !global.getLayoutAttr())
      return op.emitOpError("quantized tables must be tiled by "
                            "dsc-weights-pack (4 rows by scale groups)");
    auto [group, flags] = quantArgs(q, global.getLayoutAttr());
    callKernel(Kernel::embedding_q_t4,
               {barePtr(table), barePtr(ids), barePtr(out), toI64(rows),
                c64(dim), c64(group), c64(q.getScheme().getBits()),
                c64(flags)});
    map.map(op.getResult(), out);
    return success();
  }
  loop(rows, [&](Value s) {
    Value id = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                          load(ids, {s}));
    loop(idx(dim), [&](Value d) {
      store(toF32(load(table, {id, d})), out, {s, d});
    });
  });
  map.map(op.getResult(), out);
  return success();
}

void ForwardLowering::lowerRMSNorm(RMSNormOp op) {
  Value x = map.lookup(op.getInput());
  Value w = map.lookup(op.getWeight());
  Value rows = rowsOf(x);
  int64_t dim = op.getInput().getType().getDimSize(1);
  Value out = resultBuffer(op.getResult(), rows, op.getInput());
  double eps = op.getEps().convertToDouble();
  loop(rows, [&](Value s) {
    auto sum = scf::ForOp::create(
        b, loc, idx(0), idx(dim), idx(1), ValueRange{cf32(0.0)},
        [&](OpBuilder &nb, Location l, Value d, ValueRange acc) {
          Value v = memref::LoadOp::create(nb, l, x, ValueRange{s, d});
          Value sq = arith::MulFOp::create(nb, l, v, v, fast());
          Value next = arith::AddFOp::create(nb, l, acc[0], sq, fast());
          scf::YieldOp::create(nb, l, next);
        });
    Value mean = arith::DivFOp::create(b, loc, sum.getResult(0), cf32(dim));
    Value inv = math::RsqrtOp::create(
        b, loc, arith::AddFOp::create(b, loc, mean, cf32(eps)));
    loop(idx(dim), [&](Value d) {
      Value v = arith::MulFOp::create(b, loc, load(x, {s, d}), inv);
      store(arith::MulFOp::create(b, loc, v, toF32(load(w, {d}))), out, {s, d});
    });
  });
  map.map(op.getResult(), out);
}

GlobalOp ForwardLowering::globalOf(Value weight) {
  auto w = weight.getDefiningOp<WeightOp>();
  return w ? SymbolTable::lookupNearestSymbolFrom<GlobalOp>(w, w.getGlobalAttr())
           : GlobalOp();
}

LogicalResult ForwardLowering::lowerLinear(LinearOp op) {
  Value x = map.lookup(op.getInput());
  Value w = map.lookup(op.getWeight());
  Value rows = rowsOf(x);
  auto wType = cast<ShapedType>(op.getWeight().getType());
  int64_t n = wType.getDimSize(0), k = wType.getDimSize(1);
  Value out = resultBuffer(op.getResult(), rows);
  GlobalOp global = globalOf(op.getWeight());
  TiledLayoutAttr layout = global ? global.getLayoutAttr() : TiledLayoutAttr();
  if (auto q = dyn_cast<QTensorType>(wType)) {
    if (!layout)
      return op.emitOpError("quantized weights must be tiled by "
                            "dsc-weights-pack (4 rows by scale groups)");
    auto [group, flags] = quantArgs(q, layout);
    auto kernel = findQuantLinearKernel(q.getScheme().getBits());
    if (!kernel || !target.supportsQuantBits(q.getScheme().getBits()))
      return op.emitOpError("target '")
             << target.name << "' has no kernel for "
             << q.getScheme().getBits() << "-bit weights";
    callKernel(*kernel, {barePtr(x), barePtr(w), barePtr(out), toI64(rows),
                         c64(k), c64(n), c64(group), c64(flags)});
  } else {
    Type et = wType.getElementType();
    std::string typeName;
    llvm::raw_string_ostream(typeName) << et;
    TileShape tile;
    if (layout)
      tile = {layout.getRows(), layout.getCols()};
    auto kernel = findLinearKernel(typeName, tile);
    if (!kernel || !target.supportsWeightType(typeName))
      return op.emitOpError("target '")
             << target.name << "' has no linear kernel for " << et
             << " weights"
             << (layout ? " in tiles of " + std::to_string(tile.rows) + "x" +
                              std::to_string(tile.cols)
                        : std::string());
    callKernel(*kernel, {barePtr(x), barePtr(w), barePtr(out), toI64(rows),
                         c64(k), c64(n)});
  }
  if (Value bias = op.getBias()) {
    Value bv = map.lookup(bias);
    loop(rows, [&](Value s) {
      loop(idx(n), [&](Value j) {
        store(arith::AddFOp::create(b, loc, load(out, {s, j}),
                                    toF32(load(bv, {j}))),
              out, {s, j});
      });
    });
  }
  map.map(op.getResult(), out);
  return success();
}

void ForwardLowering::lowerRoPE(RoPEOp op) {
  Value x = map.lookup(op.getInput());
  Value rows = rowsOf(x);
  int64_t headDim = op.getHeadDim(), half = headDim / 2;
  int64_t width = op.getInput().getType().getDimSize(1);
  // One cos/sin table per (head_dim, theta, scaling) and forward call.
  auto key = ArrayAttr::get(b.getContext(),
                            {op.getHeadDimAttr(), op.getThetaAttr(),
                             op.getScalingAttr() ? Attribute(op.getScalingAttr())
                                                 : b.getUnitAttr()});
  auto it = ropeTables.find(key);
  if (it == ropeTables.end()) {
    std::vector<float> freqs = ropeFrequencies(
        headDim, op.getTheta().convertToDouble(), op.getScalingAttr());
    auto gType = MemRefType::get({half}, f32());
    std::string name = "__dsc_rope_freqs_" + std::to_string(ropeTables.size());
    {
      OpBuilder::InsertionGuard g(b);
      b.setInsertionPoint(newFn);
      memref::GlobalOp::create(
          b, loc, name, b.getStringAttr("private"), gType,
          DenseElementsAttr::get(RankedTensorType::get({half}, f32()),
                                 ArrayRef<float>(freqs)),
          /*constant=*/true, /*alignment=*/nullptr);
    }
    Value freqsBuf = memref::GetGlobalOp::create(b, loc, gType, name);
    auto tableType = MemRefType::get({ShapedType::kDynamic, half}, f32());
    // The tables live until the end of the function.
    Value cosT = memref::AllocOp::create(b, loc, tableType, ValueRange{rows});
    Value sinT = memref::AllocOp::create(b, loc, tableType, ValueRange{rows});
    callKernel(Kernel::rope_table,
               {barePtr(freqsBuf), barePtr(cosT), barePtr(sinT), toI64(rows),
                toI64(posArg), c64(half)});
    it = ropeTables.try_emplace(key, cosT, sinT).first;
  }
  Value cosT = it->second.first, sinT = it->second.second;
  Value out = resultBuffer(op.getResult(), rows, op.getInput());
  loop(rows, [&](Value s) {
    loop(idx(width / headDim), [&](Value h) {
      Value base = arith::MulIOp::create(b, loc, h, idx(headDim));
      loop(idx(half), [&](Value i) {
        Value i2 = arith::AddIOp::create(
            b, loc, base, arith::MulIOp::create(b, loc, i, idx(2)));
        Value i2p = arith::AddIOp::create(b, loc, i2, idx(1));
        Value x0 = load(x, {s, i2}), x1 = load(x, {s, i2p});
        Value c = load(cosT, {s, i}), sn = load(sinT, {s, i});
        Value r0 = arith::SubFOp::create(
            b, loc, arith::MulFOp::create(b, loc, x0, c),
            arith::MulFOp::create(b, loc, x1, sn));
        Value r1 = arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, x0, sn),
            arith::MulFOp::create(b, loc, x1, c));
        store(r0, out, {s, i2});
        store(r1, out, {s, i2p});
      });
    });
  });
  map.map(op.getResult(), out);
}

void ForwardLowering::lowerAttention(AttentionOp op) {
  Value q = map.lookup(op.getQuery()), k = map.lookup(op.getKey()),
        v = map.lookup(op.getValue());
  KVCacheType ct = op.getCache().getType();
  Value rows = rowsOf(q);
  Value out = resultBuffer(op.getResult(), rows);
  // The context length follows from the cache's size (dsc/abi/kv_cache.h).
  int64_t perPos = dsc_kv_per_position(ct.getNumLayers(), ct.getNumKVHeads(),
                                       ct.getHeadDim());
  Value ctx = arith::DivUIOp::create(b, loc, rowsOf(cacheArg), idx(perPos));
  callKernel(Kernel::attention,
             {barePtr(q), barePtr(k), barePtr(v), barePtr(out),
              barePtr(cacheArg), c64(op.getLayer()), toI64(rows),
              toI64(posArg), toI64(ctx), c64(ct.getNumLayers()),
              c64(op.getNHeads()), c64(ct.getNumKVHeads()),
              c64(ct.getHeadDim()),
              arith::ConstantOp::create(
                  b, loc, b.getF32FloatAttr(op.getScaleOrDefault())),
              c64(op.getWindow())});
  map.map(op.getResult(), out);
}

void ForwardLowering::lowerElementwise(Operation *op) {
  Value x = map.lookup(op->getOperand(0));
  Value y = op->getNumOperands() > 1 ? map.lookup(op->getOperand(1)) : Value();
  auto t = cast<RankedTensorType>(op->getResult(0).getType());
  Value rows = rowsOf(x);
  Value out = resultBuffer(op->getResult(0), rows, op->getOperand(0));
  int64_t width = t.getDimSize(1);
  auto silu = [&](Value v) {
    Value neg = arith::NegFOp::create(b, loc, v);
    Value e = math::ExpOp::create(b, loc, neg);
    Value den = arith::AddFOp::create(b, loc, cf32(1.0), e);
    return arith::DivFOp::create(b, loc, v, den).getResult();
  };
  loop(rows, [&](Value s) {
    loop(idx(width), [&](Value d) {
      Value a = load(x, {s, d});
      Value r;
      if (isa<AddOp>(op))
        r = arith::AddFOp::create(b, loc, a, load(y, {s, d}));
      else if (isa<MulOp>(op))
        r = arith::MulFOp::create(b, loc, a, load(y, {s, d}));
      else if (isa<SwiGLUOp>(op))
        r = arith::MulFOp::create(b, loc, silu(a), load(y, {s, d}));
      else if (isa<SiLUOp>(op))
        r = silu(a);
      else { // GELU, tanh approximation
        Value x3 = arith::MulFOp::create(
            b, loc, a, arith::MulFOp::create(b, loc, a, a));
        Value inner = arith::MulFOp::create(
            b, loc, cf32(0.7978845608028654),
            arith::AddFOp::create(
                b, loc, a, arith::MulFOp::create(b, loc, cf32(0.044715), x3)));
        Value th = math::TanhOp::create(b, loc, inner);
        r = arith::MulFOp::create(
            b, loc, arith::MulFOp::create(b, loc, cf32(0.5), a),
            arith::AddFOp::create(b, loc, cf32(1.0), th));
      }
      store(r, out, {s, d});
    });
  });
  map.map(op->getResult(0), out);
}

void ForwardLowering::lowerSoftmax(SoftmaxOp op) {
  Value x = map.lookup(op.getInput());
  Value rows = rowsOf(x);
  int64_t width = op.getType().getDimSize(1);
  Value out = resultBuffer(op.getResult(), rows, op.getInput());
  loop(rows, [&](Value s) {
    auto mx = scf::ForOp::create(
        b, loc, idx(0), idx(width), idx(1),
        ValueRange{cf32(-INFINITY)},
        [&](OpBuilder &nb, Location l, Value d, ValueRange acc) {
          Value v = memref::LoadOp::create(nb, l, x, ValueRange{s, d});
          scf::YieldOp::create(nb, l,
                               Value(arith::MaximumFOp::create(nb, l, acc[0], v)));
        });
    auto sum = scf::ForOp::create(
        b, loc, idx(0), idx(width), idx(1), ValueRange{cf32(0.0)},
        [&](OpBuilder &nb, Location l, Value d, ValueRange acc) {
          Value v = memref::LoadOp::create(nb, l, x, ValueRange{s, d});
          Value e = math::ExpOp::create(
              nb, l, arith::SubFOp::create(nb, l, v, mx.getResult(0)));
          memref::StoreOp::create(nb, l, e, out, ValueRange{s, d});
          scf::YieldOp::create(nb, l,
                               Value(arith::AddFOp::create(nb, l, acc[0], e, fast())));
        });
    Value inv = arith::DivFOp::create(b, loc, cf32(1.0), sum.getResult(0));
    loop(idx(width), [&](Value d) {
      store(arith::MulFOp::create(b, loc, load(out, {s, d}), inv), out, {s, d});
    });
  });
  map.map(op.getResult(), out);
}

LogicalResult ForwardLowering::lowerOp(Operation *op) {
  loc = op->getLoc();
  if (auto w = dyn_cast<WeightOp>(op))
    return lowerWeight(w);
  if (auto e = dyn_cast<EmbeddingOp>(op))
    return lowerEmbedding(e);
  if (auto n = dyn_cast<RMSNormOp>(op))
    return lowerRMSNorm(n), success();
  if (auto l = dyn_cast<LinearOp>(op))
    return lowerLinear(l);
  if (auto r = dyn_cast<RoPEOp>(op))
    return lowerRoPE(r), success();
  if (auto a = dyn_cast<AttentionOp>(op))
    return lowerAttention(a), success();
  if (auto s = dyn_cast<SoftmaxOp>(op))
    return lowerSoftmax(s), success();
  if (auto o = dyn_cast<ObserveOp>(op)) {
    Value x = map.lookup(o.getInput());
    callKernel(Kernel::rt_observe,
               {c64(o.getIdAttr().getInt()), barePtr(x), toI64(rowsOf(x)),
                c64(o.getInput().getType().getDimSize(1))});
    return success();
  }
  if (isa<AddOp, MulOp, SwiGLUOp, SiLUOp, GELUOp>(op))
    return lowerElementwise(op), success();
  if (auto d = dyn_cast<tensor::DimOp>(op)) {
    map.map(d.getResult(), memref::DimOp::create(b, loc, map.lookup(d.getSource()),
                                                 map.lookup(d.getIndex())));
    return success();
  }
  if (auto s = dyn_cast<tensor::ExtractSliceOp>(op)) {
    Value src = map.lookup(s.getSource());
    auto offsets = llvm::map_to_vector(s.getMixedOffsets(), [&](OpFoldResult f) {
      if (auto v = dyn_cast<Value>(f))
        return OpFoldResult(map.lookupOrDefault(v));
      return f;
    });
    auto sizes = llvm::map_to_vector(s.getMixedSizes(), [&](OpFoldResult f) {
      if (auto v = dyn_cast<Value>(f))
        return OpFoldResult(map.lookupOrDefault(v));
      return f;
    });
    Value view = memref::SubViewOp::create(b, loc, src, offsets, sizes,
                                           s.getMixedStrides());
    Value root = rootOf.lookup(src) ? rootOf.lookup(src) : src;
    rootOf[view] = root;
    map.map(s.getResult(), view);
    return success();
  }
  if (isa<arith::ArithDialect>(op->getDialect())) {
    b.clone(*op, map);
    return success();
  }
  if (auto ret = dyn_cast<func::ReturnOp>(op)) {
    Value v = map.lookup(ret.getOperand(0));
    if (v != logitsArg)
      memref::CopyOp::create(b, loc, v, logitsArg);
    return success();
  }
  return op->emitOpError("cannot be lowered by dsc-codegen-lower");
}

void ForwardLowering::emitModelDesc() {
  ModelConfigAttr c = getModelConfig(module);
  int64_t size = 0, id = 0;
  if (auto a = module->getAttrOfType<IntegerAttr>(kWeightsSizeAttr))
    size = a.getInt();
  if (auto a = module->getAttrOfType<IntegerAttr>(kModelIdAttr))
    id = a.getInt();
  // The struct the runtime reads (dsc/abi/model_desc.h), emitted as the
  // int64 array it is laid out as.
  dsc_model_desc_t d = {};
  d.magic = DSC_MODEL_DESC_MAGIC;
  d.version = DSC_MODEL_DESC_VERSION;
  d.vocab = c.getVocabSize();
  d.dim = c.getDim();
  d.layers = c.getNLayers();
  d.heads = c.getNHeads();
  d.kv_heads = c.getNKvHeads();
  d.head_dim = c.getHeadDim();
  d.max_seq = c.getMaxSeqLen();
  d.weights_size = size;
  d.model_id = id;
  d.kv_elem_bytes = 4;
  SmallVector<int64_t> desc;
#define DSC_DESC_FIELD(name, meaning) desc.push_back(d.name);
#include "dsc/abi/model_desc.def"
#undef DSC_DESC_FIELD
  OpBuilder::InsertionGuard g(b);
  b.setInsertionPointToEnd(module.getBody());
  auto arrTy = LLVM::LLVMArrayType::get(i64(), desc.size());
  LLVM::GlobalOp::create(b, loc, arrTy, /*isConstant=*/true,
                         LLVM::Linkage::External, kModelDescName,
                         b.getI64TensorAttr(desc));
}

LogicalResult ForwardLowering::run() {
  MLIRContext *ctx = module.getContext();
  ModelConfigAttr config = getModelConfig(module);
  if (!config)
    return module.emitError("dsc-codegen-lower needs the module's dsc.config");
  FunctionType ft = fn.getFunctionType();
  auto cacheType = ft.getNumInputs() == 4
                       ? dyn_cast<KVCacheType>(ft.getInput(3))
                       : KVCacheType();
  auto logitsType = ft.getNumResults() == 1
                        ? dyn_cast<RankedTensorType>(ft.getResult(0))
                        : RankedTensorType();
  if (!cacheType || !logitsType || logitsType.getRank() != 2)
    return fn.emitOpError("expected the forward signature (tensor<?xi32>, "
                          "index, index, !dsc.kv_cache) -> tensor<?xVxf32>");
  std::string cacheElem;
  llvm::raw_string_ostream(cacheElem) << cacheType.getElementType();
  if (cacheElem != target.kvCacheType)
    return fn.emitOpError("target '")
           << target.name << "' keeps the KV cache in " << target.kvCacheType
           << ", not " << cacheElem;
  b.setInsertionPoint(fn);
  auto dyn = ShapedType::kDynamic;
  SmallVector<Type> argTypes = {
      MemRefType::get({dyn}, b.getI8Type()), MemRefType::get({dyn}, b.getI32Type()),
      b.getIndexType(), b.getIndexType(),
      MemRefType::get({dyn}, cacheType.getElementType()),
      MemRefType::get(logitsType.getShape(), f32())};
  newFn = func::FuncOp::create(b, fn.getLoc(), kForwardEntry,
                               b.getFunctionType(argTypes, {}));
  newFn->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
  Block *entry = newFn.addEntryBlock();
  weightsArg = entry->getArgument(0);
  tokensArg = entry->getArgument(1);
  posArg = entry->getArgument(2);
  nOutArg = entry->getArgument(3);
  cacheArg = entry->getArgument(4);
  logitsArg = entry->getArgument(5);
  Block &old = fn.getBody().front();
  map.map(old.getArgument(0), tokensArg);
  map.map(old.getArgument(1), posArg);
  map.map(old.getArgument(2), nOutArg);
  map.map(old.getArgument(3), cacheArg);
  returned = old.getTerminator()->getOperand(0);
  b.setInsertionPointToStart(entry);

  // Index of each op, to free buffers after their last use.
  llvm::DenseMap<Operation *, int64_t> order;
  int64_t i = 0;
  for (Operation &op : old)
    order[&op] = i++;
  auto lastUseOf = [&](Value v) {
    int64_t last = order[v.getDefiningOp() ? v.getDefiningOp() : &old.front()];
    for (Operation *user : v.getUsers())
      last = std::max(last, order[user]);
    return last;
  };
  // A slice keeps the buffer it views alive.
  llvm::DenseMap<Value, int64_t> lastTensorUse;
  for (Operation &op : old)
    for (Value r : op.getResults())
      lastTensorUse[r] = lastUseOf(r);
  for (Operation &op : llvm::reverse(old))
    if (auto s = dyn_cast<tensor::ExtractSliceOp>(op))
      lastTensorUse[s.getSource()] =
          std::max(lastTensorUse[s.getSource()], lastTensorUse[s.getResult()]);

  for (Operation &op : old) {
    current = order[&op];
    if (failed(lowerOp(&op)))
      return failure();
    // Buffers the results live in (new, or operands written over) live
    // until the results' last use.
    for (Value r : op.getResults())
      if (Value buf = map.lookupOrNull(r); buf && llvm::is_contained(owned, buf))
        lastUse[buf] = lastTensorUse[r];
    // Free what dies here.
    for (Value buf : llvm::to_vector(owned)) {
      auto it = lastUse.find(buf);
      if (it != lastUse.end() && it->second <= current) {
        memref::DeallocOp::create(b, loc, buf);
        lastUse.erase(it);
        llvm::erase(owned, buf);
      }
    }
  }
  for (auto &[key, tables] : ropeTables) {
    memref::DeallocOp::create(b, loc, tables.first);
    memref::DeallocOp::create(b, loc, tables.second);
  }
  func::ReturnOp::create(b, loc);
  emitModelDesc();
  fn.erase();
  for (GlobalOp g : llvm::make_early_inc_range(module.getOps<GlobalOp>()))
    g.erase();
  return success();
}

namespace {
struct CodegenLowerPass : dsc::impl::CodegenLowerBase<CodegenLowerPass> {
  using CodegenLowerBase::CodegenLowerBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fn = module.lookupSymbol<func::FuncOp>("forward");
    if (!fn) {
      module.emitError("no func.func @forward to lower");
      return signalPassFailure();
    }
    FailureOr<const TargetInfo *> t = resolveTarget(module, target);
    if (failed(t))
      return signalPassFailure();
    if (failed(ForwardLowering(module, fn, **t).run()))
      signalPassFailure();
  }
};
} // namespace
