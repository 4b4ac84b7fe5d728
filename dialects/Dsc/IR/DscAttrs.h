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
/// Bytes one element of `encoding` takes, or 0 for block encodings.
int64_t getEncodingBlockBytes(Encoding encoding, int64_t *blockElems);
} // namespace mlir::dsc

#define GET_ATTRDEF_CLASSES
#include "Dsc/IR/DscAttrs.h.inc"

#endif // DSC_IR_DSCATTRS_H
