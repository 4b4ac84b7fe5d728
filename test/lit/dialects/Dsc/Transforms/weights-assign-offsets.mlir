// RUN: dsc-opt %s --split-input-file --dsc-weights-assign-offsets | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-weights-assign-offsets=alignment=4096 | FileCheck %s --check-prefix=PAGE
// RUN: not dsc-opt %s --split-input-file --dsc-weights-assign-offsets=alignment=48 2>&1 | FileCheck %s --check-prefix=BADALIGN
// BADALIGN: error: alignment must be a power of two, got 48

// Weights are placed in module order, each at a multiple of the alignment;
// unused weights are dropped; the blob size is recorded on the module.
// CHECK-LABEL: module attributes {dsc.weights_size = 8262 : i64}
// CHECK: dsc.global @a : tensor<3xf32> {offset = 0 : i64}
// CHECK-NOT: @unused
// CHECK: dsc.global @b : tensor<64x64xf16> {offset = 64 : i64}
// CHECK: dsc.global @c : tensor<3xbf16> {offset = 8256 : i64}
// PAGE-LABEL: module attributes {dsc.weights_size = 12294 : i64}
// PAGE: dsc.global @b : tensor<64x64xf16> {offset = 4096 : i64}
// PAGE: dsc.global @c : tensor<3xbf16> {offset = 12288 : i64}
module {
  dsc.global @a : tensor<3xf32>
  dsc.global @unused : tensor<1000xf32>
  dsc.global @b : tensor<64x64xf16>
  dsc.global @c : tensor<3xbf16>
  func.func @f() {
    %a = dsc.weight @a : tensor<3xf32>
    %b = dsc.weight @b : tensor<64x64xf16>
    %c = dsc.weight @c : tensor<3xbf16>
    return
  }
}

// -----

// Quantized weights take their plain layout's size: 64x32 4-bit values
// (1024 B), 64 x 1 f16 scales (128 B), zero points (64 B) after alignment.
// CHECK-LABEL: module attributes {dsc.weights_size = 1216 : i64}
// CHECK: dsc.global @q : !dsc.qtensor<64x32xf32, #dsc.quant<i4, group = 32, asymmetric, scale = f16>> {offset = 0 : i64}
module {
  dsc.global @q : !dsc.qtensor<64x32xf32, #dsc.quant<i4, group = 32, asymmetric, scale = f16>>
  func.func @f() {
    %q = dsc.weight @q : !dsc.qtensor<64x32xf32, #dsc.quant<i4, group = 32, asymmetric, scale = f16>>
    return
  }
}
