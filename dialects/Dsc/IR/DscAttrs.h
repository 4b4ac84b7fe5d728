//===- DscAttrs.h - dsc attributes ------------------------------*- C++ -*-===//

#ifndef DSC_IR_DSCATTRS_H
#define DSC_IR_DSCATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/MLIRContext.h"

#include "Dsc/IR/DscEnums.h.inc"

namespace mlir::dsc {
FailureOr<llvm::APFloat> parseF64(AsmParser &parser);
void printF64(AsmPrinter &printer, const llvm::APFloat &value);
FailureOr<bool> parseBool(AsmParser &parser);
/// Bytes of one block of `encoding` and (in `blockElems`) its elements: 1
/// element for the float encodings.
int64_t getEncodingBlockBytes(Encoding encoding, int64_t *blockElems);
/// ggml's type id of a block encoding (dsc/abi/quant_layout.h); 0 for the
/// float encodings.
unsigned getGGMLType(Encoding encoding);
/// `[a, b, ...]`: slice shapes and indices.
FailureOr<llvm::SmallVector<int64_t>> parseInt64List(AsmParser &parser);
void printInt64List(AsmPrinter &printer, llvm::ArrayRef<int64_t> values);
} // namespace mlir::dsc

#include "Dsc/IR/DscAttrInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "Dsc/IR/DscAttrs.h.inc"

namespace mlir::dsc {
/// Checks that the weight-source tree `source` yields a weight of `shape`:
/// every node a weight source, each transform's parameters fitting the shape
/// it sees, the leaf's bytes holding the shape asked of it.
LogicalResult
verifyWeightSource(Attribute source, llvm::ArrayRef<int64_t> shape,
                   llvm::function_ref<InFlightDiagnostic()> emitError);
} // namespace mlir::dsc

#endif // DSC_IR_DSCATTRS_H
