// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %src/test/lib/calib_stats.py floats %t/w.bin 6208
// RUN: %python %src/test/lib/calib_stats.py stats %t/s.bin --cols 64 --outlier 5
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --split-input-file --dsc-quant-awq-scale="stats=%t/s.bin" | FileCheck %s
// RUN: sed 's|@W@|%t/w.bin|g' %s | dsc-opt --split-input-file --dsc-quant-awq-scale="stats=%t/s.bin" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT

// The RMSNorm absorbs the scale: its rows are divided by s, the columns of
// both layers reading it multiplied by the same s (column 5 of the
// activations is twenty times larger than the others: its rounding errors
// cost most). Each quantized weight gets its importance, one value per
// input column.
// CHECK-LABEL: dsc.global @norm1 : tensor<64xf32> = #dsc.scaled<#dsc.file<{{.*}}>, rows = dense<
// CHECK: dsc.global @wq1 : !dsc.qtensor<64x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> = #dsc.scaled<#dsc.file<{{[^>]*}}>, cols = dense<[[S:[^>]*]]> : tensor<64xf32>> {dsc.importance = dense<{{.*}}> : tensor<64xf32>}
// CHECK: dsc.global @wk1 : !dsc.qtensor<32x64xf32, {{.*}}> = #dsc.scaled<#dsc.file<{{.*}}>, cols = dense<[[S]]> : tensor<64xf32>> {dsc.importance
// REPORT: activation-aware scales on 1 of 1 activations (0 best unscaled, 0 without a producer to fold into)
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

// -----

// An argument has no producer to fold a scale into: the weight keeps its
// source and only gets its importance.
// CHECK-LABEL: dsc.global @wq2 : !dsc.qtensor<64x64xf32, {{.*}}> = #dsc.file<{{[^>]*}}> {dsc.importance = dense<{{.*}}> : tensor<64xf32>}
// REPORT: activation-aware scales on 0 of 1 activations (0 best unscaled, 1 without a producer to fold into)
module {
  dsc.global @wq2 : !dsc.qtensor<64x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> = #dsc.file<path = "@W@", offset = 256, size = 16384, encoding = f32>
  func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
    %wq = dsc.weight @wq2 : !dsc.qtensor<64x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    %q = dsc.linear %x, %wq : tensor<?x64xf32>, !dsc.qtensor<64x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x64xf32>
    return %q : tensor<?x64xf32>
  }
}

// -----

// Float weights are not searched: nothing changes.
// CHECK-LABEL: dsc.global @wq3 : tensor<64x64xf32> = #dsc.file<{{[^>]*}}>{{$}}
// REPORT: no quantized weights to calibrate
module {
  dsc.global @norm3 : tensor<64xf32> = #dsc.file<path = "@W@", offset = 0, size = 256, encoding = f32>
  dsc.global @wq3 : tensor<64x64xf32> = #dsc.file<path = "@W@", offset = 256, size = 16384, encoding = f32>
  func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
    %n = dsc.weight @norm3 : tensor<64xf32>
    %wq = dsc.weight @wq3 : tensor<64x64xf32>
    %h = dsc.rms_norm %x, %n {eps = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
    %q = dsc.linear %h, %wq : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
    return %q : tensor<?x64xf32>
  }
}
