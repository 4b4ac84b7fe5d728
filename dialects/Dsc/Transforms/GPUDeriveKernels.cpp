//===- GPUDeriveKernels.cpp - CUDA kernels from the CPU path's lowering ---===//
//
// Some CUDA kernels are not written a second time: a kernel source declares
// one (its name and signature), and this pass gives it the body the CPU
// path's lowering makes of the dsc op (CodegenLowerLinalg.cpp):
//
// - element-wise ops (dsc_cuda_add, dsc_cuda_swiglu): the linalg.generic of
//   dsc-codegen-lower's pattern, moved onto the kernel's memref arguments;
//   dsc-cuda-lower lowers it to parallel loops and blocks of threads.
// - row ops (dsc_cuda_rms_norm, and _v reading four values at a time;
//   attention's dsc_cuda_causal_softmax_block): the chain of linalg ops on
//   tensors that the CPU lowering builds (row reductions, maps of the rows'
//   values, element-wise ops reading them) is mapped a warp a row: a lane
//   walks the columns l, l + 32, ... of each generic in turn, a reduction's
//   lane values are combined by gpu.subgroup_reduce, and the rows' values
//   stay in registers. The reductions' combining op, the maps' and the
//   element-wise bodies are the CPU's, cloned (and widened to vectors for
//   _v). dsc-gpu-map-row-chains applies the same mapping to any chain.
// - the RMSNorm the GEMVs compute as they read the activations
//   (dsc_cuda_rms_squares, dsc_cuda_rms_factor): the same chain's row
//   reduction as a lane's step over four values, and its maps of the rows'
//   values from the lanes' combined partials.
// - RoPE (a thread a pair), the float embeddings and the KV-cache store
//   (a thread a value): the CPU's one generic, its body cloned at the
//   thread's point; dsc_cuda_rope_kv both RoPE's and the store's, for the
//   keys' pairs in the same thread.
//
//===----------------------------------------------------------------------===//

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/CodegenLower.h"
#include "Dsc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Transforms/DialectConversion.h"
#include "mlir/Transforms/RegionUtils.h"

#include <cmath>

namespace mlir::dsc {
#define GEN_PASS_DEF_GPUDERIVEKERNELS
#define GEN_PASS_DEF_GPUMAPROWCHAINS
#include "Dsc/Transforms/Passes.h.inc"
} // namespace mlir::dsc

using namespace mlir;

namespace {

/// On a derived kernel: the dsc op whose CPU lowering it is.
constexpr StringLiteral kDerivedFrom = "dsc.derived_from";

/// A scratch function outside the module, from `types` to `result`,
/// returning what `build` makes of its arguments, verified (null where it
/// is not valid); erased with its owner.
OwningOpRef<func::FuncOp>
scratchChain(OpBuilder &b, Location loc, TypeRange types, Type result,
             function_ref<Value(OpBuilder &, Location, ValueRange)> build) {
  auto chain = func::FuncOp::create(loc, "dsc_derive_scratch",
                                    b.getFunctionType(types, {result}));
  OpBuilder cb = OpBuilder::atBlockBegin(chain.addEntryBlock());
  func::ReturnOp::create(cb, loc, build(cb, loc, chain.getArguments()));
  // The CPU lowering's IR is what the kernel is derived from: it must be
  // valid (the verifier's errors point at the kernel), or nothing is.
  if (failed(verify(chain))) {
    chain.erase();
    return nullptr;
  }
  return chain;
}

/// The one linalg.generic of `chain`, beside which only what builds its
/// operands (empty tensors, dims, constants) and the return may stand.
FailureOr<linalg::GenericOp> onlyGeneric(func::FuncOp chain, std::string &why) {
  linalg::GenericOp g;
  for (Operation &op : chain.getBody().front()) {
    if (auto gen = dyn_cast<linalg::GenericOp>(op)) {
      if (g) {
        why = "more than one generic";
        return failure();
      }
      g = gen;
    } else if (!isa<tensor::EmptyOp, tensor::DimOp, arith::ConstantOp,
                    func::ReturnOp>(op)) {
      why = ("a " + op.getName().getStringRef() + " beside the generic").str();
      return failure();
    }
  }
  if (!g) {
    why = "no generic";
    return failure();
  }
  return g;
}

/// `f`'s error for a CPU lowering of `opName` that is not `shape`.
LogicalResult deriveError(func::FuncOp f, StringRef opName, StringRef shape,
                          const Twine &why) {
  return f.emitOpError("dsc-gpu-derive-kernels: the CPU lowering of ")
         << OperationName(opName, f.getContext()) << " is not " << shape << ": "
         << why;
}

/// `g`'s body at one point, cloned by `b` once `map` holds its arguments:
/// linalg.index d becomes `index(d)` (null: not placed), a tensor.extract
/// what `extract` makes of it (none: not placed). Ops with regions and
/// values from outside the body are refused. The yielded value.
FailureOr<Value>
clonePoint(OpBuilder &b, linalg::GenericOp g, IRMapping &map,
           function_ref<Value(unsigned)> index,
           function_ref<FailureOr<Value>(tensor::ExtractOp)> extract,
           std::string &why) {
  for (Operation &op : g.getBody()->without_terminator()) {
    if (auto i = dyn_cast<linalg::IndexOp>(op)) {
      Value v = index(i.getDim());
      if (!v) {
        why = ("a body reading linalg.index " + Twine(i.getDim()) +
               ", which the mapping does not place")
                  .str();
        return failure();
      }
      map.map(i.getResult(), v);
      continue;
    }
    if (auto e = dyn_cast<tensor::ExtractOp>(op)) {
      FailureOr<Value> v = extract ? extract(e) : FailureOr<Value>(failure());
      if (failed(v)) {
        if (why.empty())
          why = "a body extracting from a tensor";
        return failure();
      }
      map.map(e.getResult(), *v);
      continue;
    }
    if (op.getNumRegions()) {
      why = "a body with regions";
      return failure();
    }
    for (Value operand : op.getOperands())
      if (!map.contains(operand)) {
        why = "a body using a value from outside it";
        return failure();
      }
    b.clone(op, map);
  }
  Value v = map.lookupOrNull(g.getBody()->getTerminator()->getOperand(0));
  if (!v) {
    why = "a body yielding a value from outside it";
    return failure();
  }
  return v;
}

/// A body's tensor.extract of `tensor` [rows, cols] at indices the body
/// computes (in `map`), as a load of `buffer`, which holds it row-major
/// with `stride` values a row; `what` names the tensor where the extract
/// reads another or at indices from outside the body.
FailureOr<Value> loadRowMajor(OpBuilder &b, Location loc, tensor::ExtractOp e,
                              const IRMapping &map, Value tensor, Value buffer,
                              Value stride, StringRef what, std::string &why) {
  Value row, col;
  if (e.getTensor() == tensor && e.getIndices().size() == 2) {
    row = map.lookupOrNull(e.getIndices()[0]);
    col = map.lookupOrNull(e.getIndices()[1]);
  }
  if (!row || !col) {
    why =
        ("an extract from other than " + what + " at indices the body computes")
            .str();
    return failure();
  }
  Value at = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, row, stride), col);
  return memref::LoadOp::create(b, loc, buffer, at).getResult();
}

