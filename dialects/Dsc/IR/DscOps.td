//===- DscOps.td - dsc operations --------------------------*- tablegen -*-===//

#ifndef DSC_OPS_TD
#define DSC_OPS_TD

include "Dsc/IR/DscBase.td"
include "Dsc/IR/DscAttrs.td"
include "Dsc/IR/DscTypes.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"

// Activations are [tokens, width]: the token count may be dynamic, the width
// is the model's constant (what dsc-codegen-lower's loops and kernels take).
def Dsc_ActivationTensor : Type<
    And<[TensorRankOf<[F32], [2]>.predicate,
         CPred<"!::llvm::cast<::mlir::RankedTensorType>($_self).isDynamicDim(1)">]>,
    "2-D f32 tensor [tokens, width] of static width",
    "::mlir::RankedTensorType">;
def Dsc_Vector : 1DTensorOf<[AnyFloat]>;

//===----------------------------------------------------------------------===//
// Weights
//===----------------------------------------------------------------------===//

def Dsc_GlobalOp : Dsc_Op<"global", [Symbol, IsolatedFromAbove]> {
  let summary = "Declares a model weight";
  let description = [{
    Declares a named weight of a static tensor or quantized tensor type. The
    optional `source` says where its bytes are (e.g. `#dsc.file`); the value is
    never held in the IR. `offset`, set by weight layout, is its byte offset in
    the executable's weight blob; `layout`, set by weight packing, how its
    elements are ordered there (row-major when absent).

    ```mlir
    dsc.global @layers.0.attention.wq : tensor<64x64xf32>
        = #dsc.file<path = "m.bin", offset = 3100, size = 16384, encoding = f32>
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    TypeAttrOf<Dsc_AnyWeight>:$type,
    OptionalAttr<AnyAttr>:$source,
    OptionalAttr<I64Attr>:$offset,
    OptionalAttr<Dsc_TiledLayoutAttr>:$layout
  );
  let assemblyFormat = "$sym_name `:` $type (`=` $source^)? attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::ShapedType getShapedType() {
      return ::llvm::cast<::mlir::ShapedType>(getType());
    }
  }];
}

def Dsc_WeightOp : Dsc_Op<"weight", [Pure,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Reads a weight declared by dsc.global";
  let arguments = (ins FlatSymbolRefAttr:$global);
  let results = (outs Dsc_AnyWeight:$result);
  let assemblyFormat = "$global attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Layers
//===----------------------------------------------------------------------===//

def Dsc_EmbeddingOp : Dsc_Op<"embedding", [Pure]> {
  let summary = "Looks up token embeddings";
  let description = [{
    `result[i, :] = table[ids[i], :]`, dequantized when the table is quantized.
  }];
  let arguments = (ins Dsc_AnyWeight:$table, 1DTensorOf<[I32]>:$ids);
  let results = (outs Dsc_ActivationTensor:$result);
  let assemblyFormat = [{
    $table `[` $ids `]` attr-dict `:` type($table) `,` type($ids) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Dsc_RMSNormOp : Dsc_Op<"rms_norm", [Pure,
    AllTypesMatch<["input", "result"]>]> {
  let summary = "Root-mean-square normalization over the last dimension";
  let description = [{
    `result = input / sqrt(mean(input^2) + eps) * weight`.
  }];
  let arguments = (ins Dsc_ActivationTensor:$input, Dsc_Vector:$weight,
                       F64Attr:$eps);
  let results = (outs Dsc_ActivationTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight)
  }];
  let hasVerifier = 1;
}

def Dsc_LinearOp : Dsc_Op<"linear", [Pure]> {
  let summary = "Matrix product with a (possibly quantized) weight";
  let description = [{
    `result[s, n] = sum_k input[s, k] * weight[n, k] (+ bias[n])`. The weight
    is `[out, in]` as in PyTorch's `nn.Linear`; a `!dsc.qtensor` weight is
    dequantized by its scheme.

    `prefill_products = bf16` (float weights only) allows the products of a
    prompt's rows to be computed with both operands rounded to bf16 and
    summed in f32, which targets with bf16 dot products (AVX512_BF16) run
    at twice the multiplies a cycle; decoding's rows and targets without
    them stay exact. `prefill_products = f16` (f16 or quantized weights,
    whose values f16 holds exactly) allows a prompt's rows to be rounded to
    f16 and multiplied with the weight's values in f16, summed in f32: the
    CUDA targets' tensor cores (mma.sync). `dsc-graph-relax-prefill` sets
    it.
  }];
  let arguments = (ins Dsc_ActivationTensor:$input, Dsc_AnyWeight:$weight,
                       Optional<Dsc_Vector>:$bias,
                       OptionalAttr<TypeAttr>:$prefill_products);
  let results = (outs Dsc_ActivationTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,`
    type($weight) (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

def Dsc_RoPEOp : Dsc_Op<"rope", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Rotary position embedding, interleaved pairs";
  let description = [{
    Rotates each head's consecutive pairs `(2i, 2i+1)` of row `s` by angle
    `(pos + s) * theta^(-2i/head_dim)` (frequencies optionally rescaled by
    `scaling`). Checkpoints that use Hugging Face's rotate-half order have
    their q/k rows permuted on import so that this one form serves all.
  }];
  let arguments = (ins Dsc_ActivationTensor:$input, Index:$pos, I64Attr:$head_dim,
                       F64Attr:$theta,
                       OptionalAttr<Dsc_RopeScalingAttr>:$scaling);
  let results = (outs Dsc_ActivationTensor:$result);
  let assemblyFormat = "$input `at` $pos attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Dsc_AttentionOp : Dsc_Op<"attention", []> {
  let summary = "Causal multi-head attention through the KV cache";
  let description = [{
    Stores `key` and `value` (rows for positions `pos .. pos+S-1`) into layer
    `layer` of `cache`, then computes causal softmax attention of each query
    row over the cached positions `0 .. pos+s` (or the last `window` of them).
    Query head `h` uses KV head `h / (n_heads / n_kv_heads)` (grouped-query
    attention). `scale` defaults to `1/sqrt(head_dim)`.
  }];
  let arguments = (ins
    Dsc_ActivationTensor:$query, Dsc_ActivationTensor:$key, Dsc_ActivationTensor:$value,
    Arg<Dsc_KVCacheType, "the KV cache", [MemRead, MemWrite]>:$cache,
    Index:$pos,
    I64Attr:$layer, I64Attr:$n_heads,
    OptionalAttr<F64Attr>:$scale,
    DefaultValuedAttr<I64Attr, "0">:$window
  );
  let results = (outs Dsc_ActivationTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value `,` $cache `at` $pos attr-dict `:`
    type($query) `,` type($key) `,` type($value) `,` qualified(type($cache)) `->`
    type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    int64_t getHeadDim() { return getCache().getType().getHeadDim(); }
    int64_t getNumKVHeads() { return getCache().getType().getNumKVHeads(); }
    double getScaleOrDefault();
  }];
}

//===----------------------------------------------------------------------===//
// Calibration
//===----------------------------------------------------------------------===//

def Dsc_ObserveOp : Dsc_Op<"observe", [MemoryEffects<[MemWrite]>]> {
  let summary = "Hands an activation to the calibration runtime";
  let description = [{
    Records the rows of `input` as observation point `id`. It lowers to a
    call of the runtime's `dsc_rt_observe`, which writes them to the file
    the executable's `--observe` flag names. `dsc-calib-instrument` inserts
    one for each activation that linear layers read; calibration compiles
    the instrumented model, runs it on text and reads the recordings back.

    ```mlir
    dsc.observe %x as 3 : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Dsc_ActivationTensor:$input, I64Attr:$id);
  let assemblyFormat = "$input `as` $id attr-dict `:` type($input)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Element-wise
//===----------------------------------------------------------------------===//

class Dsc_UnaryOp<string mnemonic, string desc> : Dsc_Op<mnemonic,
    [Pure, SameOperandsAndResultType]> {
  let summary = desc;
  let arguments = (ins Dsc_ActivationTensor:$input);
  let results = (outs Dsc_ActivationTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

class Dsc_BinaryOp<string mnemonic, string desc, list<Trait> traits = []>
    : Dsc_Op<mnemonic, !listconcat([Pure, SameOperandsAndResultType], traits)> {
  let summary = desc;
  let arguments = (ins Dsc_ActivationTensor:$lhs, Dsc_ActivationTensor:$rhs);
  let results = (outs Dsc_ActivationTensor:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($result)";
}

def Dsc_SiLUOp : Dsc_UnaryOp<"silu", "x * sigmoid(x)">;
def Dsc_GELUOp : Dsc_UnaryOp<"gelu", "GELU, tanh approximation">;
def Dsc_SoftmaxOp : Dsc_UnaryOp<"softmax", "Softmax over the last dimension">;
def Dsc_AddOp : Dsc_BinaryOp<"add", "Element-wise sum", [Commutative]>;
def Dsc_MulOp : Dsc_BinaryOp<"mul", "Element-wise product", [Commutative]>;
def Dsc_SwiGLUOp : Dsc_BinaryOp<"swiglu", "silu(lhs) * rhs, the SwiGLU gate">;

//===----------------------------------------------------------------------===//
// Micro-kernels
//===----------------------------------------------------------------------===//

// A kernel or runtime entry of dsc/abi/kernels.def, held as the C++ enum
// registry/KernelABI.h derives from it and spelled as its name there.
def Dsc_KernelProp : Property<"::mlir::dsc::Kernel",
    "a micro-kernel of dsc/abi/kernels.def"> {
  let convertToAttribute = [{
    return ::mlir::StringAttr::get($_ctxt, ::mlir::dsc::getKernelName($_storage));
  }];
  let convertFromAttribute = [{
    return ::mlir::dsc::kernelFromAttribute($_storage, $_attr, $_diag);
  }];
  let hashProperty = "::llvm::hash_value(static_cast<int>($_storage))";
  let parser = [{
    return ::mlir::dsc::parseKernel($_parser, $_storage);
  }];
  let printer = "$_printer << ::mlir::dsc::getKernelName($_storage)";
  let writeToMlirBytecode = [{
    $_writer.writeAttribute(
        ::mlir::StringAttr::get($_ctxt, ::mlir::dsc::getKernelName($_storage)));
  }];
  let readFromMlirBytecode = [{
    ::mlir::Attribute attr;
    if (::mlir::failed($_reader.readAttribute(attr)) ||
        ::mlir::failed(::mlir::dsc::kernelFromAttribute($_storage, attr, nullptr)))
      return ::mlir::failure();
  }];
}

def Dsc_UKernelOp : Dsc_Op<"ukernel", [AttrSizedOperandSegments,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
         "getAliasingValues", "bufferize"]>]> {
  let summary = "Calls a micro-kernel in destination-passing style";
  let description = [{
    Calls `kernel` (dsc/abi/kernels.def) on the buffers of `ins` (read) and
    `outs` (written), and the scalars `args`. The kernel's C parameters are
    filled in order: each pointer parameter from `ins` then `outs`, each
    `int64_t` or `float` parameter from `args`, so the operands must match
    the kernel's declaration in number and kind.

    On tensors, each tensor in `outs` is the destination of one result, and
    one-shot bufferization turns the op into its form on memrefs, without
    results. A memref operand (the KV cache) is accessed in place on either
    form. `dsc-codegen-lower-ukernels` turns the memref form into a
    `func.call` of the kernel's symbol with bare pointers.

    ```mlir
    %y = dsc.ukernel linear_f32 ins(%x, %w : tensor<?x8xf32>, tensor<8x8xf32>)
           outs(%init : tensor<?x8xf32>) args(%s, %k, %n : i64, i64, i64)
           -> tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Dsc_KernelProp:$kernel,
                       Variadic<AnyTypeOf<[AnyRankedTensor, AnyMemRef]>>:$inputs,
                       Variadic<AnyTypeOf<[AnyRankedTensor, AnyMemRef]>>:$outputs,
                       Variadic<AnyTypeOf<[I64, F32]>>:$args);
  let results = (outs Variadic<AnyRankedTensor>:$results);
  let assemblyFormat = [{
    $kernel (`ins` `(` $inputs^ `:` type($inputs) `)`)?
    (`outs` `(` $outputs^ `:` type($outputs) `)`)?
    (`args` `(` $args^ `:` type($args) `)`)? attr-dict
    (`->` type($results)^)?
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getOutputsMutable();
    }
  }];
}

#endif // DSC_OPS_TD
