//===- CodegenLowerKernels.cpp - weights and micro-kernel calls -----------===//
//
// The ops whose work is a micro-kernel (dsc/abi/kernels.def) become
// dsc.ukernel on tensors; the kernel is chosen by the weight's format from
// what the target's kernels read (targets/registry).
//
//===----------------------------------------------------------------------===//

#include "Dsc/Transforms/CodegenLower.h"

#include "Dsc/IR/QuantTiles.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include "dsc/abi/kv_cache.h"
#include "dsc/abi/quant_layout.h"

using namespace mlir;
using namespace mlir::dsc;
using namespace mlir::dsc::lower;

namespace {

GlobalOp globalOf(Value weight) {
  auto w = weight.getDefiningOp<WeightOp>();
  return w ? SymbolTable::lookupNearestSymbolFrom<GlobalOp>(w,
                                                            w.getGlobalAttr())
           : GlobalOp();
}

/// Kernel arguments describing a tiled quantized weight: its group size
/// and flags (dsc/abi/quant_layout.h).
std::pair<int64_t, int64_t> quantArgs(QTensorType q, TiledLayoutAttr layout) {
  QuantSchemeAttr s = q.getScheme();
  int64_t flags = (s.getSymmetric() ? 0 : DSC_QFLAG_ASYM) |
                  (s.getScaleType().isF32() ? DSC_QFLAG_F32_SCALE : 0) |
                  (isTwoLevel(s) ? DSC_QFLAG_SUPER : 0);
  return {layout.getCols(), flags};
}

/// Whether the rows of `v` lie one after the other in its buffer, as
/// kernels read them: true unless a slice takes part of each row.
bool hasContiguousRows(Value v) {
  while (auto slice = v.getDefiningOp<tensor::ExtractSliceOp>()) {
    RankedTensorType source = slice.getSourceType();
    for (int64_t d = 0; d < source.getRank(); ++d) {
      std::optional<int64_t> stride =
          getConstantIntValue(slice.getMixedStrides()[d]);
      if (!stride || *stride != 1)
        return false;
      if (d == 0)
        continue;
      std::optional<int64_t> offset =
          getConstantIntValue(slice.getMixedOffsets()[d]);
      std::optional<int64_t> size =
          getConstantIntValue(slice.getMixedSizes()[d]);
      if (!offset || *offset != 0 || !size || *size != source.getDimSize(d))
        return false;
    }
    v = slice.getSource();
  }
  return true;
}

Value ukernel(OpBuilder &b, Location loc, Kernel kernel, ValueRange ins,
              ValueRange outs, ValueRange args) {
  // Kernels take bare pointers: a slice of columns is copied into rows of
  // its own first.
  SmallVector<Value> inputs(ins);
  for (Value &in : inputs) {
    auto type = dyn_cast<RankedTensorType>(in.getType());
    if (!type || hasContiguousRows(in))
      continue;
    SmallVector<Value> dyn;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dyn.push_back(tensor::DimOp::create(b, loc, in, d));
    Value copy = tensor::EmptyOp::create(b, loc, type.getShape(),
                                         type.getElementType(), dyn);
    in = linalg::CopyOp::create(b, loc, in, copy).getResult(0);
  }
  SmallVector<Type> results;
  for (Value out : outs)
    if (isa<TensorType>(out.getType()))
      results.push_back(out.getType());
  auto op = UKernelOp::create(b, loc, results, kernel, inputs, outs, args);
  return op->getNumResults() ? op->getResult(0) : Value();
}

/// A weight is a read-only view of the weight blob (the function's first
/// argument) at its offset; a quantized one, its bytes.
struct WeightLowering : OpConversionPattern<WeightOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(WeightOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto global =
        SymbolTable::lookupNearestSymbolFrom<GlobalOp>(op, op.getGlobalAttr());
    if (!global || !global.getOffset())
      return op.emitOpError("weight '")
             << op.getGlobal()
             << "' has no blob offset; run dsc-weights-assign-offsets first";
    auto fn = op->getParentOfType<func::FuncOp>();
    Location loc = op.getLoc();
    RankedTensorType type;
    if (auto q = dyn_cast<QTensorType>(op.getType()))
      type = RankedTensorType::get(
          {static_cast<int64_t>(getStorageBytes(q, global.getLayoutAttr()))},
          rewriter.getI8Type());
    else
      type = cast<RankedTensorType>(op.getType());
    Value offset = arith::ConstantIndexOp::create(
        rewriter, loc, global.getOffsetAttr().getInt());
    Value view = memref::ViewOp::create(
        rewriter, loc, MemRefType::get(type.getShape(), type.getElementType()),
        fn.getArgument(0), offset, ValueRange{});
    rewriter.replaceOpWithNewOp<bufferization::ToTensorOp>(
        op, type, view, /*restrict=*/true, /*writable=*/false);
    return success();
  }
};

