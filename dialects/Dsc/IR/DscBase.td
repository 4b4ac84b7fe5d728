//===- DscBase.td - dsc dialect definition -----------------*- tablegen -*-===//
//
// The dsc dialect describes a decoder-only transformer's forward pass at the
// level of tensors: weights referenced by name, quantization schemes as
// attributes, and the model's architecture as a module attribute.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_BASE_TD
#define DSC_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def Dsc_Dialect : Dialect {
  let name = "dsc";
  let cppNamespace = "::mlir::dsc";
  let summary = "Tensor-level IR for decoder-only transformer models";
  let description = [{
    The `dsc` dialect holds a language model's forward pass as IR that the
    dsc compiler rewrites (fusion, quantization, pruning, weight packing) and
    lowers to native code. Model weights never appear as dense attributes:
    `dsc.global` declares each weight with its type and where its bytes live
    (a checkpoint file and offset), and `dsc.weight` reads it.

    The module carries the architecture as `dsc.config`, a `#dsc.config<...>`
    attribute, so that passes and the code generator see every model constant.
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();

    /// Name of the module attribute holding the `#dsc.config`.
    static constexpr ::llvm::StringLiteral getConfigAttrName() {
      return ::llvm::StringLiteral("dsc.config");
    }
    /// Name of the module attribute holding the tokenizer source.
    static constexpr ::llvm::StringLiteral getTokenizerAttrName() {
      return ::llvm::StringLiteral("dsc.tokenizer");
    }
    /// Name of the unit attribute marking a CUDA kernel's argument that
    /// holds quantized weights' scales (dsc-gpu-retype-scales).
    static constexpr ::llvm::StringLiteral getScalesArgAttrName() {
      return ::llvm::StringLiteral("dsc.scales");
    }
    /// Whether an argument of type `t` may carry that mark: the kernels
    /// are written over 1-D f32 scales.
    static bool isScalesArgType(::mlir::Type t);
  }];
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class Dsc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Dsc_Dialect, mnemonic, traits>;

class Dsc_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Dsc_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

class Dsc_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Dsc_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

#endif // DSC_BASE_TD
