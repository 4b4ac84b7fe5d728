// RUN: dsc-opt %s --split-input-file --dsc-gpu-kernels-to-host --verify-diagnostics

// A shuffle (or any other gpu op without a host form: the host form
// emulates subgroup reductions and barriers, not a lane reading another's
// register) cannot run one thread after another.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @shuffle_kernel(%a: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      %v = memref.load %a[%c0] : memref<4xf32>
      // expected-error @+1 {{has no host form}}
      %r, %ok = gpu.shuffle xor %v, %c1, %c32 : f32
      memref.store %r, %a[%c0] : memref<4xf32>
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
