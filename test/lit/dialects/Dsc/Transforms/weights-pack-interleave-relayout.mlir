// RUN: dsc-opt %s "--dsc-weights-pack=target=x86_64-avx512 interleave=true" | FileCheck %s --check-prefix=BLOCKS
// RUN: dsc-opt %s "--dsc-weights-pack=target=x86_64-avx2 interleave=true" | FileCheck %s --check-prefix=BLOCKS
// RUN: dsc-opt %s --dsc-weights-pack=target=x86_64-avx512 | FileCheck %s --check-prefix=KEEP
// RUN: dsc-opt %s --dsc-weights-pack=target=x86_64-avx2 | FileCheck %s --check-prefix=KEEP
// RUN: dsc-opt %s "--dsc-weights-pack=target=rpi5 interleave=true" | FileCheck %s --check-prefix=KEEP

// IR laid out in 4-row tiles (x86_64-avx512's default, dsc compile
// --emit=mlir) packed again with interleave=true on a target that reads
// row-interleaved blocks (dsc compile --int4-layout blocks): its
// int4:group=32 weights that only linear layers read go to blocks (the
// payload is written from the sources); other weights keep their tiles, and
// without interleave=true, or where the target has no kernel for blocks,
// every layout stays.
// BLOCKS-LABEL: module
// BLOCKS: dsc.global @wq : {{.*}} {layout = #dsc.tiled<rows = 16, cols = 32>}
// BLOCKS: dsc.global @i8 : {{.*}} {layout = #dsc.tiled<rows = 4, cols = 32>}
// BLOCKS: dsc.global @emb : {{.*}} {layout = #dsc.tiled<rows = 4, cols = 32>}
// KEEP-LABEL: module
// KEEP: dsc.global @wq : {{.*}} {layout = #dsc.tiled<rows = 4, cols = 32>}
// KEEP: dsc.global @i8 : {{.*}} {layout = #dsc.tiled<rows = 4, cols = 32>}
// KEEP: dsc.global @emb : {{.*}} {layout = #dsc.tiled<rows = 4, cols = 32>}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 64, hidden_dim = 8, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 32, max_seq_len = 32, tie_embeddings = true>} {
  dsc.global @wq : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
  dsc.global @i8 : !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
  dsc.global @emb : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x32xf32>) -> tensor<?x32xf32> {
    %emb = dsc.weight @emb : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    %x = dsc.embedding %emb[%tokens] : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>, tensor<?xi32> -> tensor<?x64xf32>
    %wq = dsc.weight @wq : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    %q = dsc.linear %x, %wq : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x32xf32>
    %i8 = dsc.weight @i8 : !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>>
    %e = dsc.linear %x, %i8 : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> -> tensor<?x32xf32>
    dsc.observe %q as 0 : tensor<?x32xf32>
    dsc.observe %e as 1 : tensor<?x32xf32>
    %l = dsc.linear %x, %emb : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x32xf32>
    return %l : tensor<?x32xf32>
  }
}
