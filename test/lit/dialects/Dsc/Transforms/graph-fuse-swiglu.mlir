// RUN: dsc-opt %s --split-input-file --dsc-graph-fuse-swiglu | FileCheck %s

// CHECK-LABEL: func.func @gate_on_left
// CHECK-SAME: (%[[G:.*]]: tensor<?x172xf32>, %[[U:.*]]: tensor<?x172xf32>)
func.func @gate_on_left(%g: tensor<?x172xf32>, %u: tensor<?x172xf32>) -> tensor<?x172xf32> {
  // CHECK-NOT: dsc.silu
  // CHECK-NOT: dsc.mul
  // CHECK: %[[R:.*]] = dsc.swiglu %[[G]], %[[U]] : tensor<?x172xf32>
  // CHECK: return %[[R]]
  %s = dsc.silu %g : tensor<?x172xf32>
  %m = dsc.mul %s, %u : tensor<?x172xf32>
  return %m : tensor<?x172xf32>
}

// -----

// The gate may be either operand of the product.
// CHECK-LABEL: func.func @gate_on_right
// CHECK-SAME: (%[[G:.*]]: tensor<4x8xf32>, %[[U:.*]]: tensor<4x8xf32>)
// CHECK: dsc.swiglu %[[G]], %[[U]] : tensor<4x8xf32>
func.func @gate_on_right(%g: tensor<4x8xf32>, %u: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = dsc.silu %g : tensor<4x8xf32>
  %m = dsc.mul %u, %s : tensor<4x8xf32>
  return %m : tensor<4x8xf32>
}

// -----

// A silu with another user stays for that user.
// CHECK-LABEL: func.func @shared_silu
// CHECK: %[[S:.*]] = dsc.silu %arg0
// CHECK: %[[F:.*]] = dsc.swiglu %arg0, %arg1
// CHECK: dsc.add %[[F]], %[[S]]
func.func @shared_silu(%g: tensor<4x8xf32>, %u: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = dsc.silu %g : tensor<4x8xf32>
  %m = dsc.mul %s, %u : tensor<4x8xf32>
  %a = dsc.add %m, %s : tensor<4x8xf32>
  return %a : tensor<4x8xf32>
}

// -----

// A product without silu is left alone.
// CHECK-LABEL: func.func @plain_mul
// CHECK: dsc.mul
// CHECK-NOT: dsc.swiglu
func.func @plain_mul(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %g = dsc.gelu %a : tensor<4x8xf32>
  %m = dsc.mul %g, %b : tensor<4x8xf32>
  return %m : tensor<4x8xf32>
}
