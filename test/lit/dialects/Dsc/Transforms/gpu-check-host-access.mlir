// RUN: dsc-opt %s --split-input-file --dsc-gpu-check-host-access | FileCheck %s

// Host code that only launches: unchanged. A load of memory the host code
// allocated itself, and loads inside a kernel, are not the arguments'.
// CHECK-LABEL: func.func @dsc_cuda_launches
// CHECK: memref.load %{{.*}} : memref<4xindex>
// CHECK: gpu.launch_func @m::@dsc_cuda_launches_kernel
module attributes {gpu.container_module} {
  gpu.module @m {
    gpu.func @dsc_cuda_launches_kernel(%a: memref<?xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0] : memref<?xf32>
      memref.store %v, %a[%c0] : memref<?xf32>
      gpu.return
    }
  }
  func.func @dsc_cuda_launches(%a: memref<?xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %own = memref.alloca() : memref<4xindex>
    memref.store %c1, %own[%c0] : memref<4xindex>
    %n = memref.load %own[%c0] : memref<4xindex>
    gpu.launch_func @m::@dsc_cuda_launches_kernel blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<?xf32>)
    return
  }
}

// -----

// Not yet outlined: a gpu.launch's body is a kernel's.
// CHECK-LABEL: func.func @dsc_cuda_inline
// CHECK: gpu.launch
// CHECK: memref.load
func.func @dsc_cuda_inline(%a: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %f = memref.load %a[%c0] : memref<?xf32>
    memref.store %f, %a[%tx] : memref<?xf32>
    gpu.terminator
  }
  return
}
