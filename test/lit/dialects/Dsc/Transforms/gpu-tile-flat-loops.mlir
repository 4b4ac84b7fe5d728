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

// A flat loop of several dimensions (linalg's parallel loops over [n, 1]
// rows) is collapsed into one, then split into blocks of 128, rather than
// mapped to a grid of one-thread blocks: the indices come back by division
// and remainder of the one.
// CHECK-LABEL: func.func @flat2d
// CHECK: arith.constant 128 : index
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}})
// CHECK-NEXT: scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step (%{{.*}})
// CHECK-NOT: scf.parallel
// CHECK: arith.remsi
// CHECK: arith.divsi
// CHECK: memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<?x3xf32>
func.func @flat2d(%a: memref<?x3xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c3) step (%c1, %c1) {
    %v = memref.load %a[%i, %j] : memref<?x3xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %a[%i, %j] : memref<?x3xf32>
    scf.reduce
  }
  return
}
