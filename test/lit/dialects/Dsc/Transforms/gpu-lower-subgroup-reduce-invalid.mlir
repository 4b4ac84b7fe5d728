// RUN: dsc-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(gpu.module(dsc-gpu-lower-subgroup-reduce))'

// 64-bit values do not fit the 32-bit shuffles.
gpu.module @m {
  gpu.func @wide(%a: memref<32xf64>) kernel {
    %t = gpu.thread_id x
    %v = memref.load %a[%t] : memref<32xf64>
    // expected-error @+1 {{cannot be lowered to 32-bit shuffles}}
    %s = gpu.subgroup_reduce add %v uniform : (f64) -> f64
    memref.store %s, %a[%t] : memref<32xf64>
    gpu.return
  }
}
