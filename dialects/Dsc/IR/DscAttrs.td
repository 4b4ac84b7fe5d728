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
      I32EnumAttrCase<"Q5_1", 7, "q5_1">,
      I32EnumAttrCase<"Q2_K", 8, "q2_k">,
      I32EnumAttrCase<"Q3_K", 9, "q3_k">,
      I32EnumAttrCase<"Q4_K", 10, "q4_k">,
      I32EnumAttrCase<"Q5_K", 11, "q5_k">,
      I32EnumAttrCase<"Q6_K", 12, "q6_k">,
      I32EnumAttrCase<"Q8_K", 13, "q8_k">,
      I32EnumAttrCase<"IQ4_NL", 14, "iq4_nl">,
      I32EnumAttrCase<"IQ4_XS", 15, "iq4_xs">
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

    A ggml block format (`q2_k`, `q3_k`, `q4_k`, `q5_k`, `q6_k`, `q8_k`,
    `iq4_nl`, `iq4_xs`, `q4_1`, `q5_0`, `q5_1`) as the whole scheme means
    the weight is stored as that format's blocks, exactly as a GGUF file
    holds them (dsc/abi/quant_layout.h), and read by kernels that decode
    them; nothing requantizes it. Its other parameters follow from the
    format (the nominal width, `group` = the block's values, symmetric when
    the format has no minimum, f16 scales) and are not spelled:
    ```mlir
    #dsc.quant<q4_k>
    ```
  }];
  let parameters = (ins
    "unsigned":$bits,
    EnumParameter<Dsc_Granularity>:$granularity,
    "int64_t":$blockSize,
    "bool":$symmetric,
    "::mlir::Type":$scaleType,
    OptionalParameter<"std::optional<::mlir::dsc::Encoding>",
                      "ggml block format the weight is stored in">:$blocks
  );
  let builders = [
    AttrBuilder<(ins "unsigned":$bits, "Granularity":$granularity,
                     "int64_t":$blockSize, "bool":$symmetric,
                     "::mlir::Type":$scaleType), [{
      return $_get($_ctxt, bits, granularity, blockSize, symmetric, scaleType,
                   std::nullopt);
    }]>
  ];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The scheme of weights stored as ggml `format` blocks, kept as they
    /// are; null if `format` is not a ggml block format dsc reads.
    static QuantSchemeAttr getGGML(::mlir::MLIRContext *ctx,
                                   ::mlir::dsc::Encoding format);
    /// Whether the weight is stored as ggml blocks.
    bool isGGML() const { return getBlocks().has_value(); }
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
// Weight sources: #dsc.file and the transforms that wrap it
//===----------------------------------------------------------------------===//

def Dsc_SourceParameter : AttrParameter<"::mlir::Attribute",
    "the weight source transformed"> {
  let printer = "$_printer.printAttribute($_self)";
}

class Dsc_Int64ListParameter<string desc> : ArrayRefParameter<"int64_t", desc> {
  let parser = "::mlir::dsc::parseInt64List($_parser)";
  let printer = "::mlir::dsc::printInt64List($_printer, $_self)";
}

class Dsc_OptionalInt64ListParameter<string desc> :
    OptionalArrayRefParameter<"int64_t", desc> {
  let parser = "::mlir::dsc::parseInt64List($_parser)";
  let printer = "::mlir::dsc::printInt64List($_printer, $_self)";
}

def Dsc_WeightSourceAttrInterface : AttrInterface<"WeightSourceAttrInterface"> {
  let cppNamespace = "::mlir::dsc";
  let description = [{
    Where a `dsc.global`'s value comes from: a leaf that holds bytes
    (`#dsc.file`) or a transform of an inner source (`#dsc.transpose`,
    `#dsc.rope_permute`, `#dsc.slice`, `#dsc.scaled`). Transforms nest in any
    order; the value is the leaf's decoded floats with each transform applied
    from the innermost out.
  }];
  let methods = [
    InterfaceMethod<[{
        The source this one transforms; null for a leaf.
      }],
      "::mlir::Attribute", "getInnerSource">,
    InterfaceMethod<[{
        The shape the inner source must have for this source to hold a
        weight of `shape` (a leaf: `shape` itself, once checked against what
        it holds). Says why through `emitError` when no shape fits.
      }],
      "::mlir::FailureOr<::llvm::SmallVector<int64_t, 2>>", "getSourceShape",
      (ins "::llvm::ArrayRef<int64_t>":$shape,
           "::llvm::function_ref<::mlir::InFlightDiagnostic()>":$emitError)>
  ];
}

