// RUN: dsc-opt %s --split-input-file --dsc-graph-relax-prefill="products=fp8" --verify-diagnostics

// Only bf16 (CPU) and f16 (tensor cores) products exist in any kernel.
// expected-error @+1 {{dsc-graph-relax-prefill: products must be bf16 or f16, got 'fp8'}}
module {
  func.func @f(%x: tensor<?x16xf32>, %a: tensor<8x16xf16>) -> tensor<?x8xf32> {
    %0 = dsc.linear %x, %a : tensor<?x16xf32>, tensor<8x16xf16> -> tensor<?x8xf32>
    return %0 : tensor<?x8xf32>
  }
}
