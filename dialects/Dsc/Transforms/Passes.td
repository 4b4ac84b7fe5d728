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

#endif // DSC_PASSES_TD
