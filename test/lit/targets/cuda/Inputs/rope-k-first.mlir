// A forward pass that rotates the keys before the queries: RoPE on k and
// q in one launch, k the first buffer, which dsc_cuda_rope_kv does not
// take (its second buffer is the keys it stores into the cache), so the
// attention's own store kernel runs; device-forward.test compiles it for
// a CUDA target and finds dsc_cuda_kv_store.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 32, hidden_dim = 32, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32, tie_embeddings = false>} {
  dsc.global @emb : tensor<32x32xf32>
  dsc.global @wq : tensor<32x32xf16>
  dsc.global @wk : tensor<16x32xf16>
  dsc.global @wv : tensor<16x32xf16>
  dsc.global @out : tensor<32x32xf16>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x32xf32> {
    %emb = dsc.weight @emb : tensor<32x32xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<32x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
    %wq = dsc.weight @wq : tensor<32x32xf16>
    %q = dsc.linear %x, %wq : tensor<?x32xf32>, tensor<32x32xf16> -> tensor<?x32xf32>
    %wk = dsc.weight @wk : tensor<16x32xf16>
    %k = dsc.linear %x, %wk : tensor<?x32xf32>, tensor<16x32xf16> -> tensor<?x16xf32>
    %wv = dsc.weight @wv : tensor<16x32xf16>
    %v = dsc.linear %x, %wv : tensor<?x32xf32>, tensor<16x32xf16> -> tensor<?x16xf32>
    %kr = dsc.rope %k at %pos {head_dim = 16 : i64, theta = 1.0e+04 : f64} : tensor<?x16xf32>
    %qr = dsc.rope %q at %pos {head_dim = 16 : i64, theta = 1.0e+04 : f64} : tensor<?x32xf32>
    %a = dsc.attention %qr, %kr, %v, %cache at %pos {layer = 0 : i64, n_heads = 2 : i64} : tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>, !dsc.kv_cache<1x1x16xf32> -> tensor<?x32xf32>
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %a, %c0 : tensor<?x32xf32>
    %from = arith.subi %dim, %n_out : index
    %last = tensor.extract_slice %a[%from, 0] [%n_out, 32] [1, 1] : tensor<?x32xf32> to tensor<?x32xf32>
    %ow = dsc.weight @out : tensor<32x32xf16>
    %y = dsc.linear %last, %ow : tensor<?x32xf32>, tensor<32x32xf16> -> tensor<?x32xf32>
    return %y : tensor<?x32xf32>
  }
}
