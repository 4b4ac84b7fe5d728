//===- DscDialect.cpp - dsc dialect ---------------------------------------===//

#include "Dsc/IR/DscDialect.h"
#include "Dsc/IR/DscOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "registry/TargetRegistry.h"

#include <cmath>

using namespace mlir;
using namespace mlir::dsc;

#include "Dsc/IR/DscDialect.cpp.inc"

void DscDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "Dsc/IR/DscOps.cpp.inc"
      >();
  registerAttributes();
  registerTypes();
}

LogicalResult DscDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  if (attr.getName() == getConfigAttrName()) {
    if (!isa<ModuleOp>(op))
      return op->emitError()
             << "'" << getConfigAttrName() << "' is only valid on a module";
    if (!isa<ModelConfigAttr>(attr.getValue()))
      return op->emitError() << "'" << getConfigAttrName()
                             << "' must be a #dsc.config attribute";
    return success();
  }
  if (attr.getName() == getTokenizerAttrName()) {
    if (!isa<ModuleOp>(op))
      return op->emitError()
             << "'" << getTokenizerAttrName() << "' is only valid on a module";
    auto dict = dyn_cast<DictionaryAttr>(attr.getValue());
    if (!dict || !isa_and_nonnull<StringAttr>(dict.get("path")) ||
        !isa_and_nonnull<StringAttr>(dict.get("kind")))
      return op->emitError() << "'" << getTokenizerAttrName()
                             << "' must be a dictionary with string 'path' "
                                "and 'kind'";
    return success();
  }
  if (attr.getName() == "dsc.weights_size" ||
      attr.getName() == "dsc.model_id") {
    if (!isa<ModuleOp>(op) || !isa<IntegerAttr>(attr.getValue()))
      return op->emitError() << "'" << attr.getName().getValue()
                             << "' must be an integer on a module";
    return success();
  }
  if (attr.getName() == "dsc.derived_from") {
    // A CUDA kernel dsc-gpu-derive-kernels made from a dsc op's CPU
    // lowering.
    auto name = dyn_cast<StringAttr>(attr.getValue());
    if (!isa<FunctionOpInterface>(op) || !name ||
        !RegisteredOperationName::lookup(name.getValue(), op->getContext()))
      return op->emitError() << "'dsc.derived_from' must name an operation "
                                "on a function";
    return success();
  }
  if (attr.getName() == "dsc.warp_rows") {
    // A chain of linalg ops dsc-gpu-map-row-chains maps a warp a row, the
    // values a lane takes at a time.
    auto width = dyn_cast<IntegerAttr>(attr.getValue());
    if (!isa<FunctionOpInterface>(op) || !width)
      return op->emitError()
             << "'dsc.warp_rows' must be an integer on a function";
    return success();
  }
  if (attr.getName() == "dsc.target") {
    auto name = dyn_cast<StringAttr>(attr.getValue());
    if (!isa<ModuleOp>(op) || !name)
      return op->emitError() << "'dsc.target' must be a string on a module";
    if (!findTarget(name.getValue()))
      return op->emitError() << "unknown target '" << name.getValue()
                             << "' (known: " << listTargetNames() << ")";
    return success();
  }
  if (attr.getName() == "dsc.quantize") {
    // A scheme to quantize this weight with, or false to keep it float: how
    // mixed precision reaches dsc-quant-apply.
    auto keep = dyn_cast<BoolAttr>(attr.getValue());
    if (!isa<GlobalOp>(op) ||
        !(isa<QuantSchemeAttr>(attr.getValue()) || (keep && !keep.getValue())))
      return op->emitError() << "'dsc.quantize' must be a #dsc.quant scheme "
                                "or false on a dsc.global";
    return success();
  }
  if (attr.getName() == "dsc.importance") {
    auto g = dyn_cast<GlobalOp>(op);
    auto v = dyn_cast<DenseFPElementsAttr>(attr.getValue());
    if (!g || !v || v.getType().getRank() != 1 || !v.getElementType().isF32())
      return op->emitError()
             << "'dsc.importance' must be a 1-D f32 tensor on a dsc.global";
    auto shaped = g.getShapedType();
    if (shaped.getRank() != 2 || v.getNumElements() != shaped.getDimSize(1))
      return op->emitError() << "'dsc.importance' has " << v.getNumElements()
                             << " values for a weight of shape " << shaped;
    for (APFloat f : v.getValues<APFloat>())
      if (!f.isFinite() || f.isNegative())
        return op->emitError()
               << "'dsc.importance' values must be finite and non-negative";
    return success();
  }
  if (attr.getName() == "dsc.hessian") {
    // GPTQ's input statistics (mean x^T x): cols x cols.
    auto g = dyn_cast<GlobalOp>(op);
    auto v = dyn_cast<DenseFPElementsAttr>(attr.getValue());
    if (!g || !v || v.getType().getRank() != 2 || !v.getElementType().isF32())
      return op->emitError()
             << "'dsc.hessian' must be a 2-D f32 tensor on a dsc.global";
    auto shaped = g.getShapedType();
    int64_t cols = shaped.getRank() == 2 ? shaped.getDimSize(1) : -1;
    if (v.getType().getDimSize(0) != cols || v.getType().getDimSize(1) != cols)
      return op->emitError()
             << "'dsc.hessian' is " << v.getType() << " for a weight of shape "
             << shaped << " (expected columns x columns)";
    for (float f : v.getValues<float>())
      if (!std::isfinite(f))
        return op->emitError() << "'dsc.hessian' values must be finite";
    return success();
  }
  if (attr.getName() == "dsc.digest") {
    if (!isa<GlobalOp>(op) || !isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'dsc.digest' must be a string on a dsc.global";
    return success();
  }
  if (attr.getName() == "dsc.device_forward") {
    // dsc-gpu-place-forward's mark: the forward pass runs on the device.
    auto fn = dyn_cast<FunctionOpInterface>(op);
    if (!isa<UnitAttr>(attr.getValue()) || !fn || fn.getName() != "forward")
      return op->emitError()
             << "'dsc.device_forward' must be a unit attribute on the "
                "forward function";
    return success();
  }
  if (attr.getName() == "dsc.host_kernel" ||
      attr.getName() == "dsc.host_lanes") {
    // dsc-gpu-kernels-to-host's marks on a GPU kernel's host form (the fake
    // driver of the tests without a GPU); host_lanes: a form for one thread,
    // of a kernel with mma.sync.
    if (!isa<UnitAttr>(attr.getValue()) || !isa<FunctionOpInterface>(op))
      return op->emitError() << "'" << attr.getName().getValue()
                             << "' must be a unit attribute on a function";
    return success();
  }
  return op->emitError() << "unknown dsc attribute '"
                         << attr.getName().getValue() << "'";
}

