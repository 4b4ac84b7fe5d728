// RUN: dsc-opt %s --split-input-file --dsc-gpu-derive-kernels -verify-diagnostics

// A hand-written kernel of the same name: two definitions would not link,
// and the derived one is the kernel.
// expected-error @below {{dsc-gpu-derive-kernels: the module already has dsc_cuda_add, which it derives from the CPU path's lowering}}
module {
  func.func @dsc_cuda_add(%a: memref<?xf32>, %b: memref<?xf32>,
                          %y: memref<?xf32>, %n: index) {
    return
  }
}

// -----

// expected-error @below {{dsc-gpu-derive-kernels: the module already has dsc_cuda_swiglu, which it derives from the CPU path's lowering}}
module {
  func.func private @dsc_cuda_swiglu(memref<?xf32>)
}
