// A forward pass that reads the position after the slice of the positions
// with logits (a RoPE on the sliced rows): the device's head runs from a
// later row than the block's first position, so it cannot;
// device-forward.test compiles it for a CUDA target.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 32, hidden_dim = 32, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32, tie_embeddings = false>} {
  dsc.global @emb : tensor<32x32xf32>
  dsc.global @out : tensor<32x32xf32>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x32xf32> {
    %emb = dsc.weight @emb : tensor<32x32xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<32x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %x, %c0 : tensor<?x32xf32>
    %from = arith.subi %dim, %n_out : index
    %last = tensor.extract_slice %x[%from, 0] [%n_out, 32] [1, 1] : tensor<?x32xf32> to tensor<?x32xf32>
    %r = dsc.rope %last at %pos {head_dim = 16 : i64, theta = 1.000000e+04 : f64} : tensor<?x32xf32>
    %out = dsc.weight @out : tensor<32x32xf32>
    %y = dsc.linear %r, %out : tensor<?x32xf32>, tensor<32x32xf32> -> tensor<?x32xf32>
    return %y : tensor<?x32xf32>
  }
}
