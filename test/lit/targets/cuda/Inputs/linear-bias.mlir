// A forward pass with an op the device kernels do not cover (a linear
// layer's bias): device-forward.test compiles it for a CUDA target.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 32, hidden_dim = 32, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32, tie_embeddings = false>} {
  dsc.global @emb : tensor<32x32xf32>
  dsc.global @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
  dsc.global @bq : tensor<32xf32>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x32xf32> {
    %emb = dsc.weight @emb : tensor<32x32xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<32x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
    %wq = dsc.weight @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
    %bq = dsc.weight @bq : tensor<32xf32>
    %q = dsc.linear %x, %wq, %bq : tensor<?x32xf32>, !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>, tensor<32xf32> -> tensor<?x32xf32>
    return %q : tensor<?x32xf32>
  }
}
