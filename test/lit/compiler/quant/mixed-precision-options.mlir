// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %src/test/lib/calib_stats.py stats %t/one.bin --cols 64
// RUN: %python %src/test/lib/calib_stats.py stats %t/tok.bin --cols 64 --tokens 1,2,3,4 --window 4
// RUN: not dsc-opt %s --dsc-quant-mixed-precision="stats=%t/one.bin budget=1MiB measure=loss" -o /dev/null 2>&1 | FileCheck %s --check-prefix=MEASURE
// RUN: not dsc-opt %s --dsc-quant-mixed-precision="stats=%t/one.bin budget=1MiB rounding=up" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ROUNDING
// RUN: not dsc-opt %s --dsc-quant-mixed-precision="stats=%t/one.bin budget=1MiB" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOTOKENS
// RUN: not dsc-opt %s --dsc-quant-mixed-precision="stats=%t/one.bin budget=1MiB measure=output rounding=gptq" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOHESSIAN
// RUN: not dsc-opt %s --dsc-quant-mixed-precision="stats=%t/tok.bin budget=1MiB" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOREF
// MEASURE: dsc-quant-mixed-precision: measure 'loss': expected kl or output
// ROUNDING: dsc-quant-mixed-precision: rounding 'up': expected nearest or gptq
// NOTOKENS: one.bin: no calibration tokens (a DSCCALB1 file), which measure=kl runs the model on; calibrate again or use measure=output
// NOHESSIAN: one.bin: observation point 0 has no Hessian, which rounding=gptq needs
// The KL divergence needs a model the reference forward pass runs.
// NOREF: --quantize auto: measuring the KL divergence: pruning: not a dsc model (no dsc.config)
module {
  dsc.global @w : tensor<64x64xf32>
  func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
    %w = dsc.weight @w : tensor<64x64xf32>
    %y = dsc.linear %x, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
    return %y : tensor<?x64xf32>
  }
}
