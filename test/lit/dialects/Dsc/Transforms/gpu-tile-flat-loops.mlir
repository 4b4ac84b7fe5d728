// RUN: dsc-opt %s --split-input-file --dsc-gpu-tile-flat-loops | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-gpu-tile-flat-loops=block-size=64 | FileCheck %s --check-prefix=B64

// A flat 1-D parallel loop becomes blocks of 128 threads (an outer loop
// stepping by 128, an inner one over the block, guarded at the end).
// CHECK-LABEL: func.func @flat
// CHECK: %[[B:.*]] = arith.constant 128 : index
// CHECK: %[[STEP:.*]] = arith.muli %{{.*}}, %[[B]] : index
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%{{.*}}) step (%[[STEP]])
// CHECK-NEXT: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[STEP]])
// CHECK: arith.cmpi ult
// CHECK: scf.if
// CHECK: memref.load
// B64-LABEL: func.func @flat
// B64: arith.constant 64 : index
func.func @flat(%a: memref<1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 1000 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %a[%i] : memref<1000xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %a[%i] : memref<1000xf32>
    scf.reduce
  }
  return
}

// -----

// Nested loops (a GEMV's rows and lanes) keep the mapping they say.
// CHECK-LABEL: func.func @nested
// CHECK-NOT: arith.constant 128
// CHECK: scf.parallel (%[[R:.*]]) = (%{{.*}}) to (%{{.*}}) step (%{{.*}})
// CHECK-NEXT: scf.parallel (%[[L:.*]]) = (%{{.*}}) to (%{{.*}}) step (%{{.*}})
// CHECK-NEXT: memref.load %{{.*}}[%[[R]], %[[L]]]
func.func @nested(%a: memref<8x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%r) = (%c0) to (%c8) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %v = memref.load %a[%r, %l] : memref<8x32xf32>
      memref.store %v, %a[%r, %l] : memref<8x32xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

// -----

// Two-dimensional loops are left alone (they map to blocks and threads).
// CHECK-LABEL: func.func @two_dims
// CHECK-NOT: arith.constant 128
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK-NOT: scf.parallel
func.func @two_dims(%a: memref<8x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%r, %l) = (%c0, %c0) to (%c8, %c32) step (%c1, %c1) {
    %v = memref.load %a[%r, %l] : memref<8x32xf32>
    memref.store %v, %a[%r, %l] : memref<8x32xf32>
    scf.reduce
  }
  return
}
