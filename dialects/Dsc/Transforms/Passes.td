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

def WeightsPack : Pass<"dsc-weights-pack", "::mlir::ModuleOp"> {
  let summary = "Stores linear weights in the tiled order their kernels read";
  let description = [{
    Gives each f32/f16/bf16 weight that only linear layers read, and whose
    shape the tiles divide, the layout `#dsc.tiled<rows, cols>`: the weight
    writer then stores it tile by tile and the code generator calls the
    kernels that read tiles, so that decoding streams the weights
    sequentially. Other weights stay row-major.
  }];
  let options = [
    Option<"tileRows", "tile-rows", "int64_t", /*default=*/"4",
           "Rows per tile">,
    Option<"tileCols", "tile-cols", "int64_t", /*default=*/"16",
           "Columns per tile">
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

def CodegenLower : Pass<"dsc-codegen-lower", "::mlir::ModuleOp"> {
  let summary = "Lowers the forward function to loops and micro-kernel calls";
  let description = [{
    Rewrites `func.func @forward` on tensors into
    `func.func @dsc_forward(%weights: memref<?xi8>, %tokens: memref<?xi32>,
    %pos: index, %n_out: index, %cache: memref<?xf32>, %logits:
    memref<?xVxf32>)` on buffers, with the C interface the runtime calls:

    - weights become `memref.view`s of the weight blob at their offsets;
    - element-wise ops, RMSNorm, RoPE and the embedding lookup become
      `scf.for` loops whose inner trip counts are the model's constants;
    - `dsc.linear`, `dsc.attention` and the RoPE tables become calls to
      micro-kernels (`dsc_uk_*`), which the code generator links in per
      target and inlines;
    - intermediate buffers are allocated once each and freed after their
      last use; element-wise ops write in place into an operand that dies.

    The model's constants go into `dsc_model_desc`, read by the runtime.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::LLVM::LLVMDialect"
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

#endif // DSC_PASSES_TD
