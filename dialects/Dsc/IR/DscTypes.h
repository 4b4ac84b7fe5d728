//===- DscTypes.h - dsc types -----------------------------------*- C++ -*-===//

#ifndef DSC_IR_DSCTYPES_H
#define DSC_IR_DSCTYPES_H

#include "Dsc/IR/DscAttrs.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#define GET_TYPEDEF_CLASSES
#include "Dsc/IR/DscTypes.h.inc"

#endif // DSC_IR_DSCTYPES_H
