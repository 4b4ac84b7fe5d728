// RUN: dsc-opt %s --split-input-file --dsc-gpu-check-host-access -verify-diagnostics

// A setting read on the host: a device pointer read there, and a value a
// captured CUDA graph would keep.
func.func @dsc_cuda_reads(%p: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' op runs on the host, which launches dsc_cuda_reads's kernels, but accesses argument 0, device memory: read it in the kernels}}
  %v = memref.load %p[%c0] : memref<?xf32>
  return %v : f32
}

// -----

// Through a view of the argument, and a store.
func.func @dsc_cuda_writes(%p: memref<?xf32>, %q: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %f = arith.constant 1.0 : f32
  %s = memref.subview %q[2] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 2>>
  // expected-error @+1 {{'memref.store' op runs on the host, which launches dsc_cuda_writes's kernels, but accesses argument 1, device memory: read it in the kernels}}
  memref.store %f, %s[%c0] : memref<4xf32, strided<[1], offset: 2>>
  return
}

// -----

// Any op that reads or writes an argument's memory, not only loads and
// stores: a copy out of it.
func.func @dsc_cuda_copies(%p: memref<4xf32>) {
  %own = memref.alloca() : memref<4xf32>
  // expected-error @+1 {{'memref.copy' op runs on the host, which launches dsc_cuda_copies's kernels, but accesses argument 0, device memory: read it in the kernels}}
  memref.copy %p, %own : memref<4xf32> to memref<4xf32>
  return
}
