// RUN: dsc-opt %s --split-input-file --verify-diagnostics --dsc-gpu-kernels-to-host

// The host form cuts the body at a reduction: one in a loop has no place
// to cut.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @in_loop(%a: memref<32xf32>) kernel {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4 = arith.constant 4 : index
      %t = gpu.thread_id x
      scf.for %i = %c0 to %c4 step %c1 {
        %v = memref.load %a[%t] : memref<32xf32>
        // expected-error @+1 {{inside a loop or branch has no host form}}
        %s = gpu.subgroup_reduce add %v uniform : (f32) -> f32
        memref.store %s, %a[%t] : memref<32xf32>
      }
      gpu.return
    }
  }
}

// -----

// A vector kept across the cut has no scratch buffer.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @vector(%a: memref<32xf32>, %b: memref<128xf32>) kernel {
      %c0 = arith.constant 0 : index
      %t = gpu.thread_id x
      // expected-error @+1 {{used across a subgroup reduction: no host form}}
      %w = vector.load %b[%c0] : memref<128xf32>, vector<4xf32>
      %v = memref.load %a[%t] : memref<32xf32>
      %s = gpu.subgroup_reduce add %v uniform : (f32) -> f32
      vector.store %w, %b[%t] : memref<128xf32>, vector<4xf32>
      memref.store %s, %a[%t] : memref<32xf32>
      gpu.return
    }
  }
}

// -----

// Every thread reduces the same value: nothing to keep per thread.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @uniform_value(%a: memref<32xf32>, %x: f32) kernel {
      %t = gpu.thread_id x
      // expected-error @+1 {{reduces a value that does not depend on the thread}}
      %s = gpu.subgroup_reduce add %x uniform : (f32) -> f32
      memref.store %s, %a[%t] : memref<32xf32>
      gpu.return
    }
  }
}

// -----

// Reductions over clusters of lanes are not emulated.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @cluster(%a: memref<32xf32>) kernel {
      %t = gpu.thread_id x
      %v = memref.load %a[%t] : memref<32xf32>
      // expected-error @+1 {{of a vector or in clusters has no host form}}
      %s = gpu.subgroup_reduce add %v uniform cluster(size = 4) : (f32) -> f32
      memref.store %s, %a[%t] : memref<32xf32>
      gpu.return
    }
  }
}
