// RUN: dsc-opt %s --split-input-file --dsc-graph-relax-prefill | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-graph-relax-prefill="products=bf16" | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-graph-relax-prefill="products=f16" | FileCheck %s --check-prefix=F16

// Every float weight, whatever its type, gets the permission; in f16 only
// the f16 weight, whose values f16 holds.
// F16-LABEL: func.func @float_weights
// F16: dsc.linear %{{.*}}, %{{.*}} {prefill_products = f16} : tensor<?x16xf32>, tensor<8x16xf16>
// F16-NOT: prefill_products
// F16: return
// CHECK-LABEL: func.func @float_weights
// CHECK: dsc.linear %{{.*}}, %{{.*}} {prefill_products = bf16} : tensor<?x16xf32>, tensor<8x16xf16>
// CHECK: dsc.linear %{{.*}}, %{{.*}}, %{{.*}} {prefill_products = bf16} : tensor<?x16xf32>, tensor<8x16xbf16>, tensor<8xf32>
// CHECK: dsc.linear %{{.*}}, %{{.*}} {prefill_products = bf16} : tensor<?x16xf32>, tensor<8x16xf32>
func.func @float_weights(%x: tensor<?x16xf32>, %a: tensor<8x16xf16>, %b: tensor<8x16xbf16>, %bias: tensor<8xf32>, %c: tensor<8x16xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = dsc.linear %x, %a : tensor<?x16xf32>, tensor<8x16xf16> -> tensor<?x8xf32>
  %1 = dsc.linear %x, %b, %bias : tensor<?x16xf32>, tensor<8x16xbf16>, tensor<8xf32> -> tensor<?x8xf32>
  %2 = dsc.linear %x, %c : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
  return %0, %1, %2 : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// Quantized weights keep their own arithmetic: no attribute in bf16; in
// f16 their integer values are exact, and tensor cores take them.
// F16-LABEL: func.func @quantized_weight
// F16: dsc.linear %{{.*}}, %{{.*}} {prefill_products = f16}
// CHECK-LABEL: func.func @quantized_weight
// CHECK: dsc.linear
// CHECK-NOT: prefill_products
// CHECK-SAME: -> tensor<?x8xf32>
func.func @quantized_weight(%x: tensor<?x32xf32>, %w: !dsc.qtensor<8x32xf32, #dsc.quant<i4, group = 32>>) -> tensor<?x8xf32> {
  %0 = dsc.linear %x, %w : tensor<?x32xf32>, !dsc.qtensor<8x32xf32, #dsc.quant<i4, group = 32>> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}