/// Opens a thread a value in `fb` (at the start of a kernel's body): an
/// scf.parallel over [0, n), `fb` left inside it; its index.
Value valueLoop(OpBuilder &fb, Location loc, Value n) {
  Value c0 = arith::ConstantIndexOp::create(fb, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(fb, loc, 1);
  auto loop = scf::ParallelOp::create(fb, loc, c0, n, c1);
  fb.setInsertionPointToStart(loop.getBody());
  return loop.getInductionVars()[0];
}

//===----------------------------------------------------------------------===//
// Element-wise kernels
//===----------------------------------------------------------------------===//

/// The CPU lowering of `opName` on two [n, 1] tensors: the linalg.generic
/// dsc-codegen-lower's pattern makes of it, in `scratch`.
FailureOr<linalg::GenericOp> cpuLowering(OpBuilder &b, Location loc,
                                         OperationName opName,
                                         OwningOpRef<func::FuncOp> &scratch) {
  MLIRContext *ctx = b.getContext();
  auto t = RankedTensorType::get({ShapedType::kDynamic, 1}, b.getF32Type());
  scratch = scratchChain(b, loc, {t, t}, t,
                         [&](OpBuilder &sb, Location l, ValueRange args) {
                           OperationState st(l, opName);
                           st.addOperands(args);
                           st.addTypes(t);
                           return sb.create(st)->getResult(0);
                         });
  if (!scratch)
    return failure();
  RewritePatternSet patterns(ctx);
  dsc::populateCodegenLowerLinalgPatterns(patterns);
  ConversionTarget target(*ctx);
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         math::MathDialect, tensor::TensorDialect,
                         func::FuncDialect>();
  target.addIllegalOp(opName);
  if (failed(applyPartialConversion(*scratch, target, std::move(patterns))))
    return failure();
  // One element-wise generic (identity maps, parallel iterators) over its
  // two operands, nothing else computed. Its body may not read the output
  // (the CPU's is the first operand, the kernel's is not) nor use a value
  // of the scratch function.
  std::string why;
  FailureOr<linalg::GenericOp> only = onlyGeneric(*scratch, why);
  if (failed(only))
    return failure();
  linalg::GenericOp generic = *only;
  if (generic.getNumDpsInputs() != 2 || generic.getNumDpsInits() != 1 ||
      !linalg::isElementwise(generic) ||
      !generic.getRegionOutputArgs()[0].use_empty())
    return failure();
  SetVector<Value> above;
  getUsedValuesDefinedAbove(generic.getRegion(), above);
  if (!above.empty())
    return failure();
  return generic;
}

/// `f(a, b, y, n)`: y = op(a, b) over n values (the runtime's flattened
/// rows), the CPU's generic on the buffers viewed as [n, 1] rows.
LogicalResult deriveElementwise(func::FuncOp f, StringLiteral opName) {
  Location loc = f.getLoc();
  OpBuilder b(f);
  OperationName name(opName, f.getContext());
  OwningOpRef<func::FuncOp> scratch;
  FailureOr<linalg::GenericOp> cpu = cpuLowering(b, loc, name, scratch);
  if (failed(cpu))
    return f.emitOpError("dsc-gpu-derive-kernels: the CPU lowering of ")
           << name << " is not one element-wise linalg.generic of its operands";
  OpBuilder fb = OpBuilder::atBlockBegin(f.addEntryBlock());
  auto rows = MemRefType::get({ShapedType::kDynamic, 1}, b.getF32Type());
  Value n = f.getArgument(3);
  SmallVector<Value> views;
  for (unsigned i = 0; i < 3; ++i)
    views.push_back(memref::ExpandShapeOp::create(
        fb, loc, rows, f.getArgument(i), ArrayRef<ReassociationIndices>{{0, 1}},
        ArrayRef<OpFoldResult>{n, fb.getIndexAttr(1)}));
  // The CPU's generic on the kernel's buffers: its maps, iterators and
  // body; its destination the kernel's output (the CPU's is the first
  // operand, which bufferization overwrites).
  auto g = linalg::GenericOp::create(
      fb, loc, TypeRange{}, ValueRange{views[0], views[1]},
      ValueRange{views[2]}, cpu->getIndexingMapsArray(),
      cpu->getIteratorTypesArray());
  IRMapping map;
  cpu->getRegion().cloneInto(&g.getRegion(), map);
  func::ReturnOp::create(fb, loc);
  return success();
}

//===----------------------------------------------------------------------===//
// Row kernels: a warp a row
//===----------------------------------------------------------------------===//

/// What a scratch function's argument is in the kernel.
struct Binding {
  enum Kind { Rows, Columns, Scalar } kind;
  Value value; // the flat buffer, or the scalar
};

/// The reduction a generic's body makes by combining its output argument.
struct Combining {
  vector::CombiningKind vectorKind;
  gpu::AllReduceOperation gpuKind;
  double identity;
};

/// The combining op of a reduction body: `yield op(out, t)` (either order),
/// `out` used nowhere else.
FailureOr<Combining> combiningOf(linalg::GenericOp g) {
  Value out = g.getRegionOutputArgs()[0];
  auto yield = cast<linalg::YieldOp>(g.getBody()->getTerminator());
  Operation *op = yield.getValues()[0].getDefiningOp();
  if (!op || op->getNumOperands() != 2 || !out.hasOneUse() ||
      (op->getOperand(0) != out && op->getOperand(1) != out))
    return failure();
  if (isa<arith::AddFOp>(op))
    return Combining{vector::CombiningKind::ADD, gpu::AllReduceOperation::ADD,
                     0.0};
  if (isa<arith::MulFOp>(op))
    return Combining{vector::CombiningKind::MUL, gpu::AllReduceOperation::MUL,
                     1.0};
  if (isa<arith::MaximumFOp>(op))
    return Combining{vector::CombiningKind::MAXIMUMF,
                     gpu::AllReduceOperation::MAXIMUMF, -INFINITY};
  if (isa<arith::MinimumFOp>(op))
    return Combining{vector::CombiningKind::MINIMUMF,
                     gpu::AllReduceOperation::MINIMUMF, INFINITY};
  return failure();
}

/// Builds a warp-a-row kernel from a chain of linalg ops on tensors: the
/// body of one lane of the row at `base` in the buffers, `length` columns
/// long. An element-wise generic whose result only later generics read is
/// not stored: each reads it at its own column, its body computed again
/// there (as softmax's exponentials: no [rows, dim] scratch).
///
/// y may be the rows' buffer (softmax in place): a lane reads the rows only
/// at its own columns base + i, and the one store, of the last generic,
/// writes those columns after every read of them. y must not alias a
/// column vector, which every lane of every row reads.
class WarpRows {
public:
  WarpRows(OpBuilder &b, Location loc, unsigned width, Value length, Value lane,
           Value base, Value y)
      : b(b), loc(loc), width(width), length(length), lane(lane), base(base),
        y(y) {}

  LogicalResult run(func::FuncOp chain, ArrayRef<Binding> bindings,
                    std::string &why);

  /// For a kernel that computes the chain's one row reduction over its own
  /// columns (an RMSNorm fused into a GEMV, whose lanes read the row
  /// anyway): the lanes' partials `partial` combined across the warp, then
  /// the chain's maps of the rows' values, up to the value its element-wise
  /// generic reads once a row (the norm's 1 / rms). Nothing is loaded or
  /// stored.
  FailureOr<Value> rowFactor(func::FuncOp chain, ArrayRef<Binding> bindings,
                             Value partial, std::string &why);

  /// The body of the chain's first row reduction at `inputs` (its inputs'
  /// values at one or `width` columns), combined into `acc`: a lane's step
  /// of that reduction, for a kernel that walks the columns itself.
  FailureOr<Value> reductionStep(func::FuncOp chain, ValueRange inputs,
                                 Value acc, std::string &why);

  /// For a block of several warps on one row: every warp computes the
  /// row's reductions and maps (as above, its lanes over the columns), then
  /// a gpu.barrier (so that no warp stores over columns another still
  /// reads: the result may be the row itself), and thread `thread` of
  /// `threads` stores the columns thread, thread + threads, ...
  void storeAcrossBlock(Value thread, Value threads) {
    storeStart = thread;
    storeStep = threads;
  }

private:
  Type wide(Type t) const {
    return width == 1 ? t : VectorType::get({width}, t);
  }
  Value broadcast(Value v) {
    if (width == 1 || isa<VectorType>(v.getType()))
      return v;
    return vector::BroadcastOp::create(b, loc, wide(v.getType()), v);
  }
  /// The value of a [rows, dim] or [dim] tensor at column(s) i of this row.
  FailureOr<Value> load(Value tensor, AffineMap map, Value i, std::string &why);
  /// The body of `g` at one position (a vector of `width` positions for
  /// two-dimensional generics), its arguments `args`.
  FailureOr<Value> cloneBody(linalg::GenericOp g, ArrayRef<Value> args,
                             bool widen, std::string &why);
  /// What `g`'s output argument stands for where its body does not read
  /// it: nothing (cloneBody maps no value to it).
  static Value unread(linalg::GenericOp g) {
    assert(g.getRegionOutputArgs()[0].use_empty() && "the output is read");
    return Value();
  }
  /// The inputs of the two-dimensional generic `g` at column(s) i.
  LogicalResult loadInputs(linalg::GenericOp g, Value i,
                           SmallVector<Value> &vals, std::string &why);
  /// scf.for v = start to length / width step `step` (lane and 32 by
  /// default), i = v * width, as `body` says; its results.
  ValueRange columns(ValueRange inits,
                     function_ref<SmallVector<Value>(Value i, ValueRange)> body,
                     Value start = Value(), Value step = Value());

  OpBuilder &b;
  Location loc;
  unsigned width;
  Value length, lane, base, y;
  DenseMap<Value, Binding> args;
  DenseMap<Value, linalg::GenericOp> recomputed; // read at their columns
  DenseMap<Value, Value> rowValues; // [rows] tensors: this row's value
  DenseMap<Value, double> fills;    // [rows] tensors filled with a constant
  /// rowFactor's: the lanes' partial of the one reduction (combined once),
  /// and the row value found.
  Value givenPartial, factor;
  bool reducedPartial = false;
  /// storeAcrossBlock's: the storing thread and the block's threads.
  Value storeStart, storeStep;
};

FailureOr<Value> WarpRows::load(Value tensor, AffineMap map, Value i,
                                std::string &why) {
  MLIRContext *ctx = b.getContext();
  auto d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx);
  if (map == AffineMap::get(2, 0, d0, ctx) ||
      map == AffineMap::get(1, 0, d0, ctx)) {
    auto it = rowValues.find(tensor);
    if (it == rowValues.end()) {
      why = "an operand read once a row that is not a row's value an "
            "earlier reduction or map computes";
      return failure();
    }
    return it->second;
  }
  bool full = map == AffineMap::get(2, 0, {d0, d1}, ctx);
  auto lazy = recomputed.find(tensor);
  if (lazy != recomputed.end() && full) {
    SmallVector<Value> vals;
    if (failed(loadInputs(lazy->second, i, vals, why)))
      return failure();
    vals.push_back(unread(lazy->second));
    return cloneBody(lazy->second, vals, /*widen=*/true, why);
  }
  auto arg = args.find(tensor);
  bool column = map == AffineMap::get(2, 0, d1, ctx);
  if (arg == args.end() || !(full || column) ||
      arg->second.kind != (full ? Binding::Rows : Binding::Columns)) {
    why = "an operand that is neither the input's rows, a column vector, "
          "a row's value nor an earlier element-wise result at its column";
    return failure();
  }
  Value at = full ? arith::AddIOp::create(b, loc, base, i).getResult() : i;
  Value buffer = arg->second.value;
  if (width == 1)
    return memref::LoadOp::create(b, loc, buffer, at).getResult();
  return vector::LoadOp::create(
             b, loc, VectorType::get({width}, b.getF32Type()), buffer, at,
             /*nontemporal=*/false, llvm::MaybeAlign(4 * width))
      .getResult();
}

