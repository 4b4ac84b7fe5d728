//===- CodegenLowerLinalg.cpp - element-wise ops, norms, RoPE to linalg ---===//
//
// The ops computed in generated code become linalg.generic on tensors, so
// that bufferization places their results and linalg's transformations
// (loops, tiling, vectorization) apply. Element-wise results name their
// first operand as destination: bufferization writes over it when it dies
// there. The arithmetic is the reference's, with reassociation allowed in
// reductions so that they vectorize.
//
//===----------------------------------------------------------------------===//

#include "Dsc/Transforms/CodegenLower.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace mlir::dsc;
using namespace mlir::dsc::lower;

namespace {

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

constexpr auto kPar = utils::IteratorType::parallel;
constexpr auto kRed = utils::IteratorType::reduction;

Value generic(OpBuilder &b, Location loc, ValueRange ins, Value out,
              ArrayRef<AffineMap> maps, ArrayRef<utils::IteratorType> iters,
              BodyFn body) {
  return linalg::GenericOp::create(
             b, loc, out.getType(), ins, ValueRange{out}, maps, iters,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args));
             })
      .getResult(0);
}

AffineMap identity(MLIRContext *ctx, unsigned n) {
  return AffineMap::getMultiDimIdentityMap(n, ctx);
}
/// (s, d) -> (s): a per-row value.
AffineMap rowMap(MLIRContext *ctx) {
  return AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
}
/// (s, d) -> (d): a per-column value.
AffineMap colMap(MLIRContext *ctx) {
  return AffineMap::get(2, 0, getAffineDimExpr(1, ctx));
}

/// A [rows] f32 tensor filled with `init`.
Value rowAccumulator(OpBuilder &b, Location loc, Value rows, double init) {
  Value e =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{ShapedType::kDynamic},
                              b.getF32Type(), ValueRange{rows});
  return linalg::FillOp::create(b, loc, ValueRange{f32(b, loc, init)},
                                ValueRange{e})
      .getResult(0);
}

/// acc[s] = combine(acc[s], x[s, d]) over d.
Value reduceRows(OpBuilder &b, Location loc, Value x, Value acc,
                 BodyFn combine) {
  MLIRContext *ctx = b.getContext();
  return generic(b, loc, {x}, acc, {identity(ctx, 2), rowMap(ctx)},
                 {kPar, kRed}, combine);
}

/// v[s] = f(v[s]) in place.
Value mapRows(OpBuilder &b, Location loc, Value v,
              function_ref<Value(OpBuilder &, Location, Value)> f) {
  MLIRContext *ctx = b.getContext();
  return generic(
      b, loc, {}, v, {identity(ctx, 1)}, {kPar},
      [&](OpBuilder &nb, Location l, ValueRange a) { return f(nb, l, a[0]); });
}

Value silu(OpBuilder &b, Location loc, Value v) {
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
  Value den = arith::AddFOp::create(b, loc, f32(b, loc, 1.0), e);
  return arith::DivFOp::create(b, loc, v, den);
}

Value gelu(OpBuilder &b, Location loc, Value a) {
  // The tanh approximation.
  Value x3 =
      arith::MulFOp::create(b, loc, a, arith::MulFOp::create(b, loc, a, a));
  Value inner = arith::MulFOp::create(
      b, loc, f32(b, loc, 0.7978845608028654),
      arith::AddFOp::create(
          b, loc, a, arith::MulFOp::create(b, loc, f32(b, loc, 0.044715), x3)));
  Value th = math::TanhOp::create(b, loc, inner);
  return arith::MulFOp::create(
      b, loc, arith::MulFOp::create(b, loc, f32(b, loc, 0.5), a),
      arith::AddFOp::create(b, loc, f32(b, loc, 1.0), th));
}

/// One pattern for each element-wise op, its scalar function given by `F`.
template <typename OpT, Value (*F)(OpBuilder &, Location, ValueRange)>
struct ElementwiseLowering : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor a,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange ins = a.getOperands();
    SmallVector<AffineMap> maps(ins.size() + 1,
                                identity(rewriter.getContext(), 2));
    rewriter.replaceOp(
        op, generic(rewriter, op.getLoc(), ins, ins[0], maps, {kPar, kPar}, F));
    return success();
  }
};

Value addBody(OpBuilder &b, Location l, ValueRange v) {
  return arith::AddFOp::create(b, l, v[0], v[1]);
}
Value mulBody(OpBuilder &b, Location l, ValueRange v) {
  return arith::MulFOp::create(b, l, v[0], v[1]);
}
Value swigluBody(OpBuilder &b, Location l, ValueRange v) {
  return arith::MulFOp::create(b, l, silu(b, l, v[0]), v[1]);
}
Value siluBody(OpBuilder &b, Location l, ValueRange v) {
  return silu(b, l, v[0]);
}
Value geluBody(OpBuilder &b, Location l, ValueRange v) {
  return gelu(b, l, v[0]);
}

