// RUN: dsc-opt %s --split-input-file --dsc-weights-stamp-id --verify-diagnostics | FileCheck %s
// Stamping again gives the same id: a present id is not part of the digest.
// RUN: dsc-opt %s --split-input-file --dsc-weights-stamp-id --dsc-weights-stamp-id --verify-diagnostics | FileCheck %s

// The id is a digest of the laid-out module: the same layout gives the same
// id, a different weight layout another.
// CHECK-LABEL: module attributes
// CHECK-SAME: dsc.model_id = [[ID:[0-9]+]] : i64
module attributes {dsc.weights_size = 64 : i64} {
  dsc.global @a : tensor<4x4xf32> {offset = 0 : i64}
  func.func @f() {
    %a = dsc.weight @a : tensor<4x4xf32>
    return
  }
}

// -----

// The same module: the same id.
// CHECK-LABEL: module attributes
// CHECK-SAME: dsc.model_id = [[ID]] : i64
module attributes {dsc.weights_size = 64 : i64} {
  dsc.global @a : tensor<4x4xf32> {offset = 0 : i64}
  func.func @f() {
    %a = dsc.weight @a : tensor<4x4xf32>
    return
  }
}

// -----

// The weight stored as f16: another id.
// CHECK-LABEL: module attributes
// CHECK-NOT: dsc.model_id = [[ID]] :
// CHECK-SAME: dsc.model_id = {{[0-9]+}} : i64
module attributes {dsc.weights_size = 32 : i64} {
  dsc.global @a : tensor<4x4xf16> {offset = 0 : i64}
  func.func @f() {
    %a = dsc.weight @a : tensor<4x4xf16>
    return
  }
}

// -----

// expected-error @+1 {{dsc-weights-stamp-id needs the weight layout; run dsc-weights-assign-offsets first}}
module {
  dsc.global @a : tensor<4x4xf32>
}
