//===- DscOps.cpp - dsc operations ----------------------------------------===//

#include "Dsc/IR/DscOps.h"
#include "Dsc/IR/QuantTiles.h"
#include "dsc/abi/quant_layout.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::dsc;

#define GET_OP_CLASSES
#include "Dsc/IR/DscOps.cpp.inc"

/// True when two dimensions can be equal (either may be dynamic).
static bool compatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

//===----------------------------------------------------------------------===//
// GlobalOp / WeightOp
//===----------------------------------------------------------------------===//

LogicalResult GlobalOp::verify() {
  auto shaped = getShapedType();
  if (shaped.getRank() < 1 || shaped.getRank() > 2)
    return emitOpError("weights must be 1-D or 2-D, got rank ")
           << shaped.getRank();
  if (auto offset = getOffsetAttr(); offset && offset.getInt() < 0)
    return emitOpError("offset must not be negative");
  if (Attribute source = getSourceAttr();
      source && shaped.hasStaticShape() &&
      failed(verifyWeightSource(source, shaped.getShape(),
                                [&] { return emitOpError(); })))
    return failure();
  if (TiledLayoutAttr layout = getLayoutAttr()) {
    if (shaped.getRank() != 2)
      return emitOpError("a tiled layout needs a 2-D weight");
    if (auto q = dyn_cast<QTensorType>(getType())) {
      if (q.getScheme().isGGML())
        return emitOpError("weights stored as ggml blocks are not tiled");
      int64_t group = getQuantGroupColumns(q);
      int64_t tileCols = getQuantTileColumns(q);
      if (layout.getRows() == DSC_QR16_ROWS) {
        if (!isRowInterleavableScheme(q.getScheme()))
          return emitOpError("row-interleaved tiles (16 rows) hold 4-bit "
                             "symmetric values in groups of 32 with f16 "
                             "scales (int4:group=32)");
        if (layout.getCols() != DSC_QR16_COLS)
          return emitOpError("row-interleaved tiles are 16x32, not 16x")
                 << layout.getCols();
      } else if (layout.getCols() != tileCols || layout.getRows() != 4)
        return emitOpError("a quantized weight is tiled by 4 rows and its ")
               << tileCols << "-column "
               << (isTwoLevel(q.getScheme()) ? "super-blocks" : "groups")
               << ", not " << layout.getRows() << "x" << layout.getCols();
      if (!dsc_qtile_bits_ok(q.getScheme().getBits()))
        return emitOpError("tiled quantized weights are 8-bit or 2- to "
                           "6-bit");
      if (q.getScheme().getBits() < 8 && group % 32)
        return emitOpError()
               << q.getScheme().getBits()
               << "-bit tiles need groups of a multiple of 32 columns, got "
               << group;
      if (q.getScheme().getGranularity() == Granularity::Channel &&
          q.getScheme().getAxis() != 0)
        return emitOpError("tiled quantized weights need scales per output "
                           "row (channel = 0)");
    }
    if (shaped.getDimSize(0) % layout.getRows() ||
        shaped.getDimSize(1) % layout.getCols())
      return emitOpError("tiles of ")
             << layout.getRows() << "x" << layout.getCols()
             << " do not divide the weight's shape " << shaped.getDimSize(0)
             << "x" << shaped.getDimSize(1);
  }
  return success();
}

LogicalResult
WeightOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto global =
      symbolTable.lookupNearestSymbolFrom<GlobalOp>(*this, getGlobalAttr());
  if (!global)
    return emitOpError("'") << getGlobal()
                            << "' does not reference a dsc.global";
  if (global.getType() != getType())
    return emitOpError("result type ")
           << getType() << " does not match the global's type "
           << global.getType();
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  auto table = cast<ShapedType>(getTable().getType());
  if (table.getRank() != 2)
    return emitOpError("table must be 2-D [vocab, dim], got rank ")
           << table.getRank();
  auto result = getResult().getType();
  if (!compatible(result.getDimSize(1), table.getDimSize(1)))
    return emitOpError("result width ")
           << dimStr(result.getDimSize(1)) << " does not match table width "
           << table.getDimSize(1);
  if (!compatible(result.getDimSize(0), getIds().getType().getDimSize(0)))
    return emitOpError("result has ")
           << dimStr(result.getDimSize(0)) << " rows but there are "
           << dimStr(getIds().getType().getDimSize(0)) << " ids";
  return success();
}

