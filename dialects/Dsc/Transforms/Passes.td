//===- Passes.td - dsc passes ------------------------------*- tablegen -*-===//

#ifndef DSC_PASSES_TD
#define DSC_PASSES_TD

include "mlir/Pass/PassBase.td"

def GraphFuseSwiGLU : Pass<"dsc-graph-fuse-swiglu", "::mlir::ModuleOp"> {
  let summary = "Fuses silu(gate) * up into dsc.swiglu";
  let description = [{
    Importers emit the feed-forward gate as `dsc.silu` followed by `dsc.mul`;
    this pass replaces the pair with one `dsc.swiglu`, which lowers to a single
    loop instead of two passes over the hidden activations. The `dsc.silu` is
    kept when it has other users.
  }];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def GraphRelaxPrefill : Pass<"dsc-graph-relax-prefill", "::mlir::ModuleOp"> {
  let summary = "Allows prompts' linear products at a lower precision";
  let description = [{
    With `products=bf16`, sets `prefill_products` on every `dsc.linear`
    whose weight is float (f32, f16 or bf16; quantized weights have their
    own arithmetic): a prompt's products may then be computed with both
    operands rounded to bf16 and summed in f32. Targets with such dot
    products (the registry's `bf16Products`: AVX512_BF16) run them at
    twice the multiplies a cycle of f32 FMAs. With `products=f16`, on every
    `dsc.linear` whose weight's values f16 holds exactly (f16 and quantized
    weights): a prompt's rows may be rounded to f16 and multiplied on the
    CUDA targets' tensor cores (the registry's `f16Products`), sums in f32.
    Decoding (single rows, bound by the weights' bytes) and other targets
    stay exact. `dsc compile --prefill-precision=bf16|f16` runs it after
    quantization; docs/quantization.md measures what bf16 costs in KL
    divergence.
  }];
  let options = [
    Option<"products", "products", "std::string", /*default=*/"\"bf16\"",
           "Type the products' operands may be rounded to (bf16 or f16)">
  ];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def QuantApply : Pass<"dsc-quant-apply", "::mlir::ModuleOp"> {
  let summary = "Quantizes weights to a #dsc.quant scheme";
  let description = [{
    Gives the weights of linear layers (and, when asked, the embedding table
    and the classifier, with `embeddings-scheme` and `head-scheme` when
    given; a table that is both takes `head-scheme`) a `!dsc.qtensor` type
    with the scheme `scheme` spells (`int8:channel`, `int4:group=32`, `int4:group=128,asym`,
    `int4:head`, `int8:tensor`; scales f16 unless `,scale=f32`), or
    `iq4_nl`: 16 non-uniform levels and an f16 scale per 32 columns, stored
    as llama.cpp's IQ4_NL blocks and read by the ggml kernels (weights whose
    rows are not a multiple of 32 columns take what `int4:group=32` gives
    them). A global
    carrying `dsc.quantize = #dsc.quant<...>` gets exactly that scheme
    instead (an error if it does not fit the weight), and one carrying
    `dsc.quantize = false` stays float: this is how mixed precision is
    expressed. Head granularity applies to the projections whose outputs
    are attention's queries, keys or values (through RoPE), found in the IR. The weight writer
    quantizes the bytes (round to nearest, or with the calibration scales
    the driver attached).

    Shapes a scheme cannot tile follow one documented policy:
    - a group size that does not divide the row is replaced by the largest
      divisor of the row length not above it and at least 16; 4-bit groups
      must be multiples of 32 columns, and where no such divisor exists the
      weight is quantized to 8 bits instead; without any divisor, the weight
      gets one scale per row;
    - 4-bit weights with one scale per row (or tensor, or head) need rows of
      a multiple of 32 columns; others are quantized to 8 bits;
    - `head` applies to q/k/v projections (one scale per head's rows);
      other weights get one scale per row;
    - weights whose row count is not a multiple of 4 stay unquantized.

    Each weight the `scheme` option's scheme does not fit as asked gets a
    remark naming what it got instead (the driver prints them as notes).
    Schemes no weight could take are errors: 4-bit groups that are not a
    multiple of 32 columns, `asym` with `tensor` or `head` scales.
  }];
  let options = [
    Option<"scheme", "scheme", "std::string", /*default=*/"\"int8:channel\"",
           "Scheme for every quantized weight">,
    Option<"embeddings", "embeddings", "bool", /*default=*/"false",
           "Quantize the embedding table too">,
    Option<"head", "head", "bool", /*default=*/"false",
           "Quantize the classifier too">,
    Option<"embeddingsScheme", "embeddings-scheme", "std::string",
           /*default=*/"\"\"",
           "Scheme of the embedding table (default: `scheme`)">,
    Option<"headScheme", "head-scheme", "std::string", /*default=*/"\"\"",
           "Scheme of the classifier, and of a table that is both "
           "(default: `scheme`)">,
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Registry target whose kernels must read the scheme (default: "
           "the module's dsc.target, else x86_64)">
  ];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def CalibInstrument : Pass<"dsc-calib-instrument", "::mlir::ModuleOp"> {
  let summary = "Records the inputs of linear layers for calibration";
  let description = [{
    Inserts `dsc.observe %x as N` after the definition of every activation
    that a `dsc.linear` reads, numbered in the order of their first reads
    (`getLinearInputs`). Calibration compiles the instrumented model, runs
    it on the calibration text and gets, for each point, the rows the
    linear layers multiplied; activation-aware quantization weighs each
    input column by them. Only `@forward` is instrumented.
  }];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def WeightsPack : Pass<"dsc-weights-pack", "::mlir::ModuleOp"> {
  let summary = "Stores linear weights in the tiled order their kernels read";
  let description = [{
    Gives each f32/f16/bf16 weight that only linear layers read, and whose
    shape the tiles divide, the layout `#dsc.tiled<rows, cols>`: the weight
    writer then stores it tile by tile and the code generator calls the
    kernels that read tiles, so that decoding streams the weights
    sequentially. Other float weights stay row-major. Quantized weights are
    always tiled, by the target's quantized tile rows and their scale
    groups (see dsc/abi/quant_layout.h), except int4:group=32 weights that
    only linear layers read on targets that take row-interleaved blocks by
    default (x86_64-avx2, x86_64-avxvnni; x86_64-avx512 reads them but keeps 4-row tiles
    unless `interleave=true`): those get
    `#dsc.tiled<rows = 16, cols = 32>`, one row in each 32-bit lane of the
    vectors; such blocks in IR laid
    out for another target go back to 4-row tiles where this one has no
    kernel for them (or with `interleave=false`), and `interleave=true`
    turns the 4-row tiles of such weights in IR laid out earlier into
    blocks (`dsc compile --int4-layout blocks|tiles`). The tile shapes are the target's (targets/registry): a target whose kernels read no tiles
    leaves every weight row-major. A forward function placed on the device
    (`dsc.device_forward`, from `dsc-gpu-place-forward`) leaves every
    weight in the plain layouts the device kernels read, floats row-major
    and quantized weights as `quant_layout.h`'s plain form, and drops the
    layouts of IR laid out earlier.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Registry target (default: the module's dsc.target, else x86_64)">,
    Option<"interleave", "interleave", "std::string", /*default=*/"\"auto\"",
           "Row-interleaved int4:group=32 blocks: auto (where the target "
           "takes them by default), true (wherever its kernels read them) or "
           "false (4-row tiles everywhere)">
  ];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def TargetAttach : Pass<"dsc-target-attach", "::mlir::ModuleOp"> {
  let summary = "Records the registry target the module is compiled for";
  let description = [{
    Sets the module's `dsc.target` to `target`, a name (or alias) of the
    target registry, spelled as the registry names it. The passes after it
    (`dsc-weights-pack`, `dsc-codegen-lower`, `dsc-quant-apply` when run
    later) read the kernels, tile shapes and weight formats of that entry.
    With `target` empty, a module without `dsc.target` gets the registry's
    default (portable x86-64) and one with it is left as it is. An unknown
    name is an error listing the known ones.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Registry target name">
  ];
}

def GPUPlaceForward : Pass<"dsc-gpu-place-forward", "::mlir::ModuleOp"> {
  let summary = "Places the forward pass on the target's device where every "
                "op has a device kernel";
  let description = [{
    On a target whose executable runs the forward pass on a device (the
    CUDA targets: those whose registry entry names a device chip), reads
    the forward function into the device's steps
    (`Dsc/Transforms/CUDAProgram.h`, the same reading the code generator
    writes into the executable as its launch sequence) and, when every op
    and weight has one, marks the function `dsc.device_forward`. The
    passes after it take the mark: `dsc-weights-pack` leaves the weights
    in the plain layouts the device kernels read (floats row-major,
    quantized weights in `quant_layout.h`'s plain form), so that the
    executable copies them to the device as the payload holds them, and
    `dsc-codegen-lower` generates no host code for the function (its body
    is a `cf.assert` of false: the host never runs it). A forward function with an op
    or a weight the device kernels do not cover is left unmarked, with a
    remark saying which: the executable then computes on the CPU and says
    so. On other targets the pass removes a mark it finds.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Registry target (default: the module's dsc.target, else x86_64)">
  ];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def WeightsAssignOffsets : Pass<"dsc-weights-assign-offsets",
                                 "::mlir::ModuleOp"> {
  let summary = "Lays the weights out in the executable's weight blob";
  let description = [{
    Gives every `dsc.global` an `offset`: its byte position in the weight
    blob the executable maps at run time, each aligned to `alignment` bytes,
    in module order. The module gets `dsc.weights_size`, the blob's size.
    Weights that no code reads are dropped first.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"64",
           "Byte alignment of each weight (a power of two)">
  ];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def WeightsStampId : Pass<"dsc-weights-stamp-id", "::mlir::ModuleOp"> {
  let summary = "Stamps the module with the id of its weight layout";
  let description = [{
    Sets `dsc.model_id` to a digest (63 bits of FNV-1a) of the laid-out
    module: weight sources and their transforms, types, layouts, offsets
    and the configuration. The code generator compiles it into the model
    descriptor and the weight writer into the payload, and the runtime
    refuses a payload whose id differs, so an executable never runs with
    the weights of another build. Needs `dsc-weights-assign-offsets` first;
    an id already present is replaced.
  }];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def CodegenLower : Pass<"dsc-codegen-lower", "::mlir::ModuleOp"> {
  let summary = "Lowers the forward function to linalg and micro-kernel calls";
  let description = [{
    Rewrites `func.func @forward` into
    `func.func @dsc_forward(%weights: memref<?xi8>, %tokens: memref<?xi32>,
    %pos: index, %n_out: index, %cache: memref<?xf32>, %logits:
    memref<?xVxf32>)`, with the C interface the runtime calls, whose body
    still computes on tensors, one conversion pattern per dsc op:

    - weights become `bufferization.to_tensor` of read-only `memref.view`s
      of the weight blob at their offsets; the tokens, a `to_tensor` of
      their argument; the result is materialized in `%logits`;
    - element-wise ops, RMSNorm, softmax, the rotation of RoPE and float
      embedding lookups become `linalg.generic` ops; element-wise results
      take their first operand as destination, so that bufferization
      writes over it when it dies there;
    - `dsc.linear`, `dsc.attention`, quantized embedding lookups and the
      RoPE tables become `dsc.ukernel` calls of micro-kernels
      (`dsc_uk_*`), which the code generator links in per target and
      inlines; `dsc.observe` becomes a call of the runtime's
      `dsc_rt_observe`. Attention's block of keys and values is stored
      by generated code (`lower::kvRows` into a view of the KV cache
      argument at the rows' positions), and its micro-kernel reads the
      cache in place. A kernel input that is a slice of columns is copied into
      contiguous rows first (kernels take bare pointers);
    - the result is canonicalized and CSE'd, which leaves one pair of RoPE
      tables per forward call, and each destination is given its own
      `tensor.empty` just before its user, so that bufferization allocates
      each buffer where it is first written.

    Kernels are named by the ABI (dsc/abi/kernels.def) and chosen by the
    weight format from what the target's kernels read (the target registry,
    targets/registry): a format the target has no kernel for is an error.
    The model's constants go into the descriptor `dsc_model_desc`
    (dsc/abi/model_desc.h), which the runtime checks and reads.

    The registered pipeline `dsc-codegen-lower-to-loops` runs this pass,
    then one-shot bufferization, ownership-based deallocation (each buffer
    freed after its last use), linalg to loops and
    `dsc-codegen-lower-ukernels`.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"\"",
           "Registry target (default: the module's dsc.target, else x86_64)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::func::FuncDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::tensor::TensorDialect", "::mlir::LLVM::LLVMDialect",
    "::mlir::cf::ControlFlowDialect"
  ];
}

def CodegenLowerUKernels : Pass<"dsc-codegen-lower-ukernels",
                                "::mlir::ModuleOp"> {
  let summary = "Turns bufferized dsc.ukernel ops into calls of the kernels";
  let description = [{
    Replaces each `dsc.ukernel` on memrefs by a `func.call` of the kernel's
    symbol (dsc/abi/kernels.def), declared once in the module with the
    types of its C declaration: each buffer passed as the bare pointer to
    its first element (`!llvm.ptr`), the scalars as `i64` and `f32`. A
    `dsc.ukernel` still on tensors is an error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect", "::mlir::LLVM::LLVMDialect"
  ];
}

def CodegenApproximateMath : Pass<"dsc-codegen-approximate-math"> {
  let summary = "Replaces math.exp/tanh/log by vectorizable polynomials";
  let description = [{
    Expands transcendental functions on f32 into arithmetic (MLIR's
    polynomial approximations), so that the loops using them vectorize and
    the executable needs no libm.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def CodegenOutlineLoops : Pass<"dsc-codegen-outline-loops",
                               "::mlir::ModuleOp"> {
  let summary = "Moves each top-level loop nest into a function, one per "
                "distinct nest";
  let description = [{
    After dsc-codegen-lower-to-loops the forward function holds every
    layer's element-wise and reduction loops (RMSNorm, RoPE, SwiGLU,
    residual adds) one after another: a 22-layer model repeats the same
    nests 22 times over, differing only in the buffers they read and write.
    LLVM then optimizes and generates each copy, and code generation
    dominates compile time.

    This pass moves each top-level `scf.for` of a function body into a
    private function of its own, taking the values it uses from outside as
    arguments; operations without operands or memory effects it uses
    (constants, `memref.get_global`) are cloned in, so that shapes and
    constants stay constants in the nest. Nests whose functions are
    identical (same signature, same body) share one function. A function
    called from at least `min-calls` places is marked `noinline`, so that
    LLVM compiles it once; one called fewer times is left for LLVM's
    inliner to put back.

    Loops with results are left in place.
  }];
  let options = [
    Option<"minCalls", "min-calls", "unsigned", /*default=*/"2",
           "Calls from which an outlined nest is kept out of line">
  ];
  let dependentDialects = [
    "::mlir::func::FuncDialect", "::mlir::scf::SCFDialect"
  ];
}

//===----------------------------------------------------------------------===//
// GPU: the steps of dsc-cuda-lower (GPULower.cpp, docs/cuda.md) that MLIR
// has no pass for.
//===----------------------------------------------------------------------===//

def GPURetypeScales : Pass<"dsc-gpu-retype-scales", "::mlir::ModuleOp"> {
  let summary = "Gives the CUDA kernels' scales arguments the type the "
                "model's weights store";
  let description = [{
    The kernel sources read quantized weights' scales as `memref<?xf32>`,
    each such argument marked `{dsc.scales}` (public kernels and the
    private helpers they pass the scales to). With `type=f16` every marked
    argument becomes `memref<?xf16>` and each `memref.load` from it a load
    of the f16 value and an `arith.extf` to f32 where it is read; calls
    pass the retyped buffer on to their callees' marked arguments. With
    `type=f32` the kernels stay as written. Either way the marks are
    removed.

    dsc-cuda-lower runs it first (its `scales` option); the code generator
    of the CUDA targets picks f16 when every quantized weight of the
    forward pass on the device stores f16 scales (dsc's default), so that
    the runtime copies them as the payload holds them and the GEMVs read
    half the scales' bytes, and f32 otherwise (docs/cuda.md).

    A mark on an argument that is not a 1-D memref of f32, a marked
    argument used other than by a load or a call passing it to a marked
    argument, and another `type` are errors.
  }];
  let options = [
    Option<"type", "type", "std::string", /*default=*/"\"f16\"",
           "f16 or f32: the scales' element type in the kernels">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"
  ];
}

def GPUDeriveKernels : Pass<"dsc-gpu-derive-kernels", "::mlir::ModuleOp"> {
  let summary = "Gives the CUDA kernels a source declares the CPU path's lowering";
  let description = [{
    Defines the kernels the module declares (body-less `func.func`), not
    written by hand:

    - `dsc_cuda_add` and `dsc_cuda_swiglu` (a, b, y: `memref<?xf32>`,
      n: `index`; y = op(a, b) over n values): the `linalg.generic` that
      dsc-codegen-lower's pattern for `dsc.add` / `dsc.swiglu` makes for
      the CPU (its maps, iterators and scalar body), moved from tensors
      onto the kernel's buffers viewed as [n, 1] rows; dsc-cuda-lower
      lowers it to parallel loops and blocks of threads.
    - `dsc_cuda_rms_norm` and `dsc_cuda_rms_norm_v` (x, w, y, rows, dim,
      eps): the chain of linalg ops the CPU pattern for `dsc.rms_norm`
      builds (`lower::rmsNorm`), mapped a warp a row: rows and lanes as
      nested `scf.parallel` loops, each generic over the lane's columns
      l, l + 32, ...; a row reduction from its combining op's identity,
      the lanes combined by `gpu.subgroup_reduce`; maps of the rows' values
      once a row; the last element-wise generic stored into y. `_v` widens
      the bodies to `vector<4xf32>` (dim a multiple of 4).
    - `dsc_cuda_rope` (x, x2, cos, sin, at, rows, heads, heads2, dim):
      the generic `dsc.rope`'s CPU pattern builds (`lower::ropeRotate`,
      over [rows, heads, dim / 2, 2]), a thread per pair of x's and then
      x2's heads, its body once for each of the pair's values
      (`linalg.index 3` as 0 and 1), both loads before the stores (in
      place); the tables' row is at[0] + the pair's row.
    - `dsc_cuda_rope_kv` (x, x2, cos, sin, at, rows, heads, heads2, dim,
      v, kc, vc): `dsc_cuda_rope`, and in the thread of each of x2's
      pairs (x2 a block's keys: heads2 the KV heads, dim the head dim) the
      store `dsc_cuda_kv_store` derives (below) of the rotated key, read
      back from x2, and of v's value at the same place into kc and vc:
      attention's cache store in the RoPE launch.
    - `dsc_cuda_embed_f32` and `dsc_cuda_embed_f16` (w, tok, y, rows,
      dim): `dsc.embedding`'s CPU gather (`lower::embedRows`), a thread per
      value, the body's extract from the table a load at id * dim + column.
    - `dsc_cuda_kv_store` (k, v, kc, vc, at, rows, kvheads, hd): the
      store of a block's keys and values that `dsc.attention`'s CPU
      lowering generates (`lower::kvRows`, a generic over [kv_heads, rows,
      head_dim] extracting the row's column g * hd + d), a thread per
      value, the extract a load of k (then v) at s * kvheads * hd +
      column, stored where the CPU's view of the layer's block
      (dsc/abi/kv_cache.h) puts it: (g * P + at[0] + s) * hd + d, P the
      block's positions.
    - `dsc_cuda_causal_softmax_block` (scores, at, u, thread, threads,
      heads, P): a helper (it stays private; every thread of the
      attention kernel's block calls it): the chain of `dsc.softmax`'s CPU
      lowering (`lower::softmax`) over unit u's row u * P, at[0] +
      u / heads + 1 positions long, in place, for thread `thread` of a
      block of `threads` (whole warps): every warp computes the row's
      reductions and maps as above (lane thread % 32), then a
      `gpu.barrier`, then the thread stores the last generic's columns
      thread, thread + threads, ... An element-wise result only later
      generics read is computed again at each reader's column, not
      stored.
    - `dsc_cuda_rms_squares` (x, acc: `vector<4xf32>`) and
      `dsc_cuda_rms_factor` (partial: f32, dim: index, eps: f32): helpers
      for the GEMVs that compute the RMSNorm before them as they read the
      activations, from `lower::rmsNorm`'s chain: a lane's step of its row
      reduction (the body widened to four values), and the row's factor
      from the lanes' partials (combined by `gpu.subgroup_reduce` of the
      reduction's combining op, then the chain's maps of the rows' values,
      up to the one its element-wise generic reads).

    Each derived kernel is marked `dsc.derived_from` (the dsc op whose
    lowering it is) and left as it is by a later run: dsc-cuda-lower runs
    this pass first, after tests that transform the derived loops run it
    themselves. A definition of one of these names without the mark (the
    derived one is the kernel), a declaration with another signature, and a CPU lowering the mapping
    cannot take (not one element-wise generic; a chain reading other than
    the input's rows, a column vector, a row's value or an earlier
    element-wise result at its own column; a reduction whose init is not
    its identity) are errors. Other functions are left as they are.
  }];
  let dependentDialects = [
    "::mlir::dsc::DscDialect", "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect",
    "::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def GPUMapRowChains : Pass<"dsc-gpu-map-row-chains", "::mlir::ModuleOp"> {
  let summary = "Maps chains of linalg ops over rows to warp-a-row kernels";
  let description = [{
    The mapping dsc-gpu-derive-kernels gives RMSNorm and attention's
    softmax, on any function marked `dsc.warp_rows = 1` (or `4`: values a
    lane at a time, widened to vectors): a chain of linalg ops on tensors
    (arguments: [rows, dim] and [dim] f32 tensors and f32 scalars; result:
    a [rows, dim] tensor) gets a kernel `<name>_rows` beside it, its
    arguments a flat `memref<?xf32>` per tensor and the scalars, then y,
    rows and dim (`index`). A warp a row: rows and lanes as nested
    `scf.parallel` loops; a row reduction (a generic over [rows, dim] into
    a [rows] tensor filled with its combining op's identity: add, mul,
    maximumf, minimumf) over the lane's columns l, l + 32, ..., its lanes
    combined by `gpu.subgroup_reduce`; maps of the rows' values once a row;
    element-wise generics over [rows, dim] reading the rows (at
    row * dim + i), column vectors (at i), the rows' values and earlier
    element-wise results (computed again at the reader's column); the last
    stored into y. A chain it cannot map is an error naming why, on the
    function.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::gpu::GPUDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect", "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def GPUTileFlatLoops : Pass<"dsc-gpu-tile-flat-loops", "::mlir::func::FuncOp"> {
  let summary = "Splits un-nested parallel loops into blocks of threads";
  let description = [{
    A parallel loop that is neither nested in one nor has one nested is one
    level of parallelism (an element-wise op, rows of a norm): its
    dimensions are collapsed into one (linalg's parallel loops over [n, 1]
    rows) and it is split into blocks of `block-size` iterations, so that
    gpu-map-parallel-loops gives it blocks of threads rather than blocks of
    one thread. Nested loops (the GEMV's rows and lanes) say their mapping
    themselves.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"128",
           "Threads per block of a flat loop">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def GPUUnrollLoops : Pass<"dsc-gpu-unroll-loops"> {
  let summary = "Unrolls the innermost sequential loops of GPU kernels";
  let description = [{
    Every innermost `scf.for` in a `gpu.func`, or in an `scf.parallel`
    before outlining (the form the kernels' semantic checks run on the
    host), a thread's walk over a row's columns, positions or lanes' sums,
    is unrolled `factor` times, with a
    loop for the iterations left over: the copies' loads no longer wait for
    each other's latency (NVPTX did not unroll these loops itself; a
    thread then had one load in flight). Loops with a constant trip count
    of at most twice `factor` (a word's values) are unrolled whole, inner
    loops first, so that the loop around them is then the innermost.
  }];
  let options = [
    Option<"factor", "factor", "int64_t", /*default=*/"4",
           "Copies of a loop's body per iteration">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"
  ];
}

def GPUReverseParallelLoops : Pass<"dsc-gpu-reverse-parallel-loops",
                                   "::mlir::ModuleOp"> {
  let summary = "Runs every scf.parallel's iterations in reverse order";
  let description = [{
    For the host semantics tests (test/lit/targets/cuda/semantics.test): the
    GPU runs iterations in any order and at once, the CPU lowering in one
    order. Running a kernel in both orders shows a result that depends on
    it (a thread reading what another writes in the same kernel, which on
    the GPU would need a barrier): iteration i of a dimension becomes
    lb + (count - 1 - (i - lb) / step) * step. The innermost loop around an
    `nvvm.mma.sync` (in it or in a function it calls) is kept as it is: its
    iterations are a warp's lanes, whose ids place the operands'
    fragments.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def GPUCheckHostAccess : Pass<"dsc-gpu-check-host-access",
                              "::mlir::ModuleOp"> {
  let summary = "Rejects host code that reads or writes a kernel's buffers";
  let description = [{
    After outlining, what a kernel source's function does outside its
    kernels runs on the host, which launches them. Its memref arguments are
    device memory: a load there would read a device pointer on the host
    (a crash on a GPU, though not under the tests' fake driver, whose
    device memory is the host's), and its value would be frozen into a CUDA
    graph that captured the launch. Such a load or store is an error naming
    the argument; the kernels must read what they need themselves.
  }];
}

def GPUUniqueKernelNames : Pass<"dsc-gpu-unique-kernel-names",
                                "::mlir::ModuleOp"> {
  let summary = "Names the k-th kernel a function launches <function>_kernel_<k>";
  let description = [{
    Outlining names a function's kernels after it, in GPU modules named
    uniquely in the whole module: which suffix the second kernel of
    dsc_cuda_gemv_q8 gets depends on the other sources compiled with it.
    The k-th kernel a function launches is named `<function>_kernel_<k>`
    instead (the first `<function>_kernel`), so that a kernel's name alone
    says which it is: the PTX entry, and the host form the fake driver of
    the tests finds for it.
  }];
}

def GPUKernelsToHost : Pass<"dsc-gpu-kernels-to-host", "::mlir::ModuleOp"> {
  let summary = "Outlined GPU kernels as host functions looping over blocks "
                "and threads";
  let description = [{
    For the tests without a GPU (test/lit/targets/cuda/fake-driver.test):
    each outlined kernel (`gpu.func`) becomes a host function of the same
    name and arguments, plus the launch's grid and block sizes (x, y, z
    each), that runs its body for every block and thread in turn, the ids
    the loops' indices. The dsc kernels use no shared memory, so one
    thread after another computes what the GPU computes at once, but for
    `gpu.subgroup_reduce` and `gpu.barrier`: the body is cut at each (they
    must be in the body itself, not in a loop or branch) into phases,
    values used across a cut kept per thread in scratch buffers. The
    phases up to a barrier are a segment, which every thread of the block
    finishes before any starts the next; in a segment, a warp (32
    consecutive linear thread ids) at a time runs all its phases, each
    reduction combining the warp's values in
    dsc-gpu-lower-subgroup-reduce's order. A thread reading what another
    warp writes in the same segment (a missing barrier) sees it or not by
    the warps' order, which the tests reverse.
    A kernel with `nvvm.mma.sync` (the tensor-core GEMMs; m16n8k16, f16 A
    and B, f32 C), whose operands are spread over the warp's lanes and
    which may sit in a loop, becomes instead a function for one thread, the
    block and thread ids appended after the sizes (marked `dsc.host_lanes`),
    each mma.sync a call of `dsc_host_mma_m16n8k16_f16_f32` (A's and B's
    halves as f32, C, the mma.sync's place in the kernel, a buffer for D,
    read back at once): the fake driver runs a warp's threads as
    coroutines that all reach the same call before the product is
    computed. The launchers (functions with `gpu.launch_func`) and the GPU
    modules go. A kernel of several blocks, with another gpu or NVVM
    operation, or with a warp reduction beside mma.sync is an error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def GPUHostKernelEntries : Pass<"dsc-gpu-host-kernel-entries",
                                "::mlir::ModuleOp"> {
  let summary = "Entry points taking cuLaunchKernel's parameters for the "
                "host forms of GPU kernels";
  let description = [{
    After the LLVM lowering of dsc-gpu-kernels-to-host's functions (those
    marked `dsc.host_kernel`): for each, `<name>_dsc_launch(void **params,
    int64_t dims[6])`, which calls it with the values `params[i]` point to
    (cuLaunchKernel's kernelParams, in the order gpu-to-llvm passes them)
    and the grid and block sizes; and `<name>_dsc_param_bytes`, a constant
    array of each parameter's byte size ended by 0, so that a driver that
    records a launch to replay it (a CUDA graph's capture) can copy the
    values. A function for one thread (`dsc.host_lanes`, a kernel with
    mma.sync) gets `<name>_dsc_lane(void **params, int64_t dims[6],
    int64_t ids[6])` instead, and its `<name>_dsc_launch` calls the fake
    driver's `dsc_host_run_lanes(lane, params, dims)`, which runs every
    thread through it. A parameter that is neither a pointer, an integer
    nor a float is an error.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def GPULowerSubgroupReduce : Pass<"dsc-gpu-lower-subgroup-reduce",
                                  "::mlir::gpu::GPUModuleOp"> {
  let summary = "Lowers warp reductions to butterfly shuffles";
  let description = [{
    Every `gpu.subgroup_reduce` of a kernel (a sum or maximum over a warp's
    32 lanes, which spares a kernel its partial sums through global memory)
    becomes five `gpu.shuffle xor` steps, offsets 1, 2, 4, 8 and 16, each
    combining a lane's value with its partner's (`shfl.sync.bfly` in PTX),
    so that every lane ends with the same result. dsc-gpu-kernels-to-host
    combines in the same order. A reduction this cannot lower (of a type
    wider than 32 bits per element) is an error.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def GPUNoLibdevice : Pass<"dsc-gpu-no-libdevice", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Replaces libdevice calls by LLVM intrinsics";
  let description = [{
    convert-gpu-to-nvvm turns math ops into calls of libdevice
    (`__nv_sqrtf`, ...), which would need the CUDA toolkit's bitcode at
    compile time. The ones with a PTX instruction (sqrt, fma, fabs, floor)
    become LLVM intrinsics instead (exp and the like were expanded into
    polynomials before); any other is an error naming it.
  }];
}

def GPUInvariantLoads : Pass<"dsc-gpu-invariant-loads",
                             "::mlir::gpu::GPUModuleOp"> {
  let summary = "Loads through kernel arguments never stored through become "
                "invariant (ld.global.nc)";
  let description = [{
    In NVVM kernels (LLVM functions marked `nvvm.kernel`), loads from a
    pointer argument (through address arithmetic) that the kernel never
    stores through or passes on are marked invariant, which NVPTX emits as
    `ld.global.nc` (the read-only data cache). Kernels' buffers must not
    alias, as the CPU kernels' do not.
  }];
}

#endif // DSC_PASSES_TD
