// RUN: dsc-opt %s --split-input-file --dsc-gpu-unique-kernel-names | FileCheck %s

// The k-th kernel a function launches is <function>_kernel_<k> (the first
// <function>_kernel), whatever outlining called it; launches follow.
// CHECK-LABEL: gpu.module @m0
// CHECK: gpu.func @dsc_cuda_x_kernel(
// CHECK: gpu.func @dsc_cuda_x_kernel_1(
// CHECK-LABEL: func.func @dsc_cuda_x
// CHECK: gpu.launch_func @m0::@dsc_cuda_x_kernel blocks
// CHECK: gpu.launch_func @m0::@dsc_cuda_x_kernel_1 blocks
module attributes {gpu.container_module} {
  gpu.module @m0 {
    gpu.func @dsc_cuda_x_kernel_7(%a: memref<64xf32>) kernel {
      gpu.return
    }
    gpu.func @dsc_cuda_x_kernel_3(%a: memref<64xf32>) kernel {
      gpu.return
    }
  }
  func.func @dsc_cuda_x(%a: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    %c64 = arith.constant 64 : index
    gpu.launch_func @m0::@dsc_cuda_x_kernel_7 blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%a : memref<64xf32>)
    gpu.launch_func @m0::@dsc_cuda_x_kernel_3 blocks in (%c1, %c1, %c1) threads in (%c64, %c1, %c1) args(%a : memref<64xf32>)
    return
  }
}

// -----

// Names are per function: two functions' kernels do not share a counter.
// CHECK-LABEL: gpu.module @a
// CHECK: gpu.func @f_kernel(
// CHECK-LABEL: gpu.module @b
// CHECK: gpu.func @g_kernel(
module attributes {gpu.container_module} {
  gpu.module @a {
    gpu.func @f_kernel_0(%x: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @b {
    gpu.func @g_kernel_0(%x: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @f(%x: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @a::@f_kernel_0 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<4xf32>)
    return
  }
  func.func @g(%x: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @b::@g_kernel_0 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%x : memref<4xf32>)
    return
  }
}