struct RMSNormLowering : OpConversionPattern<RMSNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RMSNormOp op, OpAdaptor a,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t dim = op.getType().getDimSize(1);
    rewriter.replaceOp(
        op, rmsNorm(rewriter, loc, a.getInput(), a.getWeight(),
                    f32(rewriter, loc, dim),
                    f32(rewriter, loc, op.getEps().convertToDouble())));
    return success();
  }
};

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor a,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, softmax(rewriter, op.getLoc(), a.getInput()));
    return success();
  }
};

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

/// The cos/sin tables come from a kernel; the rotation of each head's pairs
/// (2i, 2i+1) is a generic over [rows, heads, half, 2].
struct RoPELowering : OpConversionPattern<RoPEOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RoPEOp op, OpAdaptor a,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = a.getInput();
    Value n = rows(rewriter, loc, x);
    int64_t headDim = op.getHeadDim(), half = headDim / 2;
    int64_t heads = op.getType().getDimSize(1) / headDim;
    auto dyn = ShapedType::kDynamic;
    Type f32Type = rewriter.getF32Type();
    std::vector<float> freqs = ropeFrequencies(
        headDim, op.getTheta().convertToDouble(), op.getScalingAttr());
    auto freqType = RankedTensorType::get({half}, f32Type);
    Value freqT = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(freqType, ArrayRef<float>(freqs)));
    auto tableType = RankedTensorType::get({dyn, half}, f32Type);
    auto tables = UKernelOp::create(
        rewriter, loc, TypeRange{tableType, tableType}, Kernel::rope_table,
        ValueRange{freqT},
        ValueRange{empty(rewriter, loc, tableType, n),
                   empty(rewriter, loc, tableType, n)},
        ValueRange{toI64(rewriter, loc, n), toI64(rewriter, loc, a.getPos()),
                   i64(rewriter, loc, half)});
    auto pairsType = RankedTensorType::get({dyn, heads, half, 2}, f32Type);
    SmallVector<ReassociationIndices> groups = {{0}, {1, 2, 3}};
    Value pairs = tensor::ExpandShapeOp::create(
        rewriter, loc, pairsType, x, groups,
        ArrayRef<OpFoldResult>{n, rewriter.getIndexAttr(heads),
                               rewriter.getIndexAttr(half),
                               rewriter.getIndexAttr(2)});
    Value rotated = ropeRotate(rewriter, loc, pairs, tables.getResult(0),
                               tables.getResult(1));
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, op.getType(),
                                                         rotated, groups);
    return success();
  }
};

/// Float tables: result[s, d] = table[ids[s], d], widened to f32.
struct EmbeddingLowering : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor a,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<RankedTensorType>(op.getTable().getType()))
      return failure();
    rewriter.replaceOp(op, embedRows(rewriter, op.getLoc(), a.getTable(),
                                     a.getIds(), op.getType()));
    return success();
  }
};

} // namespace

void mlir::dsc::populateCodegenLowerLinalgPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ElementwiseLowering<AddOp, addBody>,
               ElementwiseLowering<MulOp, mulBody>,
               ElementwiseLowering<SwiGLUOp, swigluBody>,
               ElementwiseLowering<SiLUOp, siluBody>,
               ElementwiseLowering<GELUOp, geluBody>, RMSNormLowering,
               SoftmaxLowering, RoPELowering, EmbeddingLowering>(
      patterns.getContext());
}

Value lower::rmsNorm(OpBuilder &b, Location loc, Value x, Value weight,
                     Value dim, Value eps) {
  MLIRContext *ctx = b.getContext();
  auto fast = reassoc(ctx);
  Value sum =
      reduceRows(b, loc, x, rowAccumulator(b, loc, rows(b, loc, x), 0.0),
                 [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
                   Value sq = arith::MulFOp::create(nb, l, v[0], v[0], fast);
                   return arith::AddFOp::create(nb, l, v[1], sq, fast);
                 });
  Value inv =
      mapRows(b, loc, sum, [&](OpBuilder &nb, Location l, Value s) -> Value {
        Value mean = arith::DivFOp::create(nb, l, s, dim);
        return math::RsqrtOp::create(nb, l,
                                     arith::AddFOp::create(nb, l, mean, eps));
      });
  return generic(b, loc, {x, inv, weight}, x,
                 {identity(ctx, 2), rowMap(ctx), colMap(ctx), identity(ctx, 2)},
                 {kPar, kPar},
                 [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                   Value n = arith::MulFOp::create(nb, l, v[0], v[1]);
                   return arith::MulFOp::create(nb, l, n, toF32(nb, l, v[2]));
                 });
}

