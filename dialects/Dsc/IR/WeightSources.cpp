//===- WeightSources.cpp - #dsc.file and the transforms wrapping it -------===//
//
// Each weight source states how the shape it yields relates to its inner
// source's; verifyWeightSource walks a tree with it from a dsc.global's type
// down to the #dsc.file, so that no transform sees a shape it cannot apply
// to and the file's bytes hold what is asked of them.
//
//===----------------------------------------------------------------------===//

#include "Dsc/IR/DscAttrs.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;
using namespace mlir::dsc;

using Shape = SmallVector<int64_t, 2>;
using EmitFn = function_ref<InFlightDiagnostic()>;

FailureOr<SmallVector<int64_t>> mlir::dsc::parseInt64List(AsmParser &parser) {
  SmallVector<int64_t> values;
  if (parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
        return parser.parseInteger(values.emplace_back());
      }))
    return failure();
  return values;
}

void mlir::dsc::printInt64List(AsmPrinter &printer, ArrayRef<int64_t> values) {
  printer << '[';
  llvm::interleaveComma(values, printer);
  printer << ']';
}

static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

static LogicalResult checkInner(Attribute source, EmitFn emitError) {
  if (!isa_and_nonnull<WeightSourceAttrInterface>(source))
    return emitError() << "a weight-source transform wraps a weight source "
                          "(#dsc.file or a transform), not "
                       << source;
  return success();
}

