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
      // expected-error @+1 {{used across a subgroup reduction or barrier: no host form}}
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

// -----

// Only the tensor-core GEMM's mma.sync shape is emulated.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @mma_shape(%y: memref<?xf32>, %v: vector<2xf16>) kernel {
      %zero = arith.constant 0.0 : f32
      // expected-error @+1 {{has no host form: only m16n8k16 with f16 A (row) and B (col) and f32 C is emulated}}
      %d = nvvm.mma.sync A[%v, %v] B[%v] C[%zero, %zero, %zero, %zero]
          {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
           shape = #nvvm.shape<m = 16, n = 8, k = 8>}
          : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
      %c0 = arith.constant 0 : index
      memref.store %d0, %y[%c0] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// A warp reduction beside mma.sync: the one-thread form cannot combine lanes.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @mma_and_reduce(%y: memref<?xf32>, %v: vector<2xf16>) kernel {
      %zero = arith.constant 0.0 : f32
      %d = nvvm.mma.sync A[%v, %v, %v, %v] B[%v, %v] C[%zero, %zero, %zero, %zero]
          {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
           shape = #nvvm.shape<m = 16, n = 8, k = 16>}
          : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
      // expected-error @+1 {{in a kernel with mma.sync has no host form}}
      %s = gpu.subgroup_reduce add %d0 uniform : (f32) -> f32
      %c0 = arith.constant 0 : index
      memref.store %s, %y[%c0] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// The emulator's results are read back element by element.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @mma_struct(%y: memref<?xf32>, %v: vector<2xf16>) kernel {
      %zero = arith.constant 0.0 : f32
      // expected-error @+1 {{its result is used other than by llvm.extractvalue}}
      %d = nvvm.mma.sync A[%v, %v, %v, %v] B[%v, %v] C[%zero, %zero, %zero, %zero]
          {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
           shape = #nvvm.shape<m = 16, n = 8, k = 16>}
          : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      %f = builtin.unrealized_conversion_cast %d : !llvm.struct<(f32, f32, f32, f32)> to f32
      %c0 = arith.constant 0 : index
      memref.store %f, %y[%c0] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// Of the NVVM operations, only mma.sync has a host form.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @nvvm_other(%a: memref<256xi32>) kernel {
      // expected-error @+1 {{has no host form: of the NVVM operations, only mma.sync is emulated}}
      %t = nvvm.read.ptx.sreg.tid.x : i32
      %c0 = arith.constant 0 : index
      memref.store %t, %a[%c0] : memref<256xi32>
      gpu.return
    }
  }
}

// -----

// A barrier in a branch: the host form cuts the body at barriers too.
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @barrier_in_branch(%a: memref<32xf32>, %c: i1) kernel {
      %t = gpu.thread_id x
      scf.if %c {
        // expected-error @+1 {{inside a loop or branch has no host form}}
        gpu.barrier
      }
      %v = memref.load %a[%t] : memref<32xf32>
      memref.store %v, %a[%t] : memref<32xf32>
      gpu.return
    }
  }
}