FailureOr<Value> WarpRows::cloneBody(linalg::GenericOp g, ArrayRef<Value> vals,
                                     bool widen, std::string &why) {
  IRMapping map;
  Block *body = g.getBody();
  for (auto [arg, v] : llvm::zip(body->getArguments(), vals))
    if (v)
      map.map(arg, v);
  // A value the body has not computed: a scalar argument of the chain or a
  // constant from above (the body's own values are mapped as it goes).
  auto fromAbove = [&](Value v) -> LogicalResult {
    if (map.contains(v))
      return success();
    auto arg = args.find(v);
    if (arg != args.end() && arg->second.kind == Binding::Scalar) {
      map.map(v, arg->second.value);
      return success();
    }
    Operation *def = v.getDefiningOp();
    if (def && isa<arith::ConstantOp>(def) && !g->isAncestor(def)) {
      map.map(v, b.clone(*def)->getResult(0));
      return success();
    }
    why = "a body using a value of the chain that is not a scalar argument "
          "or a constant";
    return failure();
  };
  for (Operation &op : body->without_terminator()) {
    // linalg.index would need the row and column it stands for; regions
    // would carry references into the chain.
    if (op.getNumRegions() || isa<linalg::IndexOp>(op)) {
      why = ("a body with " + op.getName().getStringRef() +
             ", which the mapping does not place (an index or a region)")
                .str();
      return failure();
    }
    for (Value operand : op.getOperands())
      if (failed(fromAbove(operand)))
        return failure();
    if (isa<arith::ConstantOp>(op) || !widen || width == 1) {
      b.clone(op, map);
      continue;
    }
    if (!OpTrait::hasElementwiseMappableTraits(&op)) {
      why = ("a body with " + op.getName().getStringRef() +
             ", which is not element-wise and cannot be widened to vectors")
                .str();
      return failure();
    }
    OperationState st(loc, op.getName());
    for (Value operand : op.getOperands())
      st.addOperands(broadcast(map.lookup(operand)));
    for (Type t : op.getResultTypes())
      st.addTypes(wide(t));
    st.addAttributes(op.getAttrs());
    Operation *w = b.create(st);
    map.map(op.getResults(), w->getResults());
  }
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getNumOperands() != 1) {
    why = "a body yielding more than one value";
    return failure();
  }
  if (failed(fromAbove(yield.getOperand(0))))
    return failure();
  Value v = map.lookup(yield.getOperand(0));
  return widen ? broadcast(v) : v;
}

ValueRange
WarpRows::columns(ValueRange inits,
                  function_ref<SmallVector<Value>(Value, ValueRange)> body,
                  Value start, Value step) {
  if (!start) {
    start = lane;
    step = arith::ConstantIndexOp::create(b, loc, 32);
  }
  Value end = length;
  if (width > 1)
    end = arith::DivUIOp::create(b, loc, length,
                                 arith::ConstantIndexOp::create(b, loc, width));
  auto loop = scf::ForOp::create(b, loc, start, end, step, inits);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value i = loop.getInductionVar();
  if (width > 1)
    i = arith::MulIOp::create(b, loc, i,
                              arith::ConstantIndexOp::create(b, loc, width));
  SmallVector<Value> results = body(i, loop.getRegionIterArgs());
  if (!inits.empty()) // without results, the loop has its yield
    scf::YieldOp::create(b, loc, results);
  return loop.getResults();
}

LogicalResult WarpRows::loadInputs(linalg::GenericOp g, Value i,
                                   SmallVector<Value> &vals, std::string &why) {
  for (OpOperand *in : g.getDpsInputOperands()) {
    FailureOr<Value> v = load(in->get(), g.getMatchingIndexingMap(in), i, why);
    if (failed(v))
      return failure();
    vals.push_back(broadcast(*v));
  }
  return success();
}

