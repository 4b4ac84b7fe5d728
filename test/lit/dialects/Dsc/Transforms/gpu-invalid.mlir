// RUN: dsc-opt %s --split-input-file --dsc-gpu-kernels-to-host --verify-diagnostics

// A barrier (or any other gpu op without a host form) cannot run one
// thread after another.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @sync_kernel(%a: memref<4xf32>) kernel {
      // expected-error @+1 {{has no host form}}
      gpu.barrier
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @m {
    // expected-error @+1 {{has more than one block: no host form}}
    gpu.func @branchy_kernel(%a: memref<4xf32>, %c: i1) kernel {
      cf.cond_br %c, ^bb1, ^bb2
    ^bb1:
      gpu.return
    ^bb2:
      gpu.return
    }
  }
}
