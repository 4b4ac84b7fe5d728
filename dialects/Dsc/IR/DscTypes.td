//===- DscTypes.td - dsc types -----------------------------*- tablegen -*-===//

#ifndef DSC_TYPES_TD
#define DSC_TYPES_TD

include "Dsc/IR/DscBase.td"
include "Dsc/IR/DscAttrs.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

def Dsc_QTensorType : Dsc_Type<"QTensor", "qtensor",
    [DeclareTypeInterfaceMethods<ShapedTypeInterface, ["cloneWith"]>]> {
  let summary = "A weight tensor stored quantized";
  let description = [{
    A static-shaped tensor whose values are stored as `bits`-wide integers with
    scales (and zero points) as the `#dsc.quant` scheme says. The element type
    is the type the values stand for once dequantized.

    ```mlir
    !dsc.qtensor<172x64xf32, #dsc.quant<i4, group = 32, symmetric>>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t">:$shape,
    "::mlir::Type":$elementType,
    "::mlir::dsc::QuantSchemeAttr":$scheme
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRows() const { return getShape()[0]; }
    int64_t getCols() const { return getShape()[1]; }
  }];
}

def Dsc_KVCacheType : Dsc_Type<"KVCache", "kv_cache"> {
  let summary = "The attention key/value cache of all layers";
  let description = [{
    Keys and values of every layer for up to the run's context length, which
    the runtime chooses (`-c`). Written as `layers x kv_heads x head_dim x
    element-type`:

    ```mlir
    !dsc.kv_cache<5x4x8xf32>
    ```
  }];
  let parameters = (ins
    "int64_t":$numLayers,
    "int64_t":$numKVHeads,
    "int64_t":$headDim,
    "::mlir::Type":$elementType
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def Dsc_AnyWeight : AnyTypeOf<[AnyStaticShapeTensor, Dsc_QTensorType],
                              "static tensor or quantized tensor">;

#endif // DSC_TYPES_TD