def Dsc_FileSourceAttr : Dsc_Attr<"FileSource", "file",
    [DeclareAttrInterfaceMethods<Dsc_WeightSourceAttrInterface>]> {
  let summary = "Where a weight's bytes are in a checkpoint file";
  let description = [{
    Refers to `size` bytes at byte `offset` of the file at `path`, stored with
    `encoding`, row-major. The compiler reads (mmaps) them only when it writes
    the executable's weights, so the IR stays small for any model size. The
    bytes must hold exactly the shape asked of the source: a `[rows, cols]`
    weight is `rows` stored rows of `cols` elements (whole blocks for the
    ggml encodings); a 1-D weight of `n` is `n` rows of one element.

    Layout fix-ups that make all checkpoint formats of a model yield the same
    weights (`#dsc.transpose`, `#dsc.rope_permute`) and later rewrites
    (`#dsc.scaled`, `#dsc.slice`) wrap this attribute, in any order and
    depth. Each weight source implements `WeightSourceAttrInterface`: its
    inner source, and the shape that inner source must have for it to yield
    a given shape. The `dsc.global` verifier walks a source tree with it
    from the global's type down to the `#dsc.file`, whose size must match
    the shape that reaches it; the compiler's one interpreter of the tree
    (`compiler/weights/SourceInterpreter.cpp`) decodes the file and applies
    the transforms from the innermost out.

    ```mlir
    // An ONNX q projection: stored [in, out] in HF's RoPE row order.
    #dsc.rope_permute<#dsc.transpose<#dsc.file<path = "model.onnx.data",
        offset = 0, size = 512, encoding = f16>>, heads = 1>
    ```

    ```mlir
    #dsc.file<path = "model.safetensors", offset = 1024, size = 16384,
              encoding = f32>
    ```
  }];
  let parameters = (ins
    StringRefParameter<"file path">:$path,
    "int64_t":$offset,
    "int64_t":$size,
    EnumParameter<Dsc_Encoding>:$encoding
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Dsc_TransposeSourceAttr : Dsc_Attr<"TransposeSource", "transpose",
    [DeclareAttrInterfaceMethods<Dsc_WeightSourceAttrInterface>]> {
  let summary = "A 2-D weight source, transposed";
  let description = [{
    Element `[r, c]` is element `[c, r]` of `source`: a `[rows, cols]`
    weight whose source holds `[cols, rows]`. ONNX stores MatMul weights as
    `[in, out]`; dsc's are `[out, in]`.

    ```mlir
    #dsc.transpose<#dsc.file<path = "model.onnx.data", offset = 0,
                             size = 1024, encoding = f16>>
    ```
  }];
  let parameters = (ins Dsc_SourceParameter:$source);
  let assemblyFormat = "`<` $source `>`";
  let genVerifyDecl = 1;
}

def Dsc_RopePermuteSourceAttr : Dsc_Attr<"RopePermuteSource", "rope_permute",
    [DeclareAttrInterfaceMethods<Dsc_WeightSourceAttrInterface>]> {
  let summary = "A q/k projection source in Hugging Face's RoPE row order";
  let description = [{
    The rows of `source` are `heads` blocks of `d` rows (one per attention
    head) in the rotate-half order of Hugging Face checkpoints, which
    rotates row `i` with row `i + d/2`; dsc rotates adjacent rows
    `2j, 2j + 1`. Row `h*d + i` of this source is row
    `h*d + (i % 2) * d/2 + i / 2` of `source`. Applies to 1-D sources
    (biases) as to 2-D ones; the row count must be `heads` times an even
    number.

    ```mlir
    #dsc.rope_permute<#dsc.file<path = "model.safetensors", offset = 0,
                                size = 4096, encoding = bf16>, heads = 4>
    ```
  }];
  let parameters = (ins Dsc_SourceParameter:$source,
                        AttrParameter<"int64_t", "attention heads">:$heads);
  let assemblyFormat = "`<` $source `,` struct($heads) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The row of `source` that row `r` of a weight of `rows` rows reads.
    int64_t getSourceRow(int64_t r, int64_t rows) const;
  }];
}

def Dsc_SliceSourceAttr : Dsc_Attr<"SliceSource", "slice",
    [DeclareAttrInterfaceMethods<Dsc_WeightSourceAttrInterface>]> {
  let summary = "Selected rows and columns of a weight source";
  let description = [{
    The rows `rows` and columns `cols` of `source`, whose shape is `shape`,
    in their order in `source` (structured pruning: dropped heads, FFN
    neurons or embedding channels). Indices are strictly increasing and
    within `shape`; an omitted list keeps every row (column). A 1-D source
    has `shape = [n]` and only `rows`.

    ```mlir
    #dsc.slice<#dsc.file<path = "m.bin", offset = 0, size = 96,
                         encoding = f32>,
               shape = [4, 6], rows = [0, 2, 3], cols = [1, 5]>
    ```
  }];
  let parameters = (ins
    Dsc_SourceParameter:$source,
    Dsc_Int64ListParameter<"shape of the source">:$shape,
    Dsc_OptionalInt64ListParameter<"rows kept (all if omitted)">:$rows,
    Dsc_OptionalInt64ListParameter<"columns kept (all if omitted)">:$cols
  );
  let assemblyFormat = "`<` $source `,` struct($shape, $rows, $cols) `>`";
  let genVerifyDecl = 1;
}

def Dsc_ScaledSourceAttr : Dsc_Attr<"ScaledSource", "scaled",
    [DeclareAttrInterfaceMethods<Dsc_WeightSourceAttrInterface>]> {
  let summary = "A weight source with its rows and columns rescaled";
  let description = [{
    The weight `source` holds, element `[r, c]` multiplied by `rows[r]` and
    `cols[c]` (a 1-D weight: element `i` by `rows[i]`). Activation-aware
    calibration writes these: it scales a weight's input columns up by `s`
    and the op producing that input (the RMSNorm weight, the rows of the
    `v` or `up` projection) down by `s`, which leaves the model's function
    unchanged but makes the salient columns cheaper to quantize. There is
    one factor per row (column) of the weight.

    ```mlir
    #dsc.scaled<#dsc.file<path = "m.bin", offset = 0, size = 256,
                          encoding = f32>,
                rows = dense<[2.0, 0.5]> : tensor<2xf32>>
    ```
  }];
  let parameters = (ins
    Dsc_SourceParameter:$source,
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
    reads it. Quantized weights have their own tiles (dsc/abi/quant_layout.h):
    4 rows by a scale group, or, for int4:group=32 on targets that read
    them, `rows = 16, cols = 32` row-interleaved blocks (one row in each
    32-bit lane of the vectors).

    ```mlir
    #dsc.tiled<rows = 4, cols = 16>
    ```
  }];
  let parameters = (ins "int64_t":$rows, "int64_t":$cols);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

#endif // DSC_ATTRS_TD
