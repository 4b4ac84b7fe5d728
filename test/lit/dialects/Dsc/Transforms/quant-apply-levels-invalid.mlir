// RUN: dsc-opt %s --split-input-file --dsc-quant-apply -verify-diagnostics

// A per-weight request of IQ4_NL blocks (32 values each) on rows of 48.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 64, hidden_dim = 172, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 16, max_seq_len = 32>} {
  // expected-error @below {{dsc.quantize: qtensor shape does not fit its scheme: iq4_nl stores rows in blocks of 32 values; 48 columns are not a multiple}}
  dsc.global @b : tensor<64x48xf32> {dsc.quantize = #dsc.quant<iq4_nl>}
  dsc.global @output : tensor<16x64xf32>
  func.func @forward(%x: tensor<?x48xf32>) -> tensor<?x16xf32> {
    %wb = dsc.weight @b : tensor<64x48xf32>
    %yb = dsc.linear %x, %wb : tensor<?x48xf32>, tensor<64x48xf32> -> tensor<?x64xf32>
    %wo = dsc.weight @output : tensor<16x64xf32>
    %l = dsc.linear %yb, %wo : tensor<?x64xf32>, tensor<16x64xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

// A classifier request on a row of 40 columns.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 40, hidden_dim = 172, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 10, max_seq_len = 32>} {
  // expected-error @below {{40 columns are not a multiple}}
  dsc.global @output : tensor<16x40xf32> {dsc.quantize = #dsc.quant<iq4_nl>}
  func.func @forward(%x: tensor<?x40xf32>) -> tensor<?x16xf32> {
    %wo = dsc.weight @output : tensor<16x40xf32>
    %l = dsc.linear %x, %wo : tensor<?x40xf32>, tensor<16x40xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}
