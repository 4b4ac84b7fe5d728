//===- DscTypes.cpp - dsc types -------------------------------------------===//

#include "Dsc/IR/DscTypes.h"
#include "Dsc/IR/DscDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "registry/TargetRegistry.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/raw_ostream.h"

#include "Dsc/IR/QuantTiles.h"
#include "dsc/abi/quant_layout.h"

using namespace mlir;
using namespace mlir::dsc;

#define GET_TYPEDEF_CLASSES
#include "Dsc/IR/DscTypes.cpp.inc"

void DscDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "Dsc/IR/DscTypes.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// QTensorType
//===----------------------------------------------------------------------===//

Type QTensorType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape;
  Type elementType;
  QuantSchemeAttr scheme;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/false) ||
      parser.parseType(elementType) || parser.parseComma() ||
      parser.parseAttribute(scheme) || parser.parseGreater())
    return {};
  return parser.getChecked<QTensorType>(parser.getContext(), shape, elementType,
                                        scheme);
}

void QTensorType::print(AsmPrinter &printer) const {
  printer << "<";
  for (int64_t d : getShape())
    printer << d << "x";
  printer << getElementType() << ", " << getScheme() << ">";
}

LogicalResult QTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape, Type elementType,
                                  QuantSchemeAttr scheme) {
  if (!isa<FloatType>(elementType))
    return emitError() << "qtensor element type must be a float type, got "
                       << elementType;
  for (int64_t d : shape)
    if (d <= 0)
      return emitError() << "qtensor dimensions must be positive";
  if (!scheme)
    return emitError() << "qtensor needs a #dsc.quant scheme";
  std::string why;
  if (failed(scheme.checkShape(shape, &why)))
    return emitError() << "qtensor shape does not fit its scheme: " << why;
  // ggml blocks are stored row by row as the file holds them.
  if (scheme.isGGML())
    return success();
  // What packing and the kernels can store (dsc/abi/quant_layout.h): tiles
  // of the registry's quantized tile rows by one scale group, with 4-bit
  // values in blocks of 32 columns; one scale per row or per group.
  int64_t tileRows = getDefaultTarget().quantTileRows;
  if (shape[0] % tileRows)
    return emitError() << "quantized weights are stored in tiles of "
                       << tileRows << " rows; " << shape[0]
                       << " rows are not a multiple";
  if (scheme.getGranularity() == Granularity::Channel && scheme.getAxis() == 1)
    return emitError() << "per-column scales (channel = 1) have no tiled "
                          "layout; use channel = 0 or groups";
  int64_t groupCols = scheme.getGranularity() == Granularity::Group
                          ? scheme.getBlockSize()
                          : shape[1];
  if (scheme.getBits() < 8 && groupCols % 32)
    return emitError() << scheme.getBits()
                       << "-bit values are stored in blocks of 32 columns; "
                          "a scale group of "
                       << groupCols << " columns is not a multiple";
  return success();
}

bool QTensorType::hasRank() const { return true; }

ShapedType QTensorType::cloneWith(std::optional<ArrayRef<int64_t>> shape,
                                  Type elementType) const {
  return QTensorType::get(getContext(), shape ? *shape : getShape(),
                          elementType, getScheme());
}

//===----------------------------------------------------------------------===//
// KVCacheType
//===----------------------------------------------------------------------===//

Type KVCacheType::parse(AsmParser &parser) {
  SmallVector<int64_t> dims;
  Type elementType;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseDimensionList(dims, /*allowDynamic=*/false) ||
      parser.parseType(elementType) || parser.parseGreater())
    return {};
  if (dims.size() != 3) {
    parser.emitError(loc, "expected layers x kv_heads x head_dim x type");
    return {};
  }
  return parser.getChecked<KVCacheType>(parser.getContext(), dims[0], dims[1],
                                        dims[2], elementType);
}