LogicalResult WarpRows::run(func::FuncOp chain, ArrayRef<Binding> bindings,
                            std::string &why) {
  for (auto [arg, binding] : llvm::zip(chain.getArguments(), bindings))
    args[arg] = binding;
  Value stored;
  for (Operation &op : chain.getBody().front()) {
    if (isa<tensor::EmptyOp, tensor::DimOp, arith::ConstantOp>(op))
      continue; // used by what follows, if at all
    if (auto fill = dyn_cast<linalg::FillOp>(op)) {
      FloatAttr c;
      if (!matchPattern(fill.getInputs()[0], m_Constant(&c)) ||
          cast<RankedTensorType>(fill.getResult(0).getType()).getRank() != 1) {
        why = "a fill that is not of a [rows] tensor with a constant";
        return failure();
      }
      fills[fill.getResult(0)] = c.getValueAsDouble();
      continue;
    }
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      if (ret.getNumOperands() != 1 || ret.getOperand(0) != stored) {
        why = "a result that is not the last element-wise generic's";
        return failure();
      }
      continue;
    }
    auto g = dyn_cast<linalg::GenericOp>(op);
    if (!g || g.getNumDpsInits() != 1 || g.getNumResults() != 1) {
      why = ("a " + op.getName().getStringRef() +
             ", where a chain has generics with one result")
                .str();
      return failure();
    }
    if (stored) {
      why = "a generic after the element-wise one that writes the result";
      return failure();
    }
    SmallVector<utils::IteratorType> iters = g.getIteratorTypesArray();
    SmallVector<AffineMap> maps = g.getIndexingMapsArray();
    auto par = utils::IteratorType::parallel;
    auto red = utils::IteratorType::reduction;
    Value init = g.getDpsInits()[0];
    MLIRContext *ctx = b.getContext();
    auto d0 = getAffineDimExpr(0, ctx);

    if (iters.size() == 1 && iters[0] == par) {
      // A map of the rows' values: once a row, in every lane.
      SmallVector<Value> vals;
      for (OpOperand *in : g.getDpsInputOperands()) {
        FailureOr<Value> v =
            load(in->get(), g.getMatchingIndexingMap(in), Value(), why);
        if (failed(v))
          return failure();
        vals.push_back(*v);
      }
      auto out = rowValues.find(init);
      if (out != rowValues.end())
        vals.push_back(out->second);
      else if (!g.getRegionOutputArgs()[0].use_empty()) {
        why = "a map of the rows reading an output no earlier op computes";
        return failure();
      } else
        vals.push_back(unread(g));
      FailureOr<Value> v = cloneBody(g, vals, /*widen=*/false, why);
      if (failed(v))
        return failure();
      rowValues[g.getResult(0)] = *v;
      continue;
    }
    if (iters.size() != 2 || iters[0] != par) {
      why = "a generic that is not over [rows] or [rows, dim] with the rows "
            "parallel";
      return failure();
    }
    if (iters[1] == red) {
      // A row reduction: each lane combines its columns from the identity,
      // the warp its lanes.
      FailureOr<Combining> kind = combiningOf(g);
      auto fill = fills.find(init);
      if (failed(kind) || fill == fills.end() ||
          fill->second != kind->identity ||
          maps.back() != AffineMap::get(2, 0, d0, ctx)) {
        why = "a reduction that is not an add, mul, maximumf or minimumf of "
              "the output into a [rows] tensor filled with its identity";
        return failure();
      }
      if (givenPartial) {
        // rowFactor: the kernel's lanes have walked the columns.
        if (reducedPartial) {
          why = "more than one row reduction";
          return failure();
        }
        reducedPartial = true;
        rowValues[g.getResult(0)] = gpu::SubgroupReduceOp::create(
            b, loc, givenPartial, kind->gpuKind, /*uniform=*/true);
        continue;
      }
      Value identity = broadcast(
          arith::ConstantOp::create(b, loc, b.getF32FloatAttr(kind->identity)));
      bool bad = false;
      ValueRange partial =
          columns(identity, [&](Value i, ValueRange acc) -> SmallVector<Value> {
            SmallVector<Value> vals;
            FailureOr<Value> v = failure();
            if (succeeded(loadInputs(g, i, vals, why))) {
              vals.push_back(acc[0]);
              v = cloneBody(g, vals, /*widen=*/true, why);
            }
            bad |= failed(v);
            return {succeeded(v) ? *v : acc[0]};
          });
      if (bad)
        return failure();
      Value lanes = partial[0];
      if (width > 1)
        lanes = vector::ReductionOp::create(b, loc, kind->vectorKind, lanes);
      rowValues[g.getResult(0)] = gpu::SubgroupReduceOp::create(
          b, loc, lanes, kind->gpuKind, /*uniform=*/true);
      continue;
    }

    if (givenPartial) {
      // rowFactor: the first element-wise generic's one operand read once
      // a row.
      for (OpOperand *in : g.getDpsInputOperands()) {
        if (g.getMatchingIndexingMap(in) != AffineMap::get(2, 0, d0, ctx))
          continue;
        auto it = rowValues.find(in->get());
        if (factor || it == rowValues.end()) {
          why = "an element-wise generic that does not read one row value "
                "an earlier reduction or map computes";
          return failure();
        }
        factor = it->second;
      }
      if (!factor)
        why = "an element-wise generic that reads no row value";
      return success(factor != nullptr);
    }
    // Element-wise over [rows, dim], reading the rows' values: the result,
    // stored into the kernel's output, or a value later generics compute
    // again at their columns.
    if (maps.back() != AffineMap::getMultiDimIdentityMap(2, ctx) ||
        !g.getRegionOutputArgs()[0].use_empty()) {
      why = "an element-wise generic reading its output or writing other "
            "than [rows, dim]";
      return failure();
    }
    bool returned = llvm::any_of(g.getResult(0).getUsers(), [](Operation *u) {
      return isa<func::ReturnOp>(u);
    });
    if (!returned) {
      recomputed[g.getResult(0)] = g;
      continue;
    }
    bool bad = false;
    if (storeStart)
      gpu::BarrierOp::create(b, loc);
    columns(
        {},
        [&](Value i, ValueRange) -> SmallVector<Value> {
          SmallVector<Value> vals;
          if (failed(loadInputs(g, i, vals, why))) {
            bad = true;
            return {};
          }
          vals.push_back(unread(g));
          FailureOr<Value> v = cloneBody(g, vals, /*widen=*/true, why);
          if (failed(v)) {
            bad = true;
            return {};
          }
          Value at = arith::AddIOp::create(b, loc, base, i);
          if (width == 1)
            memref::StoreOp::create(b, loc, *v, y, at);
          else
            vector::StoreOp::create(b, loc, *v, y, at, /*nontemporal=*/false,
                                    llvm::MaybeAlign(4 * width));
          return {};
        },
        storeStart, storeStep);
    if (bad)
      return failure();
    stored = g.getResult(0);
  }
  if (!stored) {
    why = "no element-wise generic writing the result";
    return failure();
  }
  return success();
}

FailureOr<Value> WarpRows::rowFactor(func::FuncOp chain,
                                     ArrayRef<Binding> bindings, Value partial,
                                     std::string &why) {
  givenPartial = partial;
  if (failed(run(chain, bindings, why)))
    return failure();
  if (!factor) {
    why = "no element-wise generic reading the rows' values";
    return failure();
  }
  return factor;
}

FailureOr<Value> WarpRows::reductionStep(func::FuncOp chain, ValueRange inputs,
                                         Value acc, std::string &why) {
  for (auto g : chain.getBody().front().getOps<linalg::GenericOp>()) {
    if (!llvm::is_contained(g.getIteratorTypesArray(),
                            utils::IteratorType::reduction))
      continue;
    if (failed(combiningOf(g)) ||
        static_cast<size_t>(g.getNumDpsInputs()) != inputs.size()) {
      why = "a first row reduction that is not an add, mul, maximumf or "
            "minimumf of its output, or of other than " +
            std::to_string(inputs.size()) + " inputs";
      return failure();
    }
    SmallVector<Value> vals(inputs.begin(), inputs.end());
    vals.push_back(acc);
    return cloneBody(g, vals, /*widen=*/true, why);
  }
  why = "no row reduction";
  return failure();
}

/// Where a warp-a-row kernel's rows are and what its chain's arguments are
/// bound to, set up at the start of the kernel.
struct RowKernel {
  Value rows;
  SmallVector<Binding> bindings;
  Value y;
  /// The row's base in the buffers and its length, from its index.
  std::function<std::pair<Value, Value>(OpBuilder &, Value row)> place;
};

/// Gives `f` the body of `chain` a warp a row: rows in blocks, a warp's
/// lanes in threads (the nested parallel loops gpu-map-parallel-loops
/// maps), each lane running WarpRows over its columns, `width` at a time.
LogicalResult deriveWarpRows(func::FuncOp f, func::FuncOp chain, unsigned width,
                             function_ref<RowKernel(OpBuilder &)> setup,
                             std::string &why) {
  Location loc = f.getLoc();
  OpBuilder fb = OpBuilder::atBlockBegin(f.addEntryBlock());
  RowKernel k = setup(fb);
  Value c0 = arith::ConstantIndexOp::create(fb, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(fb, loc, 1);
  Value c32 = arith::ConstantIndexOp::create(fb, loc, 32);
  auto rowLoop = scf::ParallelOp::create(fb, loc, c0, k.rows, c1);
  OpBuilder::InsertPoint end = fb.saveInsertionPoint();
  fb.setInsertionPointToStart(rowLoop.getBody());
  auto laneLoop = scf::ParallelOp::create(fb, loc, c0, c32, c1);
  fb.setInsertionPointToStart(laneLoop.getBody());
  auto [base, length] = k.place(fb, rowLoop.getInductionVars()[0]);
  WarpRows warp(fb, loc, width, length, laneLoop.getInductionVars()[0], base,
                k.y);
  if (failed(warp.run(chain, k.bindings, why)))
    return failure();
  fb.restoreInsertionPoint(end);
  func::ReturnOp::create(fb, loc);
  return success();
}

/// The chain lower::rmsNorm builds for the CPU: (x [rows, dim], w [dim],
/// dim and eps as f32) to the normed rows.
OwningOpRef<func::FuncOp> rmsNormChain(OpBuilder &b, Location loc) {
  Type f32 = b.getF32Type();
  auto dyn = ShapedType::kDynamic;
  auto x2 = RankedTensorType::get({dyn, dyn}, f32);
  return scratchChain(b, loc, {x2, RankedTensorType::get({dyn}, f32), f32, f32},
                      x2, [](OpBuilder &cb, Location l, ValueRange a) {
                        return dsc::lower::rmsNorm(cb, l, a[0], a[1], a[2],
                                                   a[3]);
                      });
}

/// `f(scores, at, u, thread, threads, heads, P)`: attention's softmax, as
/// lower::softmax builds dsc.softmax for the CPU, in place over unit u's
/// scores (u = t * heads + h for query row t and head h: its P-long row at
/// u * P, of which the positions up to at[0] + t are seen), for thread
/// `thread` of a block of `threads` (whole warps) on that row alone:
/// every warp finds the row's maximum and sum (lane
/// thread % 32 over the positions l, l + 32, ...), then, after a barrier,
/// each thread stores the weights of the positions thread, thread +
/// threads, ...: the attention kernel's softmax between its scores and
/// its weighted sums, which every thread of its block calls.
LogicalResult deriveCausalSoftmaxBlock(func::FuncOp f) {
  Location loc = f.getLoc();
  OpBuilder b(f);
  auto dyn = ShapedType::kDynamic;
  auto x2 = RankedTensorType::get({dyn, dyn}, b.getF32Type());
  OwningOpRef<func::FuncOp> chain = scratchChain(
      b, loc, {x2}, x2, [](OpBuilder &cb, Location l, ValueRange a) {
        return dsc::lower::softmax(cb, l, a[0]);
      });
  if (!chain)
    return failure();
  OpBuilder fb = OpBuilder::atBlockBegin(f.addEntryBlock());
  Value scores = f.getArgument(0), at = f.getArgument(1), u = f.getArgument(2);
  Value thread = f.getArgument(3), threads = f.getArgument(4);
  Value heads = f.getArgument(5), positions = f.getArgument(6);
  Value c0 = arith::ConstantIndexOp::create(fb, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(fb, loc, 1);
  Value c32 = arith::ConstantIndexOp::create(fb, loc, 32);
  Value first = arith::IndexCastOp::create(
      fb, loc, fb.getIndexType(), memref::LoadOp::create(fb, loc, at, c0));
  Value t = arith::DivUIOp::create(fb, loc, u, heads);
  Value seen = arith::AddIOp::create(
      fb, loc, arith::AddIOp::create(fb, loc, first, t), c1);
  Value base = arith::MulIOp::create(fb, loc, u, positions);
  Value lane = arith::RemUIOp::create(fb, loc, thread, c32);
  WarpRows warp(fb, loc, /*width=*/1, seen, lane, base, scores);
  warp.storeAcrossBlock(thread, threads);
  std::string why;
  if (failed(warp.run(*chain, {{Binding::Rows, scores}}, why)))
    return deriveError(f, dsc::SoftmaxOp::getOperationName(),
                       "a chain a block of warps a row can run", why);
  func::ReturnOp::create(fb, loc);
  return success();
}

/// An index as the f32 the CPU's chains take their dim in.
Value indexToF32(OpBuilder &b, Location loc, Value v) {
  return arith::SIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(), v));
}

