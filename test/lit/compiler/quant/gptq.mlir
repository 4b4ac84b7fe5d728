// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %src/test/lib/calib_stats.py floats %t/w.bin 6208
// RUN: %python %src/test/lib/calib_stats.py stats %t/h.bin --cols 64 --outlier 5 --hessian
// RUN: %python %src/test/lib/calib_stats.py stats %t/v1.bin --cols 64 --outlier 5
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --split-input-file --dsc-quant-awq-scale="stats=%t/h.bin rounding=gptq" | FileCheck %s
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --split-input-file --dsc-quant-awq-scale="stats=%t/h.bin rounding=gptq" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --split-input-file --dsc-quant-awq-scale="stats=%t/h.bin" | FileCheck %s --check-prefix=NEAREST
// RUN: sed 's|@W@|%t/w.bin|g' %s | not dsc-opt --split-input-file --dsc-quant-awq-scale="stats=%t/v1.bin rounding=gptq" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOHESSIAN
// RUN: sed 's|@W@|%t/w.bin|g' %s | not dsc-opt --split-input-file --dsc-quant-awq-scale="stats=%t/h.bin rounding=stochastic" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADROUNDING

// rounding=gptq: both layers reading the activation get its Hessian (of
// the scaled activation: 64 x 64), one attribute, beside the importance.
// CHECK-LABEL: dsc.global @wq1 : !dsc.qtensor<64x64xf32, {{.*}}> = {{.*}} {dsc.hessian = dense<{{.*}}> : tensor<64x64xf32>, dsc.importance = dense<{{.*}}> : tensor<64xf32>}
// CHECK: dsc.global @wk1 : !dsc.qtensor<32x64xf32, {{.*}}> = {{.*}} {dsc.hessian = dense<{{.*}}> : tensor<64x64xf32>, dsc.importance
// REPORT: importance-searched scales, GPTQ rounding; output error on the calibration rows {{[0-9.]+}}% of round to nearest's
// Rounding to nearest (the pass's default) attaches no Hessian.
// NEAREST-LABEL: dsc.global @wq1
// NEAREST-NOT: dsc.hessian
// NOHESSIAN: v1.bin: observation point 0 has no Hessian, which rounding=gptq needs (calibrate again, or round to nearest)
// BADROUNDING: dsc-quant-awq-scale: rounding 'stochastic': expected nearest or gptq
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 64, hidden_dim = 128, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 16, max_seq_len = 32>} {
  dsc.global @norm1 : tensor<64xf32> = #dsc.file<path = "@W@", offset = 0, size = 256, encoding = f32>
  dsc.global @wq1 : !dsc.qtensor<64x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> = #dsc.file<path = "@W@", offset = 256, size = 16384, encoding = f32>
  dsc.global @wk1 : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> = #dsc.file<path = "@W@", offset = 16640, size = 8192, encoding = f32>
  func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x32xf32> {
    %n = dsc.weight @norm1 : tensor<64xf32>
    %wq = dsc.weight @wq1 : !dsc.qtensor<64x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    %wk = dsc.weight @wk1 : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    %h = dsc.rms_norm %x, %n {eps = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
    %q = dsc.linear %h, %wq : tensor<?x64xf32>, !dsc.qtensor<64x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x64xf32>
    %k = dsc.linear %h, %wk : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x32xf32>
    %s = dsc.add %q, %q : tensor<?x64xf32>
    return %k : tensor<?x32xf32>
  }
}
