// RUN: dsc-opt %s --split-input-file --dsc-gpu-reverse-parallel-loops | FileCheck %s

// Iteration i of [lb, ub) by step becomes lb + (count - 1 - (i - lb) / step) * step,
// count = ceildiv(ub - lb, step): the body sees the indices in reverse.
// CHECK-LABEL: func.func @reverse
// CHECK: scf.parallel (%[[I:.*]]) = (%[[LB:.*]]) to (%[[UB:.*]]) step (%[[ST:.*]])
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[SPAN:.*]] = arith.subi %[[UB]], %[[LB]]
// CHECK: %[[CNT:.*]] = arith.ceildivui %[[SPAN]], %[[ST]]
// CHECK: %[[LAST:.*]] = arith.subi %[[CNT]], %[[ONE]]
// CHECK: %[[OFF:.*]] = arith.subi %[[I]], %[[LB]]
// CHECK: %[[K:.*]] = arith.divui %[[OFF]], %[[ST]]
// CHECK: %[[RK:.*]] = arith.subi %[[LAST]], %[[K]]
// CHECK: %[[SC:.*]] = arith.muli %[[RK]], %[[ST]]
// CHECK: %[[REV:.*]] = arith.addi %[[LB]], %[[SC]]
// CHECK: memref.load %{{.*}}[%[[REV]]]
func.func @reverse(%a: memref<100xf32>) {
  %c3 = arith.constant 3 : index
  %c7 = arith.constant 7 : index
  %n = arith.constant 100 : index
  scf.parallel (%i) = (%c3) to (%n) step (%c7) {
    %v = memref.load %a[%i] : memref<100xf32>
    memref.store %v, %a[%i] : memref<100xf32>
    scf.reduce
  }
  return
}

// -----

// Each dimension of a 2-D loop is reversed on its own.
// CHECK-LABEL: func.func @two_dims
// CHECK-COUNT-2: arith.ceildivui
// CHECK: memref.load
func.func @two_dims(%a: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%r, %l) = (%c0, %c0) to (%c4, %c8) step (%c1, %c1) {
    %v = memref.load %a[%r, %l] : memref<4x8xf32>
    memref.store %v, %a[%r, %l] : memref<4x8xf32>
    scf.reduce
  }
  return
}

// -----

// The lanes around an mma.sync (here in a function the loop calls) place
// its fragments: that innermost loop keeps its order, the one around it
// (the warps' tiles) is reversed.
// CHECK-LABEL: func.func @lanes
// CHECK: scf.parallel (%[[T:.*]]) =
// CHECK: arith.ceildivui
// CHECK: %[[RT:.*]] = arith.addi
// CHECK: scf.parallel (%[[L:.*]]) =
// CHECK-NOT: arith.ceildivui
// CHECK: func.call @frag(%[[RT]], %[[L]])
func.func private @frag(%t: index, %l: index) -> f32 {
  %v = arith.constant dense<1.0> : vector<2xf16>
  %z = arith.constant 0.0 : f32
  %d = nvvm.mma.sync A[%v, %v, %v, %v] B[%v, %v] C[%z, %z, %z, %z]
      {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
       shape = #nvvm.shape<m = 16, n = 8, k = 16>}
      : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
  %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
  return %d0 : f32
}
func.func @lanes(%a: memref<4x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  scf.parallel (%t) = (%c0) to (%c4) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %v = func.call @frag(%t, %l) : (index, index) -> f32
      memref.store %v, %a[%t, %l] : memref<4x32xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}
