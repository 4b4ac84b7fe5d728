// RUN: dsc-opt %s --split-input-file --dsc-codegen-approximate-math | FileCheck %s

// exp and tanh become polynomial arithmetic: no libm calls, vectorizable.
// CHECK-LABEL: func.func @silu
// CHECK-NOT: math.exp
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: return
func.func @silu(%x: f32) -> f32 {
  %n = arith.negf %x : f32
  %e = math.exp %n : f32
  %one = arith.constant 1.0 : f32
  %d = arith.addf %one, %e : f32
  %r = arith.divf %x, %d : f32
  return %r : f32
}

// -----

// CHECK-LABEL: func.func @gelu_tanh
// CHECK-NOT: math.tanh
// CHECK: return
func.func @gelu_tanh(%x: f32) -> f32 {
  %t = math.tanh %x : f32
  return %t : f32
}

// -----

// rsqrt is not approximated (it lowers to an exact 1/sqrt).
// CHECK-LABEL: func.func @keep_rsqrt
// CHECK: math.rsqrt
func.func @keep_rsqrt(%x: f32) -> f32 {
  %r = math.rsqrt %x : f32
  return %r : f32
}