//===----------------------------------------------------------------------===//
// RMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  auto input = getInput().getType();
  int64_t width = input.getDimSize(1);
  int64_t wsize = getWeight().getType().getDimSize(0);
  if (!compatible(width, wsize))
    return emitOpError("weight has ")
           << dimStr(wsize) << " elements but the normalized dimension has "
           << dimStr(width);
  if (!(getEps().convertToDouble() > 0.0))
    return emitOpError("eps must be positive");
  return success();
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  auto input = getInput().getType();
  auto weight = cast<ShapedType>(getWeight().getType());
  auto result = getResult().getType();
  if (weight.getRank() != 2)
    return emitOpError("weight must be 2-D [out, in], got rank ")
           << weight.getRank();
  int64_t out = weight.getDimSize(0), in = weight.getDimSize(1);
  if (!compatible(input.getDimSize(1), in))
    return emitOpError("input has ")
           << dimStr(input.getDimSize(1)) << " columns but the weight expects "
           << in << " (weight is [out, in] = [" << out << ", " << in << "])";
  if (!compatible(result.getDimSize(1), out))
    return emitOpError("result has ")
           << dimStr(result.getDimSize(1))
           << " columns but the weight has " << out << " output rows";
  if (!compatible(result.getDimSize(0), input.getDimSize(0)))
    return emitOpError("result has ")
           << dimStr(result.getDimSize(0)) << " rows but the input has "
           << dimStr(input.getDimSize(0));
  if (getBias()) {
    int64_t b = cast<ShapedType>(getBias().getType()).getDimSize(0);
    if (!compatible(b, out))
      return emitOpError("bias has ")
             << dimStr(b) << " elements but the weight has " << out
             << " output rows";
  }
  if (std::optional<Type> p = getPrefillProducts()) {
    if (!p->isBF16() && !p->isF16())
      return emitOpError("prefill_products must be bf16 or f16, got ") << *p;
    if (p->isBF16() && isa<QTensorType>(weight))
      return emitOpError("prefill_products = bf16 applies to float weights, "
                         "not ")
             << weight;
    if (p->isF16() && !isa<QTensorType>(weight) &&
        !cast<ShapedType>(weight).getElementType().isF16())
      return emitOpError("prefill_products = f16 applies to f16 and "
                         "quantized weights, not ")
             << weight;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// RoPEOp
//===----------------------------------------------------------------------===//

LogicalResult RoPEOp::verify() {
  int64_t headDim = getHeadDimAttr().getInt();
  if (headDim <= 0 || headDim % 2)
    return emitOpError("head_dim must be positive and even, got ") << headDim;
  int64_t width = getInput().getType().getDimSize(1);
  if (!ShapedType::isDynamic(width) && width % headDim)
    return emitOpError("row width ")
           << width << " is not a multiple of head_dim " << headDim;
  if (!(getTheta().convertToDouble() > 0.0))
    return emitOpError("theta must be positive");
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

double AttentionOp::getScaleOrDefault() {
  if (auto scale = getScale())
    return scale->convertToDouble();
  return 1.0 / std::sqrt(static_cast<double>(getHeadDim()));
}

LogicalResult AttentionOp::verify() {
  KVCacheType cache = getCache().getType();
  int64_t headDim = cache.getHeadDim();
  int64_t nKV = cache.getNumKVHeads();
  int64_t nHeads = getNHeadsAttr().getInt();
  int64_t layer = getLayerAttr().getInt();
  if (layer < 0 || layer >= cache.getNumLayers())
    return emitOpError("layer ")
           << layer << " is out of range for a cache of "
           << cache.getNumLayers() << " layers";
  if (nHeads <= 0 || nHeads % nKV)
    return emitOpError("n_heads (")
           << nHeads << ") must be a positive multiple of the cache's "
           << nKV << " KV heads";
  auto checkWidth = [&](Value v, StringRef name,
                        int64_t heads) -> LogicalResult {
    int64_t w = cast<ShapedType>(v.getType()).getDimSize(1);
    if (!compatible(w, heads * headDim))
      return emitOpError() << name << " has width " << dimStr(w)
                           << ", expected " << heads << " heads x " << headDim
                           << " = " << heads * headDim;
    return success();
  };
  if (failed(checkWidth(getQuery(), "query", nHeads)) ||
      failed(checkWidth(getKey(), "key", nKV)) ||
      failed(checkWidth(getValue(), "value", nKV)) ||
      failed(checkWidth(getResult(), "result", nHeads)))
    return failure();
  int64_t rows = getQuery().getType().getDimSize(0);
  for (Value v : {getKey(), getValue(), getResult()})
    if (!compatible(cast<ShapedType>(v.getType()).getDimSize(0), rows))
      return emitOpError("query, key, value and result must have the same "
                         "number of rows");
  if (getWindowAttr().getInt() < 0)
    return emitOpError("window must not be negative");
  if (auto scale = getScale(); scale && !(scale->convertToDouble() > 0.0))
    return emitOpError("scale must be positive");
  return success();
}

//===----------------------------------------------------------------------===//
// ObserveOp
//===----------------------------------------------------------------------===//

LogicalResult ObserveOp::verify() {
  if (getIdAttr().getInt() < 0)
    return emitOpError("observation id must not be negative, got ")
           << getIdAttr().getInt();
  return success();
}

//===----------------------------------------------------------------------===//
// UKernelOp
//===----------------------------------------------------------------------===//

static constexpr llvm::StringLiteral kKernelNames[] = {
#define DSC_KERNEL(name, params) #name,
#define DSC_RUNTIME_ENTRY(name, params) "rt_" #name,
#include "dsc/abi/kernels.def"
#undef DSC_KERNEL
#undef DSC_RUNTIME_ENTRY
};

StringRef mlir::dsc::getKernelName(Kernel kernel) {
  return kKernelNames[static_cast<size_t>(kernel)];
}

std::optional<Kernel> mlir::dsc::findKernelByName(StringRef name) {
  for (auto [i, known] : llvm::enumerate(kKernelNames))
    if (known == name)
      return static_cast<Kernel>(i);
  return std::nullopt;
}

ParseResult mlir::dsc::parseKernel(OpAsmParser &parser, Kernel &kernel) {
  SMLoc loc = parser.getCurrentLocation();
  StringRef name;
  if (parser.parseKeyword(&name))
    return failure();
  std::optional<Kernel> k = findKernelByName(name);
  if (!k)
    return parser.emitError(loc, "unknown micro-kernel '")
           << name << "' (see dsc/abi/kernels.def)";
  kernel = *k;
  return success();
}

LogicalResult
mlir::dsc::kernelFromAttribute(Kernel &kernel, Attribute attr,
                               function_ref<InFlightDiagnostic()> emitError) {
  auto name = dyn_cast<StringAttr>(attr);
  std::optional<Kernel> k = name ? findKernelByName(name) : std::nullopt;
  if (!k) {
    if (emitError)
      emitError() << "expected the name of a micro-kernel, got " << attr;
    return failure();
  }
  kernel = *k;
  return success();
}

LogicalResult UKernelOp::verify() {
  const KernelSignature &sig = getKernelSignature(getKernel());
  int64_t pointers = llvm::count(sig.argKinds, 'p');
  int64_t buffers = getInputs().size() + getOutputs().size();
  if (buffers != pointers)
    return emitOpError("'")
           << getKernelName(getKernel()) << "' takes " << pointers
           << " pointers, got " << buffers << " ins and outs";
  SmallVector<char> scalarKinds;
  for (char kind : sig.argKinds)
    if (kind != 'p')
      scalarKinds.push_back(kind);
  if (scalarKinds.size() != getArgs().size())
    return emitOpError("'")
           << getKernelName(getKernel()) << "' takes " << scalarKinds.size()
           << " scalars, got " << getArgs().size();
  for (auto [i, kind, arg] : llvm::enumerate(scalarKinds, getArgs())) {
    Type want = kind == 'f' ? Type(Float32Type::get(getContext()))
                            : Type(IntegerType::get(getContext(), 64));
    if (arg.getType() != want)
      return emitOpError("scalar #")
             << i << " of '" << getKernelName(getKernel()) << "' must be "
             << want << ", got " << arg.getType();
  }
  // The results are the tensors in outs, in order.
  SmallVector<Type> tensorOuts;
  for (Value out : getOutputs())
    if (isa<TensorType>(out.getType()))
      tensorOuts.push_back(out.getType());
  if (TypeRange(tensorOuts) != getResultTypes())
    return emitOpError("results must have the types of the tensors in outs");
  return success();
}

void UKernelOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &in : getInputsMutable())
    if (isa<MemRefType>(in.get().getType()))
      effects.emplace_back(MemoryEffects::Read::get(), &in,
                           SideEffects::DefaultResource::get());
  for (OpOperand &out : getOutputsMutable())
    if (isa<MemRefType>(out.get().getType())) {
      effects.emplace_back(MemoryEffects::Read::get(), &out,
                           SideEffects::DefaultResource::get());
      effects.emplace_back(MemoryEffects::Write::get(), &out,
                           SideEffects::DefaultResource::get());
    }
  // A call without tensor results (observation) is made for its effect on
  // the world outside the function.
  if (getNumResults() == 0 && getOutputs().empty())
    effects.emplace_back(MemoryEffects::Write::get(),
                         SideEffects::DefaultResource::get());
}

