//===- Passes.td - structured pruning ----------------------*- tablegen -*-===//
//
// Pruning runs the model on calibration text (a float reference forward
// over the weights) and writes refitted weights: it reads weight data and
// text, so it lives in the compiler, not in the dialect's pass library.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PRUNE_PASSES_TD
#define DSC_PRUNE_PASSES_TD

include "mlir/Pass/PassBase.td"

def PruneStructures : Pass<"dsc-prune-structures", "::mlir::ModuleOp"> {
  let summary = "Removes FFN channels, attention heads and whole layers";
  let description = [{
    Structured pruning with the unpruned model as the teacher
    (docs/pruning.md). Each layer loses the fraction `ffn` of its FFN
    channels (rows of `ffn_gate` and `ffn_up` with the matching columns of
    `ffn_down`) and the fraction `heads` of its query heads: whole KV groups
    (rows of `attn_q`, `attn_k`, `attn_v`, columns of `attn_output`) when
    the count is a multiple of the group size, else the same number of
    query heads in every group; the FFN width kept is rounded to a multiple
    of `align` (halved until some channels go and some stay), so that
    quantized kernels take it. `layers` whole layers go too. Every layer
    keeps the same shape, which the KV cache and the model descriptor need.

    `method=teacher` scores each structure by the KL divergence between the
    teacher's next-token distributions on the calibration text `calib` and
    those of the model without that structure alone, measured exactly with
    a float forward pass on the host (`score-tokens` tokens; layers
    greedily, one at a time). That takes a forward pass per structure:
    with `score=estimate` (chosen by `score=auto` when exact scores would
    take more than 1e11 multiply-adds) heads and FFN channels get a
    second-order estimate of the same KL from one forward pass instead
    (docs/pruning.md). Then, unless `refit=false`, it refits each
    remaining layer's `attn_output` and `ffn_down` by ridge least squares
    on `tokens` tokens so that the pruned model's residual stream after
    each block matches the teacher's (layer-wise distillation, no
    gradients). With `bias-correct=true` each refit also fits an intercept
    (a new global `<projection>.bias`, the linear layer's bias operand),
    kept where it lowers the fit's error; unless `norm-correct=false` the
    scales of attn_norm, ffn_norm (of the layers refitted) and output_norm
    are refitted per channel so that the normalized input matches the
    teacher's. Refitted weights are new values: they are written to the
    file `weights` and the globals refer to them with `#dsc.file`; the
    other weights are `#dsc.slice`s of their sources. `method=magnitude`
    removes the structures of least squared weight norm, without text.

    The globals, the forward function's shapes, the attention ops' head
    count and layer, the KV cache and `#dsc.config` show the pruned model.
    Runs on the imported model, before the graph passes and quantization.
    `scores` names a file to write every structure's score to (TSV). The
    outcome is reported as a remark.
  }];
  let options = [
    Option<"ffn", "ffn", "double", /*default=*/"0",
           "Fraction of each layer's FFN channels to remove">,
    Option<"heads", "heads", "double", /*default=*/"0",
           "Fraction of each layer's query heads to remove">,
    Option<"layers", "layers", "int64_t", /*default=*/"0",
           "Whole layers to remove">,
    Option<"align", "align", "int64_t", /*default=*/"32",
           "The FFN width kept is a multiple of this (halved as needed)">,
    Option<"method", "method", "std::string", /*default=*/"\"teacher\"",
           "teacher (KL to the unpruned model) or magnitude">,
    Option<"score", "score", "std::string", /*default=*/"\"auto\"",
           "Teacher scores: exact, estimate or auto">,
    Option<"refit", "refit", "bool", /*default=*/"true",
           "Refit the output projections (method=teacher)">,
    Option<"ridge", "ridge", "double", /*default=*/"0.1",
           "Refit regularization, relative to the mean squared input">,
    Option<"biasCorrect", "bias-correct", "bool", /*default=*/"false",
           "The refit fits a bias too, where that lowers its error">,
    Option<"normCorrect", "norm-correct", "bool", /*default=*/"true",
           "The refit fits the RMSNorm scales too, where that lowers "
           "their error">,
    Option<"calib", "calib", "std::string", /*default=*/"\"\"",
           "Calibration text (method=teacher)">,
    Option<"tokens", "tokens", "int64_t", /*default=*/"4096",
           "Calibration tokens the refit uses">,
    Option<"scoreTokens", "score-tokens", "int64_t", /*default=*/"512",
           "Calibration tokens the scores are measured on">,
    Option<"window", "window", "int64_t", /*default=*/"256",
           "Tokens per forward pass, from position 0">,
    Option<"weights", "weights", "std::string", /*default=*/"\"\"",
           "File for the refitted weights (method=teacher with refit)">,
    Option<"scores", "scores", "std::string", /*default=*/"\"\"",
           "File to write the scores to">,
    Option<"progress", "progress", "bool", /*default=*/"false",
           "Show progress on stderr">
  ];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

#endif