struct LinearLowering : OpConversionPattern<LinearOp> {
  LinearLowering(MLIRContext *ctx, const TargetInfo &target)
      : OpConversionPattern(ctx), target(target) {}
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor a,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto wType = cast<ShapedType>(op.getWeight().getType());
    int64_t n = wType.getDimSize(0), k = wType.getDimSize(1);
    GlobalOp global = globalOf(op.getWeight());
    TiledLayoutAttr layout =
        global ? global.getLayoutAttr() : TiledLayoutAttr();
    Value rows = lower::rows(rewriter, loc, a.getInput());
    SmallVector<Value> args = {toI64(rewriter, loc, rows),
                               i64(rewriter, loc, k), i64(rewriter, loc, n)};
    std::optional<Kernel> kernel;
    auto q = dyn_cast<QTensorType>(wType);
    if (q && q.getScheme().isGGML()) {
      // The file's blocks, row by row; the kernel decodes them.
      Encoding format = *q.getScheme().getBlocks();
      if (!target.supportsGGMLFormat(stringifyEncoding(format)))
        return op.emitOpError("target '")
               << target.name << "' has no kernel for "
               << stringifyEncoding(format) << " blocks";
      kernel = Kernel::linear_ggml;
      args.push_back(i64(rewriter, loc, getGGMLType(format)));
    } else if (q && layout && layout.getRows() == DSC_QR16_ROWS) {
      // Row-interleaved int4:group=32 blocks; the shape says the rest.
      if (!target.rowInterleavedQ4)
        return op.emitOpError("target '")
               << target.name << "' has no kernel for row-interleaved "
               << "int4 blocks";
      kernel = Kernel::linear_q4_r16;
    } else if (q) {
      if (!layout)
        return op.emitOpError("quantized weights must be tiled by "
                              "dsc-weights-pack (4 rows by scale groups)");
      auto [group, flags] = quantArgs(q, layout);
      kernel = findQuantLinearKernel(q.getScheme().getBits());
      if (!kernel || !target.supportsQuantBits(q.getScheme().getBits()))
        return op.emitOpError("target '")
               << target.name << "' has no kernel for "
               << q.getScheme().getBits() << "-bit weights";
      args.push_back(i64(rewriter, loc, group));
      args.push_back(i64(rewriter, loc, flags));
    } else {
      Type et = wType.getElementType();
      std::string typeName;
      llvm::raw_string_ostream(typeName) << et;
      TileShape tile;
      if (layout)
        tile = {layout.getRows(), layout.getCols()};
      kernel = findLinearKernel(typeName, tile);
      if (!kernel || !target.supportsWeightType(typeName))
        return op.emitOpError("target '")
               << target.name << "' has no linear kernel for " << et
               << " weights"
               << (layout ? " in tiles of " + std::to_string(tile.rows) + "x" +
                                std::to_string(tile.cols)
                          : std::string());
      // Permission to multiply prompts in bf16, taken where the target's
      // kernels have such products for the tiled layout; elsewhere the
      // exact kernel above.
      if (op.getPrefillProducts() && op.getPrefillProducts()->isBF16() &&
          target.bf16Products &&
          kernel == findLinearKernel(typeName, {4, 16})) {
        kernel = Kernel::linear_t4x16_bf16_products;
        args.push_back(i64(rewriter, loc, et.isF32() ? 0 : et.isF16() ? 1 : 2));
      }
    }
    RankedTensorType type = op.getType();
    Value y = ukernel(rewriter, loc, *kernel, {a.getInput(), a.getWeight()},
                      {empty(rewriter, loc, type, rows)}, args);
    if (Value bias = a.getBias()) {
      // The bias is added after the kernel, whatever its type.
      MLIRContext *ctx = rewriter.getContext();
      auto id = AffineMap::getMultiDimIdentityMap(2, ctx);
      auto col = AffineMap::get(2, 0, getAffineDimExpr(1, ctx));
      auto par = utils::IteratorType::parallel;
      y = linalg::GenericOp::create(rewriter, loc, type, ValueRange{bias},
                                    ValueRange{y}, ArrayRef<AffineMap>{col, id},
                                    ArrayRef<utils::IteratorType>{par, par},
                                    [](OpBuilder &b, Location l, ValueRange v) {
                                      Value r = arith::AddFOp::create(
                                          b, l, v[1], toF32(b, l, v[0]));
                                      linalg::YieldOp::create(b, l, r);
                                    })
              .getResult(0);
    }
    rewriter.replaceOp(op, y);
    return success();
  }
  const TargetInfo &target;
};

