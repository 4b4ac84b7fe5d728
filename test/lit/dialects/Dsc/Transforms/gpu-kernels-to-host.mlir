// RUN: dsc-opt %s --split-input-file --dsc-gpu-kernels-to-host | FileCheck %s

// A kernel becomes a host function with the grid and block sizes appended,
// looping over blocks (z, y, x) then threads (z, y, x); the ids are the
// loops' indices, the dimensions the appended arguments. The launcher, the
// GPU module and kernels with NVVM operations go.
// CHECK-LABEL: func.func @dsc_cuda_scale_kernel
// CHECK-SAME: (%[[A:.*]]: memref<256xf32>, %[[S:.*]]: f32, %[[GX:.*]]: index, %[[GY:.*]]: index, %[[GZ:.*]]: index, %[[BX:.*]]: index, %[[BY:.*]]: index, %[[BZ:.*]]: index)
// CHECK-SAME: attributes {dsc.host_kernel}
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[GZ]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[GY]]
// CHECK: scf.for %[[BID:.*]] = %{{.*}} to %[[GX]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[BZ]]
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[BY]]
// CHECK: scf.for %[[TID:.*]] = %{{.*}} to %[[BX]]
// CHECK: %[[I0:.*]] = arith.muli %[[BID]], %[[BX]]
// CHECK: %[[I:.*]] = arith.addi %[[I0]], %[[TID]]
// CHECK: memref.load %[[A]][%[[I]]]
// CHECK-NOT: gpu.
// CHECK-NOT: func.func @dsc_cuda_mma_kernel
// CHECK-NOT: func.func @dsc_cuda_scale(
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @dsc_cuda_scale_kernel(%a: memref<256xf32>, %s: f32) kernel {
      %b = gpu.block_id x
      %t = gpu.thread_id x
      %n = gpu.block_dim x
      %i0 = arith.muli %b, %n : index
      %i = arith.addi %i0, %t : index
      %v = memref.load %a[%i] : memref<256xf32>
      %w = arith.mulf %v, %s : f32
      memref.store %w, %a[%i] : memref<256xf32>
      gpu.return
    }
    gpu.func @dsc_cuda_mma_kernel(%a: memref<256xf32>) kernel {
      %t = nvvm.read.ptx.sreg.tid.x : i32
      gpu.return
    }
  }
  func.func @dsc_cuda_scale(%a: memref<256xf32>, %s: f32) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c128 = arith.constant 128 : index
    gpu.launch_func @m::@dsc_cuda_scale_kernel blocks in (%c2, %c1, %c1) threads in (%c128, %c1, %c1) args(%a : memref<256xf32>, %s : f32)
    return
  }
}

// -----

// The grid dimension op reads the appended grid size.
// CHECK-LABEL: func.func @grid_kernel
// CHECK-SAME: %[[GX:[a-z0-9]+]]: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK: memref.store %{{.*}}, %{{.*}}[%[[GX]]]
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @grid_kernel(%a: memref<8xindex>) kernel {
      %g = gpu.grid_dim x
      memref.store %g, %a[%g] : memref<8xindex>
      gpu.return
    }
  }
}