/// Gives the helper `f` (one result) the value `build` makes at its entry
/// from lower::rmsNorm's chain; an error naming `shape` where it fails.
LogicalResult deriveRMSNormPiece(
    func::FuncOp f, StringRef shape,
    function_ref<FailureOr<Value>(OpBuilder &, func::FuncOp, std::string &)>
        build) {
  Location loc = f.getLoc();
  OpBuilder b(f);
  OwningOpRef<func::FuncOp> chain = rmsNormChain(b, loc);
  if (!chain)
    return failure();
  OpBuilder fb = OpBuilder::atBlockBegin(f.addEntryBlock());
  std::string why;
  FailureOr<Value> v = build(fb, *chain, why);
  if (failed(v))
    return deriveError(f, dsc::RMSNormOp::getOperationName(), shape, why);
  func::ReturnOp::create(fb, loc, *v);
  return success();
}

/// `f(x, acc) -> acc'` on vector<4xf32>: a lane's step of RMSNorm's row
/// reduction (the sum of squares) at four columns, the body of
/// lower::rmsNorm's reduction widened; for the GEMVs that compute the norm
/// before them as they read the activations.
LogicalResult deriveRMSSquares(func::FuncOp f) {
  return deriveRMSNormPiece(
      f, "a row reduction of the rows alone",
      [&](OpBuilder &fb, func::FuncOp chain, std::string &why) {
        WarpRows lane(fb, f.getLoc(), /*width=*/4, Value(), Value(), Value(),
                      Value());
        return lane.reductionStep(chain, f.getArgument(0), f.getArgument(1),
                                  why);
      });
}

/// `f(partial, dim, eps) -> factor`: RMSNorm's factor of a row (its
/// 1 / rms) from a lane's partial sum of squares (deriveRMSSquares'): the
/// lanes combined by gpu.subgroup_reduce (every lane gets it), then the
/// map of lower::rmsNorm over the rows' sums; for the same GEMVs.
LogicalResult deriveRMSFactor(func::FuncOp f) {
  return deriveRMSNormPiece(
      f, "one row reduction and maps of the rows' values",
      [&](OpBuilder &fb, func::FuncOp chain, std::string &why) {
        WarpRows lanes(fb, f.getLoc(), /*width=*/1, Value(), Value(), Value(),
                       Value());
        // The rows and the weight are not read: the factor is of the rows'
        // sums.
        return lanes.rowFactor(
            chain,
            {{Binding::Rows, Value()},
             {Binding::Columns, Value()},
             {Binding::Scalar, indexToF32(fb, f.getLoc(), f.getArgument(1))},
             {Binding::Scalar, f.getArgument(2)}},
            f.getArgument(0), why);
      });
}

/// `f(x, w, y, rows, dim, eps)`: RMSNorm of x [rows, dim] into y, as
/// lower::rmsNorm builds it for the CPU, a warp a row, `width` values a
/// lane at a time (width > 1: dim a multiple of it, rows aligned).
LogicalResult deriveRMSNorm(func::FuncOp f, unsigned width) {
  Location loc = f.getLoc();
  OpBuilder b(f);
  OwningOpRef<func::FuncOp> chain = rmsNormChain(b, loc);
  if (!chain)
    return failure();
  // The arguments exist once deriveWarpRows gives `f` its entry block.
  std::string why;
  if (failed(deriveWarpRows(
          f, *chain, width,
          [&](OpBuilder &fb) {
            Value dim = f.getArgument(4);
            Value dimF = indexToF32(fb, loc, dim);
            RowKernel k;
            k.rows = f.getArgument(3);
            k.bindings = {{Binding::Rows, f.getArgument(0)},
                          {Binding::Columns, f.getArgument(1)},
                          {Binding::Scalar, dimF},
                          {Binding::Scalar, f.getArgument(5)}};
            k.y = f.getArgument(2);
            k.place = [=](OpBuilder &rb, Value row) {
              return std::make_pair(
                  arith::MulIOp::create(rb, loc, row, dim).getResult(), dim);
            };
            return k;
          },
          why)))
    return deriveError(f, dsc::RMSNormOp::getOperationName(),
                       "a chain a warp a row can run", why);
  return success();
}

//===----------------------------------------------------------------------===//
// The KV-cache store: a thread a value
//===----------------------------------------------------------------------===//

/// lower::kvRows' generic (the CPU's store of a block's keys or values into
/// the cache), checked to be a parallel generic over [kv_heads, rows,
/// head_dim] reading no operand, in its scratch chain.
struct KVStore {
  OwningOpRef<func::FuncOp> chain;
  linalg::GenericOp g;

  LogicalResult build(OpBuilder &b, Location loc, std::string &why) {
    auto dyn = ShapedType::kDynamic;
    Type f32 = b.getF32Type(), index = b.getIndexType();
    auto blockType = RankedTensorType::get({dyn, dyn, dyn}, f32);
    chain = scratchChain(
        b, loc, {RankedTensorType::get({dyn, dyn}, f32), index, index},
        blockType, [&](OpBuilder &cb, Location l, ValueRange a) {
          return dsc::lower::kvRows(cb, l, a[0], a[1], a[2], blockType);
        });
    if (!chain)
      return (why = "its CPU lowering failed", failure());
    FailureOr<linalg::GenericOp> only = onlyGeneric(*chain, why);
    if (failed(only))
      return failure();
    g = *only;
    MLIRContext *ctx = b.getContext();
    if (g.getNumLoops() != 3 || g.getNumReductionLoops() ||
        g.getNumDpsInputs() != 0 ||
        g.getMatchingIndexingMap(g.getDpsInitOperand(0)) !=
            AffineMap::getMultiDimIdentityMap(3, ctx) ||
        !g.getRegionOutputArgs()[0].use_empty())
      return (why = "not a parallel generic over [kv_heads, rows, head_dim] "
                    "reading no operand",
              failure());
    return success();
  }

  /// Value (kvh, s, d) of the rows src [rows, kvDim = kvheads * hd]
  /// stored into dst at `slot`: the generic's body at that point, its
  /// extract from the rows a load at s * kvDim + column.
  LogicalResult store(OpBuilder &fb, Location loc, Value src, Value dst,
                      Value kvHeads, Value hd, Value kvDim, Value kvh, Value s,
                      Value d, Value slot, std::string &why) {
    IRMapping map;
    map.map(chain->getArgument(1), kvHeads);
    map.map(chain->getArgument(2), hd);
    auto load = [&](tensor::ExtractOp e) {
      return loadRowMajor(fb, loc, e, map, chain->getArgument(0), src, kvDim,
                          "the rows", why);
    };
    Value place[] = {kvh, s, d};
    FailureOr<Value> v = clonePoint(
        fb, g, map, [&](unsigned dim) { return place[dim]; }, load, why);
    if (failed(v))
      return failure();
    if (v->getType() != fb.getF32Type())
      return (why = "a body yielding other than an f32", failure());
    memref::StoreOp::create(fb, loc, *v, dst, slot);
    return success();
  }
};

/// The positions P of a layer's cache block kc: its size over kvDim.
Value cachePositions(OpBuilder &fb, Location loc, Value kc, Value kvDim) {
  Value c0 = arith::ConstantIndexOp::create(fb, loc, 0);
  return arith::DivUIOp::create(fb, loc, memref::DimOp::create(fb, loc, kc, c0),
                                kvDim);
}

