//===- DscDialect.h - dsc dialect -------------------------------*- C++ -*-===//

#ifndef DSC_IR_DSCDIALECT_H
#define DSC_IR_DSCDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "Dsc/IR/DscDialect.h.inc"

#endif // DSC_IR_DSCDIALECT_H