LogicalResult mlir::dsc::verifyWeightSource(Attribute source,
                                            ArrayRef<int64_t> shape,
                                            EmitFn emitError) {
  Shape current(shape.begin(), shape.end());
  while (source) {
    auto ws = dyn_cast<WeightSourceAttrInterface>(source);
    if (!ws)
      return emitError() << "a weight's source must be a weight source "
                            "(#dsc.file or a transform), not "
                         << source;
    if (current.size() < 1 || current.size() > 2)
      return emitError() << "weight sources are 1-D or 2-D, got shape "
                         << shapeStr(current);
    FailureOr<Shape> inner = ws.getSourceShape(current, emitError);
    if (failed(inner))
      return failure();
    current = std::move(*inner);
    source = ws.getInnerSource();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// #dsc.file
//===----------------------------------------------------------------------===//

LogicalResult FileSourceAttr::verify(EmitFn emitError, StringRef path,
                                     int64_t offset, int64_t size, Encoding) {
  if (path.empty())
    return emitError() << "file source needs a path";
  if (offset < 0 || size < 0)
    return emitError() << "file offset and size must not be negative";
  return success();
}

Attribute FileSourceAttr::getInnerSource() const { return {}; }

FailureOr<Shape> FileSourceAttr::getSourceShape(ArrayRef<int64_t> shape,
                                                EmitFn emitError) const {
  // Stored rows of `cols` elements; a 1-D weight is a column.
  uint64_t rows = shape[0], cols = shape.size() == 2 ? shape[1] : 1;
  int64_t blockElems;
  uint64_t blockBytes = getEncodingBlockBytes(getEncoding(), &blockElems);
  if (cols % blockElems ||
      rows * (cols / blockElems) * blockBytes != uint64_t(getSize()))
    return emitError() << "#dsc.file at offset " << getOffset() << " holds "
                       << getSize() << " bytes, not a " << shapeStr(shape)
                       << " " << stringifyEncoding(getEncoding()) << " tensor";
  return Shape(shape.begin(), shape.end());
}

//===----------------------------------------------------------------------===//
// #dsc.transpose
//===----------------------------------------------------------------------===//

LogicalResult TransposeSourceAttr::verify(EmitFn emitError, Attribute source) {
  return checkInner(source, emitError);
}

Attribute TransposeSourceAttr::getInnerSource() const { return getSource(); }

FailureOr<Shape> TransposeSourceAttr::getSourceShape(ArrayRef<int64_t> shape,
                                                     EmitFn emitError) const {
  if (shape.size() != 2)
    return emitError() << "#dsc.transpose needs a 2-D weight, got shape "
                       << shapeStr(shape);
  return Shape{shape[1], shape[0]};
}

//===----------------------------------------------------------------------===//
// #dsc.rope_permute
//===----------------------------------------------------------------------===//

LogicalResult RopePermuteSourceAttr::verify(EmitFn emitError, Attribute source,
                                            int64_t heads) {
  if (heads <= 0)
    return emitError() << "#dsc.rope_permute needs a positive number of "
                          "heads, got "
                       << heads;
  return checkInner(source, emitError);
}

Attribute RopePermuteSourceAttr::getInnerSource() const { return getSource(); }

FailureOr<Shape> RopePermuteSourceAttr::getSourceShape(ArrayRef<int64_t> shape,
                                                       EmitFn emitError) const {
  int64_t heads = getHeads();
  if (shape[0] % heads || (shape[0] / heads) % 2)
    return emitError() << "#dsc.rope_permute: " << shape[0] << " rows are not "
                       << heads << " heads of an even number of rows";
  return Shape(shape.begin(), shape.end());
}

int64_t RopePermuteSourceAttr::getSourceRow(int64_t r, int64_t rows) const {
  int64_t d = rows / getHeads();
  int64_t h = r / d, i = r % d;
  return h * d + (i % 2) * (d / 2) + i / 2;
}

//===----------------------------------------------------------------------===//
// #dsc.slice
//===----------------------------------------------------------------------===//

static LogicalResult checkIndices(EmitFn emitError, StringRef what,
                                  ArrayRef<int64_t> indices, int64_t dim) {
  for (size_t i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0 || indices[i] >= dim)
      return emitError() << "#dsc.slice: " << what << " index " << indices[i]
                         << " is outside [0, " << dim << ")";
    if (i && indices[i] <= indices[i - 1])
      return emitError() << "#dsc.slice: " << what
                         << " indices must be strictly increasing, got "
                         << indices[i - 1] << " before " << indices[i];
  }
  return success();
}

LogicalResult SliceSourceAttr::verify(EmitFn emitError, Attribute source,
                                      ArrayRef<int64_t> shape,
                                      ArrayRef<int64_t> rows,
                                      ArrayRef<int64_t> cols) {
  if (shape.empty() || shape.size() > 2)
    return emitError() << "#dsc.slice: the source shape must be 1-D or 2-D";
  for (int64_t d : shape)
    if (d <= 0)
      return emitError() << "#dsc.slice: the source shape must be positive";
  if (rows.empty() && cols.empty())
    return emitError() << "#dsc.slice needs rows or cols to keep";
  if (!cols.empty() && shape.size() != 2)
    return emitError() << "#dsc.slice: cols of a 1-D source";
  if (failed(checkIndices(emitError, "row", rows, shape[0])) ||
      (!cols.empty() &&
       failed(checkIndices(emitError, "column", cols, shape[1]))))
    return failure();
  return checkInner(source, emitError);
}

Attribute SliceSourceAttr::getInnerSource() const { return getSource(); }

FailureOr<Shape> SliceSourceAttr::getSourceShape(ArrayRef<int64_t> shape,
                                                 EmitFn emitError) const {
  ArrayRef<int64_t> from = getShape();
  Shape kept(from.begin(), from.end());
  if (!getRows().empty())
    kept[0] = getRows().size();
  if (!getCols().empty())
    kept[1] = getCols().size();
  if (ArrayRef<int64_t>(kept) != shape)
    return emitError() << "#dsc.slice keeps " << shapeStr(kept)
                       << " of its source, not the " << shapeStr(shape)
                       << " asked of it";
  return Shape(from.begin(), from.end());
}

//===----------------------------------------------------------------------===//
// #dsc.scaled
//===----------------------------------------------------------------------===//

LogicalResult ScaledSourceAttr::verify(EmitFn emitError, Attribute source,
                                       DenseFPElementsAttr rows,
                                       DenseFPElementsAttr cols) {
  if (!rows && !cols)
    return emitError() << "a scaled source needs rows or cols factors";
  for (DenseFPElementsAttr f : {rows, cols}) {
    if (!f)
      continue;
    if (f.getType().getRank() != 1 || !f.getElementType().isF32())
      return emitError() << "scale factors must be a 1-D f32 tensor, got "
                         << f.getType();
    for (APFloat v : f.getValues<APFloat>())
      if (!v.isFiniteNonZero())
        return emitError() << "scale factors must be finite and non-zero";
  }
  return checkInner(source, emitError);
}

Attribute ScaledSourceAttr::getInnerSource() const { return getSource(); }

FailureOr<Shape> ScaledSourceAttr::getSourceShape(ArrayRef<int64_t> shape,
                                                  EmitFn emitError) const {
  if (getRows() && getRows().getNumElements() != shape[0])
    return emitError() << "#dsc.scaled has " << getRows().getNumElements()
                       << " row factors for " << shape[0] << " rows";
  if (getCols() &&
      (shape.size() != 2 || getCols().getNumElements() != shape[1]))
    return emitError() << "#dsc.scaled has " << getCols().getNumElements()
                       << " column factors for a weight of shape "
                       << shapeStr(shape);
  return Shape(shape.begin(), shape.end());
}
