//===- DscAttrs.td - dsc attributes ------------------------*- tablegen -*-===//

#ifndef DSC_ATTRS_TD
#define DSC_ATTRS_TD

include "Dsc/IR/DscBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"

//===----------------------------------------------------------------------===//
// Parameters
//===----------------------------------------------------------------------===//

// Stored as APFloat (double semantics) since LLVM's hashing has no double.
class Dsc_F64Parameter<string desc, string defVal = ""> :
    APFloatParameter<desc> {
  let parser = "::mlir::dsc::parseF64($_parser)";
  let printer = "::mlir::dsc::printF64($_printer, $_self)";
  let defaultValue = defVal;
}

class Dsc_BoolParameter<string desc, string defVal = "false"> :
    AttrParameter<"bool", desc> {
  let parser = "::mlir::dsc::parseBool($_parser)";
  let printer = "$_printer << ($_self ? \"true\" : \"false\")";
  let defaultValue = defVal;
}

class Dsc_QualifiedOptionalAttrParameter<string type> :
    OptionalParameter<type> {
  let printer = "$_printer.printAttribute($_self)";
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def Dsc_Granularity : I32EnumAttr<"Granularity",
    "how quantization scales are shared", [
      I32EnumAttrCase<"Tensor", 0, "tensor">,
      I32EnumAttrCase<"Channel", 1, "channel">,
      I32EnumAttrCase<"Group", 2, "group">,
      I32EnumAttrCase<"Head", 3, "head">
    ]> {
  let cppNamespace = "::mlir::dsc";
  let genSpecializedAttr = 0;
}

def Dsc_Encoding : I32EnumAttr<"Encoding",
    "how a tensor's elements are stored in a checkpoint file", [
      I32EnumAttrCase<"F32", 0, "f32">,
      I32EnumAttrCase<"F16", 1, "f16">,
      I32EnumAttrCase<"BF16", 2, "bf16">,
      I32EnumAttrCase<"Q8_0", 3, "q8_0">,
      I32EnumAttrCase<"Q4_0", 4, "q4_0">,
      I32EnumAttrCase<"Q4_1", 5, "q4_1">,
      I32EnumAttrCase<"Q5_0", 6, "q5_0">,
      I32EnumAttrCase<"Q5_1", 7, "q5_1">
    ]> {
  let cppNamespace = "::mlir::dsc";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// #dsc.quant
//===----------------------------------------------------------------------===//

def Dsc_QuantSchemeAttr : Dsc_Attr<"QuantScheme", "quant"> {
  let summary = "A weight quantization scheme";
  let description = [{
    Describes how a 2-D weight `[out, in]` is quantized: the integer width,
    which elements share a scale (granularity), whether there is a zero point
    (asymmetric) and the type scales are stored in.

    | granularity   | one scale (and zero point) per                     |
    |---------------|----------------------------------------------------|
    | `tensor`      | whole tensor                                       |
    | `channel = A` | index along axis `A` (0: output rows, 1: columns)  |
    | `group = G`   | row and run of `G` consecutive input columns       |
    | `head = R`    | block of `R` output rows (one attention head)      |

    Examples:
    ```mlir
    #dsc.quant<i8, channel = 0, symmetric>
    #dsc.quant<i4, group = 32, symmetric>
    #dsc.quant<i4, group = 128, asymmetric, scale = f16>
    #dsc.quant<i4, head = 64, symmetric>
    ```
  }];
  let parameters = (ins
    "unsigned":$bits,
    EnumParameter<Dsc_Granularity>:$granularity,
    "int64_t":$blockSize,
    "bool":$symmetric,
    "::mlir::Type":$scaleType
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// For `channel`, the axis that has one scale per index.
    int64_t getAxis() const { return getBlockSize(); }
    /// Number of scales for a `[rows, cols]` weight.
    int64_t getNumScales(int64_t rows, int64_t cols) const;
    /// Checks that the scheme tiles a `[rows, cols]` weight; describes why not.
    ::mlir::LogicalResult checkShape(::llvm::ArrayRef<int64_t> shape,
                                     std::string *why) const;
  }];
}

//===----------------------------------------------------------------------===//
// #dsc.rope_scaling and #dsc.config
//===----------------------------------------------------------------------===//

def Dsc_RopeScalingAttr : Dsc_Attr<"RopeScaling", "rope_scaling"> {
  let summary = "Llama-3 style RoPE frequency scaling";
  let description = [{
    The `rope_type = "llama3"` scaling of Hugging Face configs: wavelengths
    longer than `original_max_position_embeddings / low_freq_factor` are divided
    by `factor`, shorter than `... / high_freq_factor` kept, and those between
    smoothly interpolated.
  }];
  let parameters = (ins
    Dsc_F64Parameter<"scaling factor">:$factor,
    Dsc_F64Parameter<"low frequency factor">:$low_freq_factor,
    Dsc_F64Parameter<"high frequency factor">:$high_freq_factor,
    "int64_t":$original_max_position_embeddings
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Dsc_ModelConfigAttr : Dsc_Attr<"ModelConfig", "config"> {
  let summary = "Architecture of a decoder-only transformer";
  let description = [{
    Every model constant the code generator needs. `arch` is `llama`,
    `qwen2` or `mistral`; the dimensions use Hugging Face's meaning
    (`dim` = hidden_size, `hidden_dim` = intermediate_size).

    ```mlir
    #dsc.config<arch = "llama", vocab_size = 512, dim = 64, hidden_dim = 172,
                n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 8,
                max_seq_len = 512, rope_theta = 10000.0, norm_eps = 1.0e-05,
                tie_embeddings = true>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"architecture">:$arch,
    "int64_t":$vocab_size,
    "int64_t":$dim,
    "int64_t":$hidden_dim,
    "int64_t":$n_layers,
    "int64_t":$n_heads,
    "int64_t":$n_kv_heads,
    "int64_t":$head_dim,
    "int64_t":$max_seq_len,
    Dsc_F64Parameter<"RoPE base", "::llvm::APFloat(10000.0)">:$rope_theta,
    Dsc_F64Parameter<"RMSNorm epsilon", "::llvm::APFloat(1e-5)">:$norm_eps,
    Dsc_BoolParameter<"classifier shares the embedding table">:$tie_embeddings,
    Dsc_BoolParameter<"q/k/v projections have biases">:$attention_bias,
    DefaultValuedParameter<"int64_t", "0",
                           "sliding attention window (0: none)">:$sliding_window,
    Dsc_QualifiedOptionalAttrParameter<"::mlir::dsc::RopeScalingAttr">:$rope_scaling
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// #dsc.file
//===----------------------------------------------------------------------===//

def Dsc_FileSourceAttr : Dsc_Attr<"FileSource", "file"> {
  let summary = "Where a weight's bytes are in a checkpoint file";
  let description = [{
    Refers to `size` bytes at byte `offset` of the file at `path`, stored with
    `encoding`. The compiler reads (mmaps) them only when it writes the
    executable's weights, so the IR stays small for any model size.

    Two layout fix-ups are applied while reading, so that all checkpoint
    formats of a model yield the same weights:
    - `rope_heads = N`: the rows are in Hugging Face's rotate-half order for
      `N` heads and are put back in the interleaved order dsc uses;
    - `transpose = true`: the file holds the `[in, out]` transpose (ONNX).

    ```mlir
    #dsc.file<path = "model.safetensors", offset = 1024, size = 16384,
              encoding = f32, rope_heads = 8>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"file path">:$path,
    "int64_t":$offset,
    "int64_t":$size,
    EnumParameter<Dsc_Encoding>:$encoding,
    DefaultValuedParameter<"int64_t", "0",
                           "heads to undo HF's RoPE row permutation for">:$rope_heads,
    Dsc_BoolParameter<"the file holds the transpose">:$transpose
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// #dsc.scaled
//===----------------------------------------------------------------------===//

def Dsc_ScaledSourceAttr : Dsc_Attr<"ScaledSource", "scaled"> {
  let summary = "A weight source with its rows and columns rescaled";
  let description = [{
    The weight `source` holds, element `[r, c]` multiplied by `rows[r]` and
    `cols[c]` (a 1-D weight: element `i` by `rows[i]`). Activation-aware
    calibration writes these: it scales a weight's input columns up by `s`
    and the op producing that input (the RMSNorm weight, the rows of the
    `v` or `up` projection) down by `s`, which leaves the model's function
    unchanged but makes the salient columns cheaper to quantize. The weight
    writer applies the factors when it reads the source.

    ```mlir
    #dsc.scaled<#dsc.file<path = "m.bin", offset = 0, size = 256,
                          encoding = f32>,
                rows = dense<[2.0, 0.5]> : tensor<2xf32>>
    ```
  }];
  let parameters = (ins
    "::mlir::Attribute":$source,
    OptionalParameter<"::mlir::DenseFPElementsAttr">:$rows,
    OptionalParameter<"::mlir::DenseFPElementsAttr">:$cols
  );
  let assemblyFormat = "`<` $source `,` struct($rows, $cols) `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// #dsc.tiled
//===----------------------------------------------------------------------===//

def Dsc_TiledLayoutAttr : Dsc_Attr<"TiledLayout", "tiled"> {
  let summary = "Storage of a weight as tiles of rows x cols elements";
  let description = [{
    The weight blob holds a `[N, K]` weight as `(N / rows) x (K / cols)`
    tiles, tile `(b, t)` at element `(b * (K / cols) + t) * rows * cols`,
    row-major inside the tile. Decoding reads it as one sequential stream.
    `dsc-weights-pack` chooses it; the code generator picks the kernel that
    reads it.

    ```mlir
    #dsc.tiled<rows = 4, cols = 16>
    ```
  }];
  let parameters = (ins "int64_t":$rows, "int64_t":$cols);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // DSC_ATTRS_TD
