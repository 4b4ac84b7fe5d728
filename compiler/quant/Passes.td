//===- Passes.td - passes that read weight data ------------*- tablegen -*-===//
//
// These passes read weight data (through the weight library) and, for
// quantization, the statistics calibration recorded, so they live in the
// compiler, not in the dialect's pass library, which reads neither.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_QUANT_PASSES_TD
#define DSC_QUANT_PASSES_TD

include "mlir/Pass/PassBase.td"

def QuantMixedPrecision : Pass<"dsc-quant-mixed-precision",
                               "::mlir::ModuleOp"> {
  let summary = "Chooses each weight's precision for a memory budget";
  let description = [{
    `--quantize auto`: gives every matrix that linear layers or the
    embedding lookup read (the classifier and the table included) a
    `dsc.quantize` attribute: one of the schemes of the table
    `kAutoSchemes` in MixedPrecision.cpp (int4 groups of `group` columns,
    symmetric or not, int8 per channel), or `false` (float), so that the
    weights fit in `budget` with the least summed cost: a multiple-choice
    knapsack solved exactly over the bytes (quant/Knapsack.h).

    The cost of a choice is measured. With `measure=kl` (the default) it
    is the KL divergence of the next-token distributions that quantizing
    this weight alone adds, on the first `kl-tokens` calibration tokens
    `stats` holds, by a float reference forward pass (prune/Reference.h)
    rerun from the first layer the weight changes; the weight is
    quantized as the writer will (importance-searched scales, GPTQ with
    `rounding=gptq`). With `measure=output` it is the relative output
    error on the calibration rows (of a table only looked up, of its
    rows). `stats` is a file `dsc compile --calib` writes (see
    `--calib-stats`). Run before `dsc-quant-apply`, which quantizes as
    the attributes say.

    The module must be unquantized and its linear inputs the observation
    points `stats` was recorded at (the model after graph passes). A budget
    below the smallest model is an error naming both sizes. The choice is
    reported as a remark.

    The measurements do not depend on the budget. With `cache=FILE` they
    are kept in FILE (quant/MeasureCache.h, written through a temporary
    renamed over it) under a key, a digest of the module (its weights by
    their bytes), the statistics file, the candidate table and the
    options but the budget; a later run whose key matches reads them
    instead of measuring, one whose key differs measures and replaces the
    file, and a damaged file is an error naming it and the field. A
    remark says which happened.
  }];
  let options = [
    Option<"stats", "stats", "std::string", /*default=*/"\"\"",
           "Calibration statistics file (required)">,
    Option<"budget", "budget", "std::string", /*default=*/"\"\"",
           "Size limit of the weights, e.g. 600MiB (required)">,
    Option<"group", "group", "int64_t", /*default=*/"32",
           "Group size of the int4 candidate (a multiple of 32)">,
    Option<"measure", "measure", "std::string", /*default=*/"\"kl\"",
           "Cost of a choice: kl (KL divergence added, on the reference "
           "model) or output (relative output error)">,
    Option<"klTokens", "kl-tokens", "int64_t", /*default=*/"512",
           "Calibration tokens the KL divergence is measured on">,
    Option<"rounding", "rounding", "std::string", /*default=*/"\"nearest\"",
           "Rounding the candidates are measured with: nearest or gptq">,
    Option<"progress", "progress", "bool", /*default=*/"false",
           "Show progress on stderr">,
    Option<"cache", "cache", "std::string", /*default=*/"\"\"",
           "File that keeps the measurements for runs at other budgets">
  ];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def QuantAWQScale : Pass<"dsc-quant-awq-scale", "::mlir::ModuleOp"> {
  let summary = "Activation-aware per-column scales for quantized weights";
  let description = [{
    Activation-aware weight quantization (Lin et al., "AWQ: Activation-aware
    Weight Quantization for LLM Compression and Acceleration", MLSys 2024).
    For each activation read by quantized linear layers whose producer can
    absorb a per-column scale (an RMSNorm weight, the rows of the `up`
    projection before SwiGLU, the rows of `v` before attention), it searches
    s = mean|x|^alpha over `grid` values of alpha in [0, 1) for the least
    output error of the layers on the calibration rows in `stats`, then
    wraps the weights' sources in `#dsc.scaled` (columns times s) and the
    producer's in `#dsc.scaled` (rows divided by s), so the model computes
    the same function in exact arithmetic. alpha = 0 is round to nearest,
    so no layer gets worse on the calibration rows.

    Every quantized weight also gets `dsc.importance` (per input column,
    mean x^2 / s^2): the weight writer searches each group's scale to
    minimize the error weighted by it. With `rounding=gptq` it also gets
    `dsc.hessian` (mean x x^T of its scaled input, cols x cols, one
    attribute shared by the weights reading one activation), and the
    weight writer rounds with GPTQ against it; the search of alpha then
    measures GPTQ's error too. `stats` must hold Hessians (calibration
    collects them for `--quantize-rounding gptq`).

    Runs after `dsc-quant-apply`; the module's linear inputs must be the
    observation points `stats` was recorded at. The outcome is reported as
    a remark.
  }];
  let options = [
    Option<"stats", "stats", "std::string", /*default=*/"\"\"",
           "Calibration statistics file (required)">,
    Option<"grid", "grid", "int", /*default=*/"20",
           "Values of alpha tried in [0, 1)">,
    Option<"rounding", "rounding", "std::string", /*default=*/"\"nearest\"",
           "How values are rounded: nearest, or gptq (error-compensating, "
           "against the Hessian in stats)">,
    Option<"progress", "progress", "bool", /*default=*/"false",
           "Show progress on stderr">
  ];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

def WeightsDigest : Pass<"dsc-weights-digest", "::mlir::ModuleOp"> {
  let summary = "Replaces each weight's source by a digest of its bytes";
  let description = [{
    For comparing imports of one model from different formats (`dsc import
    --weight-digests`): every `dsc.global`'s source is evaluated (file,
    decoding, transforms) and written as the weight writer would write it,
    and the source is replaced by `dsc.digest`, the 64-bit FNV-1a of those
    bytes in hex. The module loses what differs between formats without
    changing the model: the tokenizer reference and its location. Two
    checkpoints of one model then print the same IR.
  }];
  let dependentDialects = ["::mlir::dsc::DscDialect"];
}

#endif
