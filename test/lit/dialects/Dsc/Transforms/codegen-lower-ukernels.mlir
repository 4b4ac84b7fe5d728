// RUN: dsc-opt %s --split-input-file --dsc-codegen-lower-ukernels --verify-diagnostics | FileCheck %s

// A bufferized kernel call becomes a call of its symbol, declared once with
// its C declaration's types: pointers (with the view's offset) in the
// order of ins then outs, scalars where the declaration has them.
// CHECK-DAG: func.func private @dsc_rt_observe(i64, !llvm.ptr, i64, i64)
// CHECK-DAG: func.func private @dsc_uk_linear_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-LABEL: func.func @calls
// CHECK-SAME: (%[[X:.*]]: memref<?x8xf32, strided<[8, 1], offset: ?>>, %[[W:.*]]: memref<4x8xf32>, %[[Y:.*]]: memref<?x4xf32>, %[[I:.*]]: i64, %[[J:.*]]: i64)
// CHECK: %[[XB:.*]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: %{{[a-z_0-9]+}}, %[[OFF:[a-z_0-9]+]], %{{.*}} = memref.extract_strided_metadata %[[X]]
// CHECK: %[[BYTES:.*]] = arith.muli %[[OFF]], %c4
// CHECK: %[[ADDR:.*]] = arith.addi %[[XB]], %[[BYTES]]
// CHECK: %[[A64:.*]] = arith.index_cast %[[ADDR]] : index to i64
// CHECK: %[[XP:.*]] = llvm.inttoptr %[[A64]] : i64 to !llvm.ptr
// CHECK: %[[WP:.*]] = llvm.inttoptr
// CHECK: %[[YP:.*]] = llvm.inttoptr
// CHECK: call @dsc_uk_linear_f32(%[[XP]], %[[WP]], %[[YP]], %[[I]], %[[J]], %[[I]])
// CHECK: call @dsc_uk_linear_f32(
// CHECK: call @dsc_rt_observe(%[[J]], %{{.*}}, %[[I]], %[[I]])
// CHECK-NOT: dsc.ukernel
func.func @calls(%x: memref<?x8xf32, strided<[8, 1], offset: ?>>, %w: memref<4x8xf32>, %y: memref<?x4xf32>, %i: i64, %j: i64) {
  dsc.ukernel linear_f32 ins(%x, %w : memref<?x8xf32, strided<[8, 1], offset: ?>>, memref<4x8xf32>) outs(%y : memref<?x4xf32>) args(%i, %j, %i : i64, i64, i64)
  dsc.ukernel linear_f32 ins(%x, %w : memref<?x8xf32, strided<[8, 1], offset: ?>>, memref<4x8xf32>) outs(%y : memref<?x4xf32>) args(%i, %j, %i : i64, i64, i64)
  dsc.ukernel rt_observe ins(%y : memref<?x4xf32>) args(%j, %i, %i : i64, i64, i64)
  return
}

// -----

func.func @unbufferized(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %y: tensor<?x4xf32>, %i: i64) -> tensor<?x4xf32> {
  // expected-error @+1 {{'dsc.ukernel' op has tensor operands left: bufferize first}}
  %r = dsc.ukernel linear_f32 ins(%x, %w : tensor<?x8xf32>, tensor<4x8xf32>) outs(%y : tensor<?x4xf32>) args(%i, %i, %i : i64, i64, i64) -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}