Value lower::softmax(OpBuilder &b, Location loc, Value x) {
  MLIRContext *ctx = b.getContext();
  Value n = rows(b, loc, x);
  auto fast = reassoc(ctx);
  auto id = identity(ctx, 2);
  Value mx = reduceRows(b, loc, x, rowAccumulator(b, loc, n, -INFINITY),
                        [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                          return arith::MaximumFOp::create(nb, l, v[1], v[0]);
                        });
  Value e = generic(b, loc, {x, mx}, x, {id, rowMap(ctx), id}, {kPar, kPar},
                    [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                      return math::ExpOp::create(
                          nb, l, arith::SubFOp::create(nb, l, v[0], v[1]));
                    });
  Value sum =
      reduceRows(b, loc, e, rowAccumulator(b, loc, n, 0.0),
                 [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
                   return arith::AddFOp::create(nb, l, v[1], v[0], fast);
                 });
  Value inv =
      mapRows(b, loc, sum, [](OpBuilder &nb, Location l, Value s) -> Value {
        return arith::DivFOp::create(nb, l, f32(nb, l, 1.0), s);
      });
  return generic(b, loc, {e, inv}, e, {id, rowMap(ctx), id}, {kPar, kPar},
                 [](OpBuilder &nb, Location l, ValueRange v) -> Value {
                   return arith::MulFOp::create(nb, l, v[0], v[1]);
                 });
}

Value lower::ropeRotate(OpBuilder &b, Location loc, Value pairs, Value cos,
                        Value sin) {
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto c = [&](int64_t v) { return getAffineConstantExpr(v, ctx); };
  AffineMap even = AffineMap::get(4, 0, {d(0), d(1), d(2), c(0)}, ctx);
  AffineMap odd = AffineMap::get(4, 0, {d(0), d(1), d(2), c(1)}, ctx);
  AffineMap table = AffineMap::get(4, 0, {d(0), d(2)}, ctx);
  auto type = cast<RankedTensorType>(pairs.getType());
  return generic(
      b, loc, {pairs, pairs, cos, sin},
      empty(b, loc, type, rows(b, loc, pairs), pairs),
      {even, odd, table, table, identity(ctx, 4)}, {kPar, kPar, kPar, kPar},
      [](OpBuilder &nb, Location l, ValueRange v) -> Value {
        Value x0 = v[0], x1 = v[1], cs = v[2], sn = v[3];
        Value r0 =
            arith::SubFOp::create(nb, l, arith::MulFOp::create(nb, l, x0, cs),
                                  arith::MulFOp::create(nb, l, x1, sn));
        Value r1 =
            arith::AddFOp::create(nb, l, arith::MulFOp::create(nb, l, x0, sn),
                                  arith::MulFOp::create(nb, l, x1, cs));
        Value first = arith::CmpIOp::create(
            nb, l, arith::CmpIPredicate::eq, linalg::IndexOp::create(nb, l, 3),
            arith::ConstantIndexOp::create(nb, l, 0));
        return arith::SelectOp::create(nb, l, first, r0, r1);
      });
}

Value lower::embedRows(OpBuilder &b, Location loc, Value table, Value ids,
                       RankedTensorType type) {
  MLIRContext *ctx = b.getContext();
  return generic(
      b, loc, {ids}, empty(b, loc, type, rows(b, loc, ids), table),
      {rowMap(ctx), identity(ctx, 2)}, {kPar, kPar},
      [&](OpBuilder &nb, Location l, ValueRange v) -> Value {
        Value id = arith::IndexCastOp::create(nb, l, nb.getIndexType(), v[0]);
        Value col = linalg::IndexOp::create(nb, l, 1);
        return toF32(
            nb, l,
            tensor::ExtractOp::create(nb, l, table, ValueRange{id, col}));
      });
}

Value lower::kvRows(OpBuilder &b, Location loc, Value x, Value kvHeads,
                    Value headDim, RankedTensorType type) {
  SmallVector<Value> dyn;
  Value sizes[] = {kvHeads, rows(b, loc, x), headDim};
  for (int64_t d = 0; d < 3; ++d)
    if (type.isDynamicDim(d))
      dyn.push_back(sizes[d]);
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(),
                                       type.getElementType(), dyn);
  return generic(
      b, loc, {}, init, {identity(b.getContext(), 3)}, {kPar, kPar, kPar},
      [&](OpBuilder &nb, Location l, ValueRange) -> Value {
        Value g = linalg::IndexOp::create(nb, l, 0);
        Value s = linalg::IndexOp::create(nb, l, 1);
        Value d = linalg::IndexOp::create(nb, l, 2);
        Value col = arith::AddIOp::create(
            nb, l, arith::MulIOp::create(nb, l, g, headDim), d);
        return tensor::ExtractOp::create(nb, l, x, ValueRange{s, col});
      });
}
