// RUN: dsc-opt %s --split-input-file --dsc-codegen-outline-loops | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-codegen-outline-loops=min-calls=1 | FileCheck %s --check-prefix=ONE

// Two layers' RMSNorm-like nests over different buffers share one function,
// kept out of line; the constants stay constants inside it.
// CHECK-LABEL: func.func private @two_layers_loop0(
// CHECK-SAME: %[[N:[a-z0-9]+]]: index, %[[X:[a-z0-9]+]]: memref<?x64xf32>, %[[Y:[a-z0-9]+]]: memref<?x64xf32>
// CHECK-SAME: passthrough = ["noinline"]
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[N]]
// CHECK: scf.for %{{.*}} = %[[C0]] to %[[C64]]
// CHECK: arith.mulf %{{.*}}, %[[TWO]]
// CHECK: return
// CHECK-NOT: func.func private @two_layers_loop1
// CHECK-LABEL: func.func @two_layers(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<?x64xf32>, %[[B:[a-z0-9]+]]: memref<?x64xf32>, %[[C:[a-z0-9]+]]: memref<?x64xf32>
// CHECK: %[[D:.*]] = memref.dim %[[A]]
// CHECK-NEXT: call @two_layers_loop0(%[[D]], %[[A]], %[[B]])
// CHECK-NEXT: call @two_layers_loop0(%[[D]], %[[B]], %[[C]])
// CHECK-NOT: scf.for
// CHECK: return
func.func @two_layers(%a: memref<?x64xf32>, %b: memref<?x64xf32>, %c: memref<?x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  %n = memref.dim %a, %c0 : memref<?x64xf32>
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c64 step %c1 {
      %v = memref.load %a[%i, %j] : memref<?x64xf32>
      %w = arith.mulf %v, %two : f32
      memref.store %w, %b[%i, %j] : memref<?x64xf32>
    }
  }
  scf.for %i = %c0 to %n step %c1 {
    scf.for %j = %c0 to %c64 step %c1 {
      %v = memref.load %b[%i, %j] : memref<?x64xf32>
      %w = arith.mulf %v, %two : f32
      memref.store %w, %c[%i, %j] : memref<?x64xf32>
    }
  }
  return
}

// -----

// Nests that differ in a constant are two functions, each called once:
// LLVM's inliner may put them back (no noinline), unless min-calls is 1.
// CHECK-LABEL: func.func private @differ_loop0(
// CHECK-NOT: passthrough
// CHECK: arith.constant 2.000000e+00 : f32
// CHECK-LABEL: func.func private @differ_loop1(
// CHECK-NOT: passthrough
// CHECK: arith.constant 3.000000e+00 : f32
// CHECK-LABEL: func.func @differ(
// CHECK: call @differ_loop0(
// CHECK: call @differ_loop1(
// ONE-LABEL: func.func private @differ_loop0(
// ONE-SAME: passthrough = ["noinline"]
// ONE-LABEL: func.func private @differ_loop1(
// ONE-SAME: passthrough = ["noinline"]
func.func @differ(%a: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %two = arith.constant 2.0 : f32
  %three = arith.constant 3.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    %w = arith.mulf %v, %two : f32
    memref.store %w, %a[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    %w = arith.mulf %v, %three : f32
    memref.store %w, %a[%i] : memref<8xf32>
  }
  return
}

// -----

// A loop with results stays where it is; a global's address is cloned in
// like a constant; a nest that calls a kernel passes the kernel's pointer.
// CHECK-LABEL: func.func private @mixed_loop0(
// CHECK-SAME: %{{.*}}: !llvm.ptr
// CHECK: memref.get_global @table
// CHECK: call @kernel(
// CHECK-LABEL: func.func @mixed(
// CHECK: %[[SUM:.*]] = scf.for
// CHECK: call @mixed_loop0(
// CHECK: return %[[SUM]]
memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func private @kernel(!llvm.ptr, f32)
func.func @mixed(%p: !llvm.ptr) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %t = memref.get_global @table : memref<4xf32>
  %sum = scf.for %i = %c0 to %c4 step %c1 iter_args(%s = %zero) -> f32 {
    %v = memref.load %t[%i] : memref<4xf32>
    %r = arith.addf %s, %v : f32
    scf.yield %r : f32
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %t[%i] : memref<4xf32>
    func.call @kernel(%p, %v) : (!llvm.ptr, f32) -> ()
  }
  return %sum : f32
}