bool UKernelOp::bufferizesToMemoryRead(OpOperand &operand,
                                       const bufferization::AnalysisState &) {
  // Kernels write their outputs without reading them, except the cache.
  return !isDpsInit(&operand);
}

bool UKernelOp::bufferizesToMemoryWrite(OpOperand &operand,
                                        const bufferization::AnalysisState &) {
  return isDpsInit(&operand);
}

bufferization::AliasingValueList
UKernelOp::getAliasingValues(OpOperand &operand,
                             const bufferization::AnalysisState &) {
  if (!isDpsInit(&operand) || !isa<TensorType>(operand.get().getType()))
    return {};
  return {
      {getTiedOpResult(&operand), bufferization::BufferRelation::Equivalent}};
}

LogicalResult
UKernelOp::bufferize(RewriterBase &rewriter,
                     const bufferization::BufferizationOptions &options,
                     bufferization::BufferizationState &state) {
  auto toBuffers = [&](ValueRange values,
                       SmallVectorImpl<Value> &out) -> LogicalResult {
    for (Value v : values) {
      if (!isa<TensorType>(v.getType())) {
        out.push_back(v);
        continue;
      }
      FailureOr<Value> buffer =
          bufferization::getBuffer(rewriter, v, options, state);
      if (failed(buffer))
        return failure();
      out.push_back(*buffer);
    }
    return success();
  };
  SmallVector<Value> ins, outs, results;
  if (failed(toBuffers(getInputs(), ins)) ||
      failed(toBuffers(getOutputs(), outs)))
    return failure();
  for (auto [orig, buffer] : llvm::zip(getOutputs(), outs))
    if (isa<TensorType>(orig.getType()))
      results.push_back(buffer);
  rewriter.setInsertionPoint(*this);
  UKernelOp::create(rewriter, getLoc(), TypeRange{}, getKernel(), ins, outs,
                    getArgs());
  bufferization::replaceOpWithBufferizedValues(rewriter, *this, results);
  return success();
}
