// RUN: dsc-opt %s --split-input-file --dsc-graph-relax-prefill="products=f16" --verify-diagnostics

// Only bf16 products exist in any kernel.
// expected-error @+1 {{dsc-graph-relax-prefill: products must be bf16, got 'f16'}}
module {
  func.func @f(%x: tensor<?x16xf32>, %a: tensor<8x16xf16>) -> tensor<?x8xf32> {
    %0 = dsc.linear %x, %a : tensor<?x16xf32>, tensor<8x16xf16> -> tensor<?x8xf32>
    return %0 : tensor<?x8xf32>
  }
}