/// Quantized tables are read by a kernel; float ones by a loop
/// (CodegenLowerLinalg.cpp).
struct QuantEmbeddingLowering : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor a,
                  ConversionPatternRewriter &rewriter) const override {
    auto q = dyn_cast<QTensorType>(op.getTable().getType());
    if (!q)
      return failure();
    Location loc = op.getLoc();
    int64_t dim = op.getType().getDimSize(1);
    if (std::optional<Encoding> format = q.getScheme().getBlocks()) {
      // One row of blocks decoded per token.
      Value rows = lower::rows(rewriter, loc, a.getIds());
      Value out = ukernel(rewriter, loc, Kernel::embedding_ggml,
                          {a.getTable(), a.getIds()},
                          {empty(rewriter, loc, op.getType(), rows)},
                          {toI64(rewriter, loc, rows), i64(rewriter, loc, dim),
                           i64(rewriter, loc, getGGMLType(*format))});
      rewriter.replaceOp(op, out);
      return success();
    }
    GlobalOp global = globalOf(op.getTable());
    if (!global || !global.getLayoutAttr() ||
        global.getLayoutAttr().getRows() != 4)
      return op.emitOpError("quantized tables must be tiled by "
                            "dsc-weights-pack (4 rows by scale groups)");
    auto [group, flags] = quantArgs(q, global.getLayoutAttr());
    Value rows = lower::rows(rewriter, loc, a.getIds());
    Value out = ukernel(
        rewriter, loc, Kernel::embedding_q_t4, {a.getTable(), a.getIds()},
        {empty(rewriter, loc, op.getType(), rows)},
        {toI64(rewriter, loc, rows), i64(rewriter, loc, dim),
         i64(rewriter, loc, group), i64(rewriter, loc, q.getScheme().getBits()),
         i64(rewriter, loc, flags)});
    rewriter.replaceOp(op, out);
    return success();
  }
};

