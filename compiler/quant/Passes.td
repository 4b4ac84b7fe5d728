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
    `dsc.quantize` attribute: an int4 (`#dsc.quant<i4, group = G>`, the
    group from `group`) or int8 per-channel scheme, or `false` (float), so
    that the weights fit in `budget` with the least summed relative error.
    The choice is greedy by error saved per byte. The error of a linear
    weight is that of its output on the calibration rows in `stats` (a file
    `dsc compile --calib` writes; see `--calib-stats`), of a table only
    looked up that of its rows. Run before `dsc-quant-apply`, which
    quantizes as the attributes say.

    The module must be unquantized and its linear inputs the observation
    points `stats` was recorded at (the model after graph passes). A budget
    below the smallest model is an error naming both sizes. The choice is
    reported as a remark.
  }];
  let options = [
    Option<"stats", "stats", "std::string", /*default=*/"\"\"",
           "Calibration statistics file (required)">,
    Option<"budget", "budget", "std::string", /*default=*/"\"\"",
           "Size limit of the weights, e.g. 600MiB (required)">,
    Option<"group", "group", "int64_t", /*default=*/"32",
           "Group size of the int4 candidate (a multiple of 32)">
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
    minimize the error weighted by it.

    Runs after `dsc-quant-apply`; the module's linear inputs must be the
    observation points `stats` was recorded at. The outcome is reported as
    a remark.
  }];
  let options = [
    Option<"stats", "stats", "std::string", /*default=*/"\"\"",
           "Calibration statistics file (required)">,
    Option<"grid", "grid", "int", /*default=*/"20",
           "Values of alpha tried in [0, 1)">,
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