/// Where the CPU's view [kv_heads, rows, head_dim] of a layer's cache
/// block of P positions from position `first` puts (kvh, s, d): strides
/// P * hd, hd and 1.
Value cacheSlot(OpBuilder &fb, Location loc, Value P, Value hd, Value first,
                Value kvh, Value s, Value d) {
  return arith::AddIOp::create(
      fb, loc,
      arith::MulIOp::create(
          fb, loc,
          arith::AddIOp::create(fb, loc, arith::MulIOp::create(fb, loc, kvh, P),
                                arith::AddIOp::create(fb, loc, first, s)),
          hd),
      d);
}

/// `f(k, v, kc, vc, at, rows, kvheads, hd)`: the keys k and values v
/// [rows, kvheads * hd] of positions at[0].. into this layer's key and value
/// blocks kc and vc ([kvheads][P][hd], dsc/abi/kv_cache.h; P, the cache's
/// positions, their size over kvheads * hd): lower::kvRows' generic (the
/// CPU's store) over [kvheads, rows, hd], a thread per value i = s *
/// kvheads * hd + g * hd + d, so that a warp reads consecutive values of a
/// row: linalg.index 0, 1 and 2 as g, s and d, the body's extract from the
/// rows a load at s * kvheads * hd + column, its value stored where the
/// CPU's view of the cache puts [g, s, d], (g * P + at[0] + s) * hd + d.
LogicalResult deriveKVStore(func::FuncOp f) {
  Location loc = f.getLoc();
  OpBuilder b(f);
  auto fail = [&](const Twine &why) {
    return deriveError(f, dsc::AttentionOp::getOperationName(),
                       "a cache store a thread a value can run", why);
  };
  std::string why;
  KVStore kv;
  if (failed(kv.build(b, loc, why)))
    return fail(why);

  OpBuilder fb = OpBuilder::atBlockBegin(f.addEntryBlock());
  Value src[] = {f.getArgument(0), f.getArgument(1)};
  Value dst[] = {f.getArgument(2), f.getArgument(3)};
  Value at = f.getArgument(4), rows = f.getArgument(5);
  Value kvHeads = f.getArgument(6), hd = f.getArgument(7);
  Value c0 = arith::ConstantIndexOp::create(fb, loc, 0);
  Value kvDim = arith::MulIOp::create(fb, loc, kvHeads, hd);
  Value n = arith::MulIOp::create(fb, loc, rows, kvDim);
  Value P = cachePositions(fb, loc, dst[0], kvDim);
  Value i = valueLoop(fb, loc, n);
  Value s = arith::DivUIOp::create(fb, loc, i, kvDim);
  Value r = arith::RemUIOp::create(fb, loc, i, kvDim);
  Value kvh = arith::DivUIOp::create(fb, loc, r, hd);
  Value d = arith::RemUIOp::create(fb, loc, r, hd);
  Value first = arith::IndexCastOp::create(
      fb, loc, fb.getIndexType(),
      memref::LoadOp::create(fb, loc, at, c0).getResult());
  Value slot = cacheSlot(fb, loc, P, hd, first, kvh, s, d);
  for (int which = 0; which < 2; ++which)
    if (failed(kv.store(fb, loc, src[which], dst[which], kvHeads, hd, kvDim,
                        kvh, s, d, slot, why)))
      return fail(why);
  fb.setInsertionPointToEnd(&f.getBody().front());
  func::ReturnOp::create(fb, loc);
  return success();
}

//===----------------------------------------------------------------------===//
// RoPE: a thread a pair
//===----------------------------------------------------------------------===//

/// `f(x, x2, cos, sin, at, rows, heads, heads2, dim)`: RoPE of x [rows,
/// heads, dim] and x2 [rows, heads2, dim] in place, row t at position
/// at[0] + t, the tables [positions, dim / 2]: lower::ropeRotate's generic
/// over [rows, heads, dim / 2, 2] (the CPU's), a thread per pair: the
/// generic's operands at the thread's (t, head, j), its body once for each
/// of the pair's two values (linalg.index 3: 0 and 1), both loads before
/// either store, so that writing over x is safe.
///
/// With `store`, `f(x, x2, cos, sin, at, rows, heads, heads2, dim, v, kc,
/// vc)`: the same, and x2 being a block's keys (heads2 the KV heads, dim
/// the head dim) and v its values, attention's store of both into this
/// layer's cache blocks kc and vc (deriveKVStore's, the CPU's lower::kvRows
/// body) in the same thread, for each of the pair's places: the key read
/// back from x2 as the thread rotated it.
LogicalResult deriveRoPE(func::FuncOp f, bool store) {
  Location loc = f.getLoc();
  MLIRContext *ctx = f.getContext();
  OpBuilder b(f);
  Type f32 = b.getF32Type();
  auto dyn = ShapedType::kDynamic;
  auto pairsType = RankedTensorType::get({dyn, dyn, dyn, 2}, f32);
  auto table = RankedTensorType::get({dyn, dyn}, f32);
  OwningOpRef<func::FuncOp> chain =
      scratchChain(b, loc, {pairsType, table, table}, pairsType,
                   [](OpBuilder &cb, Location l, ValueRange a) {
                     return dsc::lower::ropeRotate(cb, l, a[0], a[1], a[2]);
                   });
  if (!chain)
    return failure();
  auto fail = [&](const Twine &why) {
    return deriveError(f, dsc::RoPEOp::getOperationName(),
                       "one generic a thread a pair can run", why);
  };
  std::string why;
  KVStore kv;
  if (store && failed(kv.build(b, loc, why)))
    return deriveError(f, dsc::AttentionOp::getOperationName(),
                       "a cache store a thread a value can run", why);
  FailureOr<linalg::GenericOp> only = onlyGeneric(*chain, why);
  if (failed(only))
    return fail(why);
  linalg::GenericOp g = *only;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  if (g.getNumLoops() != 4 || g.getNumReductionLoops() ||
      g.getNumDpsInits() != 1 ||
      g.getMatchingIndexingMap(g.getDpsInitOperand(0)) !=
          AffineMap::getMultiDimIdentityMap(4, ctx) ||
      !g.getRegionOutputArgs()[0].use_empty())
    return fail("not a parallel generic over [rows, heads, pairs, 2] writing "
                "each value once");

  OpBuilder fb = OpBuilder::atBlockBegin(f.addEntryBlock());
  Value x = f.getArgument(0), x2 = f.getArgument(1);
  Value cosT = f.getArgument(2), sinT = f.getArgument(3), at = f.getArgument(4);
  Value rows = f.getArgument(5), heads = f.getArgument(6);
  Value heads2 = f.getArgument(7), dim = f.getArgument(8);
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(fb, loc, v);
  };
  Value half = arith::DivUIOp::create(fb, loc, dim, idx(2));
  Value units1 = arith::MulIOp::create(fb, loc, rows, heads);
  Value units = arith::AddIOp::create(
      fb, loc, units1, arith::MulIOp::create(fb, loc, rows, heads2));
  Value pairs = arith::MulIOp::create(fb, loc, units, half);
  // The keys' width and the cache's positions (with the store).
  Value kvDim, P;
  if (store) {
    kvDim = arith::MulIOp::create(fb, loc, heads2, dim);
    P = cachePositions(fb, loc, f.getArgument(10), kvDim);
  }
  auto loop = scf::ParallelOp::create(fb, loc, idx(0), pairs, idx(1));
  fb.setInsertionPointToStart(loop.getBody());
  Value p = loop.getInductionVars()[0];
  // The pair: unit u (a head of a row, of x's units and then x2's), j.
  Value first = arith::IndexCastOp::create(
      fb, loc, fb.getIndexType(), memref::LoadOp::create(fb, loc, at, idx(0)));
  Value u = arith::DivUIOp::create(fb, loc, p, half);
  Value j = arith::RemUIOp::create(fb, loc, p, half);
  Value inX =
      arith::CmpIOp::create(fb, loc, arith::CmpIPredicate::ult, u, units1);
  Value h = arith::SelectOp::create(fb, loc, inX, u,
                                    arith::SubIOp::create(fb, loc, u, units1));
  Value hn = arith::SelectOp::create(fb, loc, inX, heads, heads2);
  Value t = arith::DivUIOp::create(fb, loc, h, hn);
  Value pairBase =
      arith::AddIOp::create(fb, loc, arith::MulIOp::create(fb, loc, h, dim),
                            arith::MulIOp::create(fb, loc, j, idx(2)));
  Value tableAt = arith::AddIOp::create(
      fb, loc,
      arith::MulIOp::create(fb, loc, arith::AddIOp::create(fb, loc, first, t),
                            half),
      j);
  // x's or x2's value at pairBase + e.
  auto load = [&](int64_t e) -> Value {
    Value i = arith::AddIOp::create(fb, loc, pairBase, idx(e));
    auto ifOp = scf::IfOp::create(fb, loc, TypeRange{f32}, inX, true);
    OpBuilder::InsertionGuard guard(fb);
    for (auto [block, buf] : {std::make_pair(ifOp.thenBlock(), x),
                              std::make_pair(ifOp.elseBlock(), x2)}) {
      fb.setInsertionPointToStart(block);
      scf::YieldOp::create(fb, loc,
                           ValueRange{memref::LoadOp::create(fb, loc, buf, i)});
    }
    return ifOp.getResult(0);
  };
  // The operands at (t, head, j, *): a pair's value (d0, d1, d2, e) or a
  // table's (d0, d2), the second and third arguments' rows being positions.
  SmallVector<Value> vals;
  for (OpOperand *in : g.getDpsInputOperands()) {
    AffineMap m = g.getMatchingIndexingMap(in);
    auto arg = dyn_cast<BlockArgument>(in->get());
    if (!arg || arg.getOwner()->getParentOp() != *chain)
      return fail("an operand that is not an argument of the chain");
    if (arg.getArgNumber() == 0 && m.getNumResults() == 4 &&
        m.getResult(0) == d(0) && m.getResult(1) == d(1) &&
        m.getResult(2) == d(2) && isa<AffineConstantExpr>(m.getResult(3))) {
      int64_t e = cast<AffineConstantExpr>(m.getResult(3)).getValue();
      if (e != 0 && e != 1)
        return fail("a pair's value other than 0 or 1");
      vals.push_back(load(e));
    } else if (arg.getArgNumber() > 0 &&
               m == AffineMap::get(4, 0, {d(0), d(2)}, ctx)) {
      vals.push_back(memref::LoadOp::create(
          fb, loc, arg.getArgNumber() == 1 ? cosT : sinT, tableAt));
    } else {
      return fail("an operand read other than at its pair or its row's "
                  "table entry");
    }
  }
  // The body once for each value of the pair (index 3: e), then the stores.
  Value out[2];
  for (int64_t e = 0; e < 2; ++e) {
    IRMapping map;
    for (auto [arg, v] : llvm::zip(g.getBody()->getArguments(), vals))
      map.map(arg, v);
    FailureOr<Value> v = clonePoint(
        fb, g, map, [&](unsigned dim) { return dim == 3 ? idx(e) : Value(); },
        nullptr, why);
    if (failed(v))
      return fail(why);
    out[e] = *v;
  }
  auto ifOp = scf::IfOp::create(fb, loc, TypeRange{}, inX, true);
  for (auto [block, buf] : {std::make_pair(ifOp.thenBlock(), x),
                            std::make_pair(ifOp.elseBlock(), x2)}) {
    fb.setInsertionPoint(block->getTerminator());
    for (int64_t e = 0; e < 2; ++e)
      memref::StoreOp::create(
          fb, loc, out[e], buf,
          arith::AddIOp::create(fb, loc, pairBase, idx(e)).getResult());
  }
  if (store) {
    // The key's pair (row t, KV head h - t * heads2) and the value at the
    // same places into the cache, after the rotated key is stored.
    fb.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    Value v = f.getArgument(9), kc = f.getArgument(10), vc = f.getArgument(11);
    Value kvh = arith::RemUIOp::create(fb, loc, h, heads2);
    for (int64_t e = 0; e < 2; ++e) {
      Value dd = arith::AddIOp::create(
          fb, loc, arith::MulIOp::create(fb, loc, j, idx(2)), idx(e));
      Value slot = cacheSlot(fb, loc, P, dim, first, kvh, t, dd);
      if (failed(kv.store(fb, loc, x2, kc, heads2, dim, kvDim, kvh, t, dd, slot,
                          why)) ||
          failed(kv.store(fb, loc, v, vc, heads2, dim, kvDim, kvh, t, dd, slot,
                          why)))
        return deriveError(f, dsc::AttentionOp::getOperationName(),
                           "a cache store a thread a value can run", why);
    }
  }
  fb.setInsertionPointToEnd(&f.getBody().front());
  func::ReturnOp::create(fb, loc);
  return success();
}

