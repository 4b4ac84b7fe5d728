// A forward pass whose RMSNorm result is read by the gate and up
// projections (SwiGLU fused into one step) and once more by an add: the
// norm cannot be left to the GEMV kernel after it, which computes it only
// for its own products; device-forward.test compiles it for a CUDA target
// and finds the norm launched in decode.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 32, hidden_dim = 32, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32, tie_embeddings = false>} {
  dsc.global @emb : tensor<32x32xf32>
  dsc.global @norm : tensor<32xf32>
  dsc.global @gate : tensor<32x32xf16>
  dsc.global @up : tensor<32x32xf16>
  dsc.global @out : tensor<32x32xf16>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x32xf32> {
    %emb = dsc.weight @emb : tensor<32x32xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<32x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
    %nw = dsc.weight @norm : tensor<32xf32>
    %n = dsc.rms_norm %x, %nw {eps = 1.000000e-05 : f64} : tensor<?x32xf32>, tensor<32xf32>
    %gw = dsc.weight @gate : tensor<32x32xf16>
    %g = dsc.linear %n, %gw : tensor<?x32xf32>, tensor<32x32xf16> -> tensor<?x32xf32>
    %uw = dsc.weight @up : tensor<32x32xf16>
    %u = dsc.linear %n, %uw : tensor<?x32xf32>, tensor<32x32xf16> -> tensor<?x32xf32>
    %s = dsc.swiglu %g, %u : tensor<?x32xf32>
    %h = dsc.add %s, %n : tensor<?x32xf32>
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %h, %c0 : tensor<?x32xf32>
    %from = arith.subi %dim, %n_out : index
    %last = tensor.extract_slice %h[%from, 0] [%n_out, 32] [1, 1] : tensor<?x32xf32> to tensor<?x32xf32>
    %ow = dsc.weight @out : tensor<32x32xf16>
    %y = dsc.linear %last, %ow : tensor<?x32xf32>, tensor<32x32xf16> -> tensor<?x32xf32>
    return %y : tensor<?x32xf32>
  }
}
