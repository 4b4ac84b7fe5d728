// RUN: dsc-opt %s --split-input-file --dsc-quant-apply="scheme=int4:head" | FileCheck %s

// Projections whose outputs are attention's query (through RoPE), key and
// value get one scale per head, of the cache's head width, whatever their
// names; a weight that also feeds something else does not.
// CHECK-LABEL: module attributes
// CHECK: dsc.global @a : !dsc.qtensor<64x64xf32, #dsc.quant<i4, head = 16, symmetric, scale = f16>>
// CHECK: dsc.global @b : !dsc.qtensor<32x64xf32, #dsc.quant<i4, head = 16, symmetric, scale = f16>>
// CHECK: dsc.global @c : !dsc.qtensor<32x64xf32, #dsc.quant<i4, head = 16, symmetric, scale = f16>>
// CHECK: dsc.global @shared : !dsc.qtensor<64x64xf32, #dsc.quant<i4, channel = 0, symmetric, scale = f16>>
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 64, hidden_dim = 128, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 16, max_seq_len = 32>} {
  dsc.global @a : tensor<64x64xf32>
  dsc.global @b : tensor<32x64xf32>
  dsc.global @c : tensor<32x64xf32>
  dsc.global @shared : tensor<64x64xf32>
  func.func @forward(%x: tensor<?x64xf32>, %pos: index, %cache: !dsc.kv_cache<1x2x16xf32>) -> tensor<?x64xf32> {
    %wa = dsc.weight @a : tensor<64x64xf32>
    %q = dsc.linear %x, %wa : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
    %wb = dsc.weight @b : tensor<32x64xf32>
    %k = dsc.linear %x, %wb : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
    %wc = dsc.weight @c : tensor<32x64xf32>
    %v = dsc.linear %x, %wc : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
    %qr = dsc.rope %q at %pos {head_dim = 16 : i64, theta = 1.0e+04 : f64} : tensor<?x64xf32>
    %kr = dsc.rope %k at %pos {head_dim = 16 : i64, theta = 1.0e+04 : f64} : tensor<?x32xf32>
    %o = dsc.attention %qr, %kr, %v, %cache at %pos {layer = 0 : i64, n_heads = 4 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<1x2x16xf32> -> tensor<?x64xf32>
    // @shared is read twice: once as a query, once by a residual path.
    %ws = dsc.weight @shared : tensor<64x64xf32>
    %s = dsc.linear %o, %ws : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
    %o2 = dsc.attention %s, %kr, %v, %cache at %pos {layer = 0 : i64, n_heads = 4 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<1x2x16xf32> -> tensor<?x64xf32>
    %r = dsc.add %s, %o2 : tensor<?x64xf32>
    return %r : tensor<?x64xf32>
  }
}