void KVCacheType::print(AsmPrinter &printer) const {
  printer << "<" << getNumLayers() << "x" << getNumKVHeads() << "x"
          << getHeadDim() << "x" << getElementType() << ">";
}

LogicalResult KVCacheType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t numLayers, int64_t numKVHeads,
                                  int64_t headDim, Type elementType) {
  if (numLayers <= 0 || numKVHeads <= 0 || headDim <= 0)
    return emitError() << "kv_cache dimensions must be positive";
  // Exactly the element types some target's attention kernels read.
  std::string name;
  llvm::raw_string_ostream os(name);
  os << elementType;
  bool known = false;
  std::string types;
  for (const TargetInfo &t : getTargetRegistry()) {
    known |= t.kvCacheType == name;
    if (types.find(t.kvCacheType) == std::string::npos)
      types += (types.empty() ? "" : ", ") + t.kvCacheType;
  }
  if (!known)
    return emitError() << "no target keeps its KV cache in " << elementType
                       << " (" << types << ")";
  return success();
}

//===----------------------------------------------------------------------===//
// Storage sizes
//===----------------------------------------------------------------------===//

static uint64_t elementBytes(Type t) {
  return t.isF32() ? 4 : t.getIntOrFloatBitWidth() / 8;
}

int64_t mlir::dsc::getQuantGroupColumns(QTensorType type) {
  QuantSchemeAttr s = type.getScheme();
  return s.getGranularity() == Granularity::Group ? s.getBlockSize()
                                                  : type.getCols();
}

uint64_t mlir::dsc::getStorageBytes(Type type, TiledLayoutAttr layout) {
  if (auto q = dyn_cast<QTensorType>(type)) {
    QuantSchemeAttr s = q.getScheme();
    if (isTwoLevel(s)) {
      uint64_t rows = q.getRows(), cols = q.getCols();
      uint64_t sb = getSuperBlockColumns(q.getCols());
      if (layout) // tiles of 4 rows by one super-block, whatever `layout`
        return rows / 4 * (cols / sb) *
               dsc_qsuper_tile_bytes(sb, s.getBits(), !s.getSymmetric());
      // Plain: values, the f16 super-block scales, the group codes (and
      // the zero points), each from an aligned offset.
      uint64_t groups = rows * (cols / 32);
      uint64_t size = dsc_qplain_scales_offset(rows, cols, s.getBits());
      size = dsc_qplain_align(size + rows * (cols / sb) * 2) + groups;
      if (!s.getSymmetric())
        size = dsc_qplain_align(size) + groups;
      return size;
    }
    if (s.isGGML()) {
      unsigned t = getGGMLType(*s.getBlocks());
      return static_cast<uint64_t>(q.getRows()) *
             static_cast<uint64_t>(q.getCols() / dsc_ggml_block_elems(t)) *
             dsc_ggml_block_bytes(t);
    }
    if (layout) {
      // Counted in 4-row tiles whatever the layout's rows: a row-interleaved
      // 16-row block holds four tiles' bytes (quant_layout.h).
      uint64_t tiles = static_cast<uint64_t>(q.getRows() / 4) *
                       static_cast<uint64_t>(q.getCols() / layout.getCols());
      return tiles * dsc_qtile_bytes(layout.getCols(), s.getBits(),
                                     elementBytes(s.getScaleType()),
                                     !s.getSymmetric());
    }
    uint64_t rows = q.getRows(), cols = q.getCols();
    uint64_t n = static_cast<uint64_t>(s.getNumScales(rows, cols));
    uint64_t size = dsc_qplain_scales_offset(rows, cols, s.getBits());
    size += n * elementBytes(s.getScaleType());
    if (!s.getSymmetric())
      size = dsc_qplain_align(size) + n;
    return size;
  }
  auto t = cast<ShapedType>(type);
  return static_cast<uint64_t>(t.getNumElements()) *
         elementBytes(t.getElementType());
}
