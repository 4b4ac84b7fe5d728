// RUN: dsc-opt %s --split-input-file --dsc-gpu-unroll-loops | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-gpu-unroll-loops=factor=2 | FileCheck %s --check-prefix=TWO

// A kernel's loop over a dynamic range (a lane's columns) is unrolled four
// times, with a loop for the iterations left over; the accumulator goes
// through every copy.
// CHECK-LABEL: gpu.func @lane
// CHECK: %[[MAIN:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %{{.*}}) -> (f32) {
// CHECK-COUNT-4: memref.load
// CHECK-NOT: memref.load
// CHECK: scf.yield
// CHECK: }
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[MAIN]]) -> (f32) {
// CHECK: memref.load
// CHECK-NOT: memref.load
// CHECK: scf.yield
// TWO-LABEL: gpu.func @lane
// TWO: scf.for
// TWO-COUNT-2: memref.load
// TWO-NOT: memref.load
// TWO: scf.yield
gpu.module @m {
  gpu.func @lane(%x: memref<?xf32>, %out: memref<?xf32>, %lo: index,
                 %hi: index) kernel {
    %c32 = arith.constant 32 : index
    %c0 = arith.constant 0 : index
    %zero = arith.constant 0.0 : f32
    %s = scf.for %i = %lo to %hi step %c32 iter_args(%a = %zero) -> f32 {
      %v = memref.load %x[%i] : memref<?xf32>
      %a2 = arith.addf %a, %v : f32
      scf.yield %a2 : f32
    }
    memref.store %s, %out[%c0] : memref<?xf32>
    gpu.return
  }
}

// -----

// A short constant loop (a word's eight values) is unrolled whole, and the
// loop around it, then innermost, four times; only the innermost loops of
// kernels, not host functions.
// CHECK-LABEL: gpu.func @words
// CHECK: scf.for
// CHECK-COUNT-32: arith.shrsi
// CHECK-NOT: arith.shrsi
// CHECK: scf.yield
// CHECK-LABEL: func.func @host
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.load
// CHECK-NOT: memref.load
// CHECK-NOT: scf.for
gpu.module @m {
  gpu.func @words(%q: memref<?xi32>, %out: memref<?xf32>, %lo: index,
                  %hi: index) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c8 = arith.constant 8 : index
    %c32 = arith.constant 32 : index
    %s28 = arith.constant 28 : i32
    %zero = arith.constant 0.0 : f32
    %s = scf.for %w = %lo to %hi step %c32 iter_args(%a = %zero) -> f32 {
      %wd = memref.load %q[%w] : memref<?xi32>
      %d = scf.for %j = %c0 to %c8 step %c1 iter_args(%b = %a) -> f32 {
        %j32 = arith.index_cast %j : index to i32
        %hi2 = arith.shli %wd, %j32 : i32
        %v = arith.shrsi %hi2, %s28 : i32
        %f = arith.sitofp %v : i32 to f32
        %b2 = arith.addf %b, %f : f32
        scf.yield %b2 : f32
      }
      scf.yield %d : f32
    }
    memref.store %s, %out[%c0] : memref<?xf32>
    gpu.return
  }
}
func.func @host(%x: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      %v = memref.load %x[%j] : memref<?xf32>
      memref.store %v, %x[%i] : memref<?xf32>
    }
  }
  return
}

// -----

// Before outlining, a parallel loop's body is a kernel's: its loops are
// unrolled too (the semantic checks run them so on the host).
// CHECK-LABEL: func.func @before_outlining
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK-COUNT-4: memref.load
// CHECK-NOT: memref.load
// CHECK: scf.yield
// CHECK: scf.for
// CHECK: memref.load
func.func @before_outlining(%x: memref<?xf32>, %out: memref<?xf32>,
                            %n: index, %k: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    %s = scf.for %i = %c0 to %k step %c1 iter_args(%a = %zero) -> f32 {
      %v = memref.load %x[%i] : memref<?xf32>
      %a2 = arith.addf %a, %v : f32
      scf.yield %a2 : f32
    }
    memref.store %s, %out[%r] : memref<?xf32>
    scf.reduce
  }
  return
}