//===----------------------------------------------------------------------===//
// Float embeddings: a thread a value
//===----------------------------------------------------------------------===//

/// `f(w, tok, y, rows, dim)`: y[t, c] = table[tok[t], c] as f32, the table
/// w [vocab, dim] of `element`: lower::embedRows' generic (the CPU's), a
/// thread per value i = t * dim + c: the row's id loaded, linalg.index 0
/// and 1 as t and c, the body's tensor.extract from the table as a load of
/// w at row * dim + column.
LogicalResult deriveEmbedding(func::FuncOp f, Type element) {
  Location loc = f.getLoc();
  MLIRContext *ctx = f.getContext();
  OpBuilder b(f);
  auto dyn = ShapedType::kDynamic;
  auto rowsType = RankedTensorType::get({dyn, dyn}, b.getF32Type());
  OwningOpRef<func::FuncOp> chain =
      scratchChain(b, loc,
                   {RankedTensorType::get({dyn, dyn}, element),
                    RankedTensorType::get({dyn}, b.getI32Type())},
                   rowsType, [&](OpBuilder &cb, Location l, ValueRange a) {
                     return dsc::lower::embedRows(cb, l, a[0], a[1], rowsType);
                   });
  if (!chain)
    return failure();
  auto fail = [&](const Twine &why) {
    return deriveError(f, dsc::EmbeddingOp::getOperationName(),
                       "one gather a thread a value can run", why);
  };
  std::string why;
  FailureOr<linalg::GenericOp> only = onlyGeneric(*chain, why);
  if (failed(only))
    return fail(why);
  linalg::GenericOp g = *only;
  Value table = chain->getArgument(0), ids = chain->getArgument(1);
  auto d0 = getAffineDimExpr(0, ctx);
  if (g.getNumLoops() != 2 || g.getNumReductionLoops() ||
      g.getNumDpsInputs() != 1 || g.getDpsInputs()[0] != ids ||
      g.getMatchingIndexingMap(g.getDpsInputOperand(0)) !=
          AffineMap::get(2, 0, d0, ctx) ||
      g.getMatchingIndexingMap(g.getDpsInitOperand(0)) !=
          AffineMap::getMultiDimIdentityMap(2, ctx) ||
      !g.getRegionOutputArgs()[0].use_empty())
    return fail("not a parallel generic over [rows, dim] reading the ids a "
                "row");

  OpBuilder fb = OpBuilder::atBlockBegin(f.addEntryBlock());
  Value w = f.getArgument(0), tok = f.getArgument(1), y = f.getArgument(2);
  Value rows = f.getArgument(3), dim = f.getArgument(4);
  Value i = valueLoop(fb, loc, arith::MulIOp::create(fb, loc, rows, dim));
  Value t = arith::DivUIOp::create(fb, loc, i, dim);
  Value c = arith::RemUIOp::create(fb, loc, i, dim);
  IRMapping map;
  map.map(g.getBody()->getArgument(0),
          memref::LoadOp::create(fb, loc, tok, t).getResult());
  // The table's value at [row, column] of the body's own indices.
  auto gather = [&](tensor::ExtractOp e) {
    return loadRowMajor(fb, loc, e, map, table, w, dim, "the table", why);
  };
  FailureOr<Value> v = clonePoint(
      fb, g, map, [&](unsigned d) { return d == 0 ? t : c; }, gather, why);
  if (failed(v))
    return fail(why);
  if (v->getType() != fb.getF32Type())
    return fail("a body yielding other than an f32");
  memref::StoreOp::create(fb, loc, *v, y, i);
  fb.setInsertionPointToEnd(&f.getBody().front());
  func::ReturnOp::create(fb, loc);
  return success();
}

/// A kernel made from the CPU path's lowering: its name, the dsc op whose
/// lowering it is, its signature and how; `entry`: the runtime calls it
/// (public, with a C interface), else a helper the kernel sources call
/// (private, inlined by dsc-cuda-lower).
struct Derived {
  const char *name;
  StringLiteral cpuOp;
  FunctionType (*signature)(Builder &);
  LogicalResult (*derive)(func::FuncOp);
  bool entry;
};