bool DscDialect::isScalesArgType(Type t) {
  auto m = dyn_cast<MemRefType>(t);
  return m && m.getRank() == 1 && m.getElementType().isF32();
}

LogicalResult DscDialect::verifyRegionArgAttribute(Operation *op,
                                                   unsigned regionIndex,
                                                   unsigned argIndex,
                                                   NamedAttribute attr) {
  if (attr.getName() == "dsc.name") {
    // The forward function's arguments, named for the runtime's ABI.
    if (!isa<StringAttr>(attr.getValue()))
      return op->emitError() << "'dsc.name' must be a string";
    return success();
  }
  if (attr.getName() == getScalesArgAttrName()) {
    // A CUDA kernel's quantized scales, written f32; dsc-gpu-retype-scales
    // gives them the model's type (and removes the mark).
    auto fn = dyn_cast<FunctionOpInterface>(op);
    if (!isa<UnitAttr>(attr.getValue()) || !fn ||
        argIndex >= fn.getNumArguments() ||
        !isScalesArgType(fn.getArgumentTypes()[argIndex]))
      return op->emitError() << "'dsc.scales' must be a unit attribute on a "
                                "function argument of 1-D f32 memref type";
    return success();
  }
  return op->emitError() << "unknown dsc argument attribute '"
                         << attr.getName().getValue() << "'";
}

ModelConfigAttr mlir::dsc::getModelConfig(Operation *op) {
  auto module =
      isa<ModuleOp>(op) ? cast<ModuleOp>(op) : op->getParentOfType<ModuleOp>();
  if (!module)
    return {};
  return module->getAttrOfType<ModelConfigAttr>(
      DscDialect::getConfigAttrName());
}