/// Attention stores into and reads the KV cache in place: the cache is the
/// function's memref argument on both forms of the kernel call. The store
/// of the block's keys and values is generated code (lower::kvRows into a
/// view of the cache at the rows' positions), so that the CUDA kernel that
/// stores them is derived from it; the micro-kernel only reads the cache.
struct AttentionLowering : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor a,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value cache = a.getCache();
    if (auto cast = cache.getDefiningOp<UnrealizedConversionCastOp>())
      cache = cast.getInputs()[0];
    if (!isa<MemRefType>(cache.getType()))
      return rewriter.notifyMatchFailure(op, "the cache is not a buffer");
    KVCacheType ct = op.getCache().getType();
    Value rows = lower::rows(rewriter, loc, a.getQuery());
    // The context length follows from the cache's size (dsc/abi/kv_cache.h).
    int64_t perPos = dsc_kv_per_position(ct.getNumLayers(), ct.getNumKVHeads(),
                                         ct.getHeadDim());
    Value size = memref::DimOp::create(rewriter, loc, cache, 0);
    Value ctx = arith::DivUIOp::create(
        rewriter, loc, size,
        arith::ConstantIndexOp::create(rewriter, loc, perPos));
    // The keys then the values of the block, each a view [kv_heads, rows,
    // head_dim] of its layer's block (dsc/abi/kv_cache.h) from position
    // pos: offset dsc_kv_block(layer, which, ...), linear in ctx, plus pos
    // rows of head_dim; strides ctx * head_dim, head_dim, 1. The stores are
    // `restrict` although every layer's pair writes views of the one cache:
    // the views are disjoint, and no tensor reads one back.
    int64_t kvh = ct.getNumKVHeads(), hd = ct.getHeadDim();
    auto rowsType = RankedTensorType::get({kvh, ShapedType::kDynamic, hd},
                                          rewriter.getF32Type());
    Value kvhV = arith::ConstantIndexOp::create(rewriter, loc, kvh);
    Value hdV = arith::ConstantIndexOp::create(rewriter, loc, hd);
    Value posHd = arith::MulIOp::create(rewriter, loc, a.getPos(), hdV);
    Value rowStride = arith::MulIOp::create(rewriter, loc, ctx, hdV);
    Value stored[] = {a.getKey(), a.getValue()};
    for (int which = 0; which < 2; ++which) {
      Value block = arith::MulIOp::create(
          rewriter, loc, ctx,
          arith::ConstantIndexOp::create(
              rewriter, loc,
              dsc_kv_block(op.getLayer(), which, kvh, /*ctx=*/1, hd)));
      Value offset = arith::AddIOp::create(rewriter, loc, block, posHd);
      auto view = memref::ReinterpretCastOp::create(
          rewriter, loc, cache, offset,
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(kvh), rows,
                                 rewriter.getIndexAttr(hd)},
          ArrayRef<OpFoldResult>{rowStride, rewriter.getIndexAttr(hd),
                                 rewriter.getIndexAttr(1)});
      Value t =
          lower::kvRows(rewriter, loc, stored[which], kvhV, hdV, rowsType);
      auto m = bufferization::MaterializeInDestinationOp::create(
          rewriter, loc, TypeRange{}, t, view.getResult());
      m.setRestrict(true);
      m.setWritable(true);
    }
    Value out =
        ukernel(rewriter, loc, Kernel::attention, {a.getQuery()},
                {empty(rewriter, loc, op.getType(), rows), cache},
                {i64(rewriter, loc, op.getLayer()), toI64(rewriter, loc, rows),
                 toI64(rewriter, loc, a.getPos()), toI64(rewriter, loc, ctx),
                 i64(rewriter, loc, ct.getNumLayers()),
                 i64(rewriter, loc, op.getNHeads()),
                 i64(rewriter, loc, ct.getNumKVHeads()),
                 i64(rewriter, loc, ct.getHeadDim()),
                 f32(rewriter, loc, op.getScaleOrDefault()),
                 i64(rewriter, loc, op.getWindow())});
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct ObserveLowering : OpConversionPattern<ObserveOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ObserveOp op, OpAdaptor a,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value rows = lower::rows(rewriter, loc, a.getInput());
    ukernel(rewriter, loc, Kernel::rt_observe, {a.getInput()}, {},
            {i64(rewriter, loc, op.getIdAttr().getInt()),
             toI64(rewriter, loc, rows),
             i64(rewriter, loc, op.getInput().getType().getDimSize(1))});
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void mlir::dsc::populateCodegenLowerKernelPatterns(RewritePatternSet &patterns,
                                                   const TargetInfo &target) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<WeightLowering, QuantEmbeddingLowering, AttentionLowering,
               ObserveLowering>(ctx);
  patterns.add<LinearLowering>(ctx, target);
}