FunctionType elementwiseSignature(Builder &b) {
  auto flat = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
  return b.getFunctionType({flat, flat, flat, b.getIndexType()}, {});
}
template <bool F16> FunctionType embedSignature(Builder &b) {
  Type element = F16 ? Type(b.getF16Type()) : Type(b.getF32Type());
  auto table = MemRefType::get({ShapedType::kDynamic}, element);
  auto tok = MemRefType::get({ShapedType::kDynamic}, b.getI32Type());
  auto y = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
  return b.getFunctionType({table, tok, y, b.getIndexType(), b.getIndexType()},
                           {});
}
FunctionType kvStoreSignature(Builder &b) {
  auto f32 = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
  auto i64 = MemRefType::get({ShapedType::kDynamic}, b.getI64Type());
  Type index = b.getIndexType();
  return b.getFunctionType({f32, f32, f32, f32, i64, index, index, index}, {});
}
FunctionType ropeSignature(Builder &b) {
  auto f32 = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
  auto i64 = MemRefType::get({ShapedType::kDynamic}, b.getI64Type());
  Type index = b.getIndexType();
  return b.getFunctionType(
      {f32, f32, f32, f32, i64, index, index, index, index}, {});
}
FunctionType ropeKVSignature(Builder &b) {
  auto f32 = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
  SmallVector<Type> in(ropeSignature(b).getInputs());
  in.append({f32, f32, f32});
  return b.getFunctionType(in, {});
}
FunctionType causalSoftmaxBlockSignature(Builder &b) {
  auto f32 = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
  auto i64 = MemRefType::get({ShapedType::kDynamic}, b.getI64Type());
  Type index = b.getIndexType();
  return b.getFunctionType({f32, i64, index, index, index, index, index}, {});
}
FunctionType rmsSquaresSignature(Builder &b) {
  auto v4 = VectorType::get({4}, b.getF32Type());
  return b.getFunctionType({v4, v4}, {v4});
}
FunctionType rmsFactorSignature(Builder &b) {
  Type f32 = b.getF32Type();
  return b.getFunctionType({f32, b.getIndexType(), f32}, {f32});
}
FunctionType rowSignature(Builder &b) {
  auto flat = MemRefType::get({ShapedType::kDynamic}, b.getF32Type());
  return b.getFunctionType(
      {flat, flat, flat, b.getIndexType(), b.getIndexType(), b.getF32Type()},
      {});
}

struct GPUDeriveKernelsPass
    : dsc::impl::GPUDeriveKernelsBase<GPUDeriveKernelsPass> {
  using GPUDeriveKernelsBase::GPUDeriveKernelsBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto add = [](func::FuncOp f) {
      return deriveElementwise(f, dsc::AddOp::getOperationName());
    };
    auto swiglu = [](func::FuncOp f) {
      return deriveElementwise(f, dsc::SwiGLUOp::getOperationName());
    };
    auto norm = [](func::FuncOp f) { return deriveRMSNorm(f, 1); };
    auto normV = [](func::FuncOp f) { return deriveRMSNorm(f, 4); };
    auto rope = [](func::FuncOp f) { return deriveRoPE(f, false); };
    auto ropeKV = [](func::FuncOp f) { return deriveRoPE(f, true); };
    auto embedF32 = [](func::FuncOp f) {
      return deriveEmbedding(f, Float32Type::get(f.getContext()));
    };
    auto embedF16 = [](func::FuncOp f) {
      return deriveEmbedding(f, Float16Type::get(f.getContext()));
    };
    const Derived derived[] = {
        {"dsc_cuda_add", dsc::AddOp::getOperationName(), elementwiseSignature,
         add, true},
        {"dsc_cuda_swiglu", dsc::SwiGLUOp::getOperationName(),
         elementwiseSignature, swiglu, true},
        {"dsc_cuda_rms_norm", dsc::RMSNormOp::getOperationName(), rowSignature,
         norm, true},
        {"dsc_cuda_rms_norm_v", dsc::RMSNormOp::getOperationName(),
         rowSignature, normV, true},
        {"dsc_cuda_rope", dsc::RoPEOp::getOperationName(), ropeSignature, rope,
         true},
        {"dsc_cuda_rope_kv", dsc::RoPEOp::getOperationName(), ropeKVSignature,
         ropeKV, true},
        {"dsc_cuda_embed_f32", dsc::EmbeddingOp::getOperationName(),
         embedSignature<false>, embedF32, true},
        {"dsc_cuda_embed_f16", dsc::EmbeddingOp::getOperationName(),
         embedSignature<true>, embedF16, true},
        {"dsc_cuda_kv_store", dsc::AttentionOp::getOperationName(),
         kvStoreSignature, deriveKVStore, true},
        {"dsc_cuda_causal_softmax_block", dsc::SoftmaxOp::getOperationName(),
         causalSoftmaxBlockSignature, deriveCausalSoftmaxBlock, false},
        {"dsc_cuda_rms_squares", dsc::RMSNormOp::getOperationName(),
         rmsSquaresSignature, deriveRMSSquares, false},
        {"dsc_cuda_rms_factor", dsc::RMSNormOp::getOperationName(),
         rmsFactorSignature, deriveRMSFactor, false},
    };
    Builder b(ctx);
    for (const Derived &d : derived) {
      auto f = module.lookupSymbol<func::FuncOp>(d.name);
      if (!f)
        continue;
      // Derived already (dsc-cuda-lower runs this pass first; tests that
      // transform the derived loops before it run it themselves).
      if (f->hasAttr(kDerivedFrom))
        continue;
      if (!f.isDeclaration()) {
        f.emitOpError("dsc-gpu-derive-kernels: ")
            << d.name
            << " has a body; declare it, and the pass derives it from the "
               "CPU path's lowering";
        return signalPassFailure();
      }
      FunctionType want = d.signature(b);
      if (f.getFunctionType() != want) {
        f.emitOpError("dsc-gpu-derive-kernels: ")
            << d.name << " is declared as " << f.getFunctionType()
            << "; the kernel derived from the CPU path's lowering is " << want;
        return signalPassFailure();
      }
      if (failed(d.derive(f)))
        return signalPassFailure();
      f->setAttr(kDerivedFrom, StringAttr::get(ctx, d.cpuOp));
      if (d.entry) {
        f.setPublic();
        f->setAttr("llvm.emit_c_interface", UnitAttr::get(ctx));
      }
    }
  }
};

struct GPUMapRowChainsPass
    : dsc::impl::GPUMapRowChainsBase<GPUMapRowChainsPass> {
  using GPUMapRowChainsBase::GPUMapRowChainsBase;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    SmallVector<func::FuncOp> chains;
    module.walk([&](func::FuncOp f) {
      if (f->hasAttr("dsc.warp_rows"))
        chains.push_back(f);
    });
    for (func::FuncOp chain : chains) {
      auto width = chain->getAttrOfType<IntegerAttr>("dsc.warp_rows");
      if (!width || (width.getInt() != 1 && width.getInt() != 4)) {
        chain.emitOpError("dsc-gpu-map-row-chains: 'dsc.warp_rows' must be 1 "
                          "or 4 (values a lane at a time)");
        return signalPassFailure();
      }
      // The kernel's arguments: a buffer per tensor, the scalars, then y,
      // rows and dim.
      Builder b(ctx);
      Type f32 = b.getF32Type();
      auto flat = MemRefType::get({ShapedType::kDynamic}, f32);
      SmallVector<Type> types;
      SmallVector<Binding::Kind> kinds;
      auto dyn = ShapedType::kDynamic;
      for (auto [i, t] : llvm::enumerate(chain.getArgumentTypes())) {
        if (t == RankedTensorType::get({dyn, dyn}, f32))
          kinds.push_back(Binding::Rows);
        else if (t == RankedTensorType::get({dyn}, f32))
          kinds.push_back(Binding::Columns);
        else if (t == f32)
          kinds.push_back(Binding::Scalar);
        else {
          chain.emitOpError("dsc-gpu-map-row-chains: argument ")
              << i << " is " << t
              << ", not a [rows, dim] or [dim] f32 tensor or an f32";
          return signalPassFailure();
        }
        types.push_back(t == f32 ? Type(f32) : Type(flat));
      }
      types.append({flat, b.getIndexType(), b.getIndexType()});
      OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
      auto f = func::FuncOp::create(mb, chain.getLoc(),
                                    (chain.getName() + "_rows").str(),
                                    mb.getFunctionType(types, {}));
      std::string why;
      unsigned n = chain.getNumArguments();
      if (failed(deriveWarpRows(
              f, chain, width.getInt(),
              [&](OpBuilder &) {
                RowKernel k;
                for (unsigned i = 0; i < n; ++i)
                  k.bindings.push_back({kinds[i], f.getArgument(i)});
                k.y = f.getArgument(n);
                k.rows = f.getArgument(n + 1);
                Value dim = f.getArgument(n + 2);
                Location loc = f.getLoc();
                k.place = [=](OpBuilder &rb, Value row) {
                  return std::make_pair(
                      arith::MulIOp::create(rb, loc, row, dim).getResult(),
                      dim);
                };
                return k;
              },
              why))) {
        f.erase();
        chain.emitOpError("dsc-gpu-map-row-chains: not a chain a warp a row "
                          "can run: ")
            << why;
        return signalPassFailure();
      }
    }
  }
};

} // namespace
