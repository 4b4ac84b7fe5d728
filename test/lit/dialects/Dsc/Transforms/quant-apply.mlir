// RUN: dsc-opt %s --dsc-quant-apply="scheme=int4:group=32" | FileCheck %s --check-prefix=G32
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int8:channel" | FileCheck %s --check-prefix=CHAN
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int4:group=64,asym,scale=f32 embeddings=true head=true" | FileCheck %s --check-prefix=ALL
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int4:head" | FileCheck %s --check-prefix=HEAD
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int8:tensor" --dsc-weights-pack | FileCheck %s --check-prefix=PACK
// RUN: not dsc-opt %s --dsc-quant-apply="scheme=int7:group=32" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not dsc-opt %s --dsc-quant-apply="scheme=int3:group=48" 2>&1 | FileCheck %s --check-prefix=BAD3
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int3:group=32" | FileCheck %s --check-prefix=W3
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int5:channel,asym" | FileCheck %s --check-prefix=W5
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int2:group=64" --dsc-weights-pack | FileCheck %s --check-prefix=W2PACK
// RUN: not dsc-opt %s --dsc-quant-apply="scheme=int4:block=32" 2>&1 | FileCheck %s --check-prefix=BADGRAN

module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 64, hidden_dim = 172, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 16, max_seq_len = 32>} {
  dsc.global @token_embd : tensor<16x64xf32>
  dsc.global @blk.0.attn_q : tensor<64x64xf16>
  dsc.global @blk.0.ffn_down : tensor<64x172xf32>
  dsc.global @blk.0.ffn_up : tensor<172x64xf32>
  dsc.global @odd : tensor<6x64xf32>
  dsc.global @kept : tensor<64x64xf32> {dsc.quantize = false}
  dsc.global @mixed : tensor<64x64xf32> {dsc.quantize = #dsc.quant<i8, group = 16, symmetric, scale = f16>}
  dsc.global @norm : tensor<64xf32>
  dsc.global @output : tensor<16x64xf32>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x2x16xf32>) -> tensor<?x16xf32> {
    %e = dsc.weight @token_embd : tensor<16x64xf32>
    %x = dsc.embedding %e[%tokens] : tensor<16x64xf32>, tensor<?xi32> -> tensor<?x64xf32>
    %wq = dsc.weight @blk.0.attn_q : tensor<64x64xf16>
    %q = dsc.linear %x, %wq : tensor<?x64xf32>, tensor<64x64xf16> -> tensor<?x64xf32>
    %wu = dsc.weight @blk.0.ffn_up : tensor<172x64xf32>
    %u = dsc.linear %q, %wu : tensor<?x64xf32>, tensor<172x64xf32> -> tensor<?x172xf32>
    %wd = dsc.weight @blk.0.ffn_down : tensor<64x172xf32>
    %d = dsc.linear %u, %wd : tensor<?x172xf32>, tensor<64x172xf32> -> tensor<?x64xf32>
    %wo = dsc.weight @odd : tensor<6x64xf32>
    %o = dsc.linear %d, %wo : tensor<?x64xf32>, tensor<6x64xf32> -> tensor<?x6xf32>
    %wk = dsc.weight @kept : tensor<64x64xf32>
    %k = dsc.linear %d, %wk : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
    %wm = dsc.weight @mixed : tensor<64x64xf32>
    %m = dsc.linear %k, %wm : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
    %wh = dsc.weight @output : tensor<16x64xf32>
    %l = dsc.linear %m, %wh : tensor<?x64xf32>, tensor<16x64xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// Linear weights only; the embedding and classifier stay float by default.
// G32: dsc.global @token_embd : tensor<16x64xf32>
// G32: dsc.global @blk.0.attn_q : !dsc.qtensor<64x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
// 172 columns: no group of 32 divides them, nor any divisor in [16, 32]:
// one scale per row; 4 bits need multiples of 32 columns: 8 bits.
// G32: dsc.global @blk.0.ffn_down : !dsc.qtensor<64x172xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
// G32: dsc.global @blk.0.ffn_up : !dsc.qtensor<172x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
// Row counts that are not a multiple of 4 stay float.
// G32: dsc.global @odd : tensor<6x64xf32>
// A per-weight request wins (mixed precision).
// G32: dsc.global @kept : tensor<64x64xf32>{{$}}
// G32: dsc.global @mixed : !dsc.qtensor<64x64xf32, #dsc.quant<i8, group = 16, symmetric, scale = f16>>
// G32: dsc.global @norm : tensor<64xf32>
// G32: dsc.global @output : tensor<16x64xf32>
// The uses follow the globals' types.
// G32: dsc.linear %{{.*}}, %{{.*}} : tensor<?x64xf32>, !dsc.qtensor<64x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x64xf32>

// CHAN: dsc.global @blk.0.attn_q : !dsc.qtensor<64x64xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
// CHAN: dsc.global @blk.0.ffn_down : !dsc.qtensor<64x172xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>

// ALL: dsc.global @token_embd : !dsc.qtensor<16x64xf32, #dsc.quant<i4, group = 64, asymmetric>>
// The largest divisor of 172 up to 64 and at least 16 is 43: 8 bits.
// ALL: dsc.global @blk.0.ffn_down : !dsc.qtensor<64x172xf32, #dsc.quant<i8, group = 43, asymmetric>>
// ALL: dsc.global @output : !dsc.qtensor<16x64xf32, #dsc.quant<i4, group = 64, asymmetric>>
// ALL: dsc.embedding %{{.*}}[%{{.*}}] : !dsc.qtensor<16x64xf32, #dsc.quant<i4, group = 64, asymmetric>>

// Per-head scales for q/k/v (head_dim rows); others per row.
// Heads are found from the IR, not from names: this attn_q feeds no
// attention, so it gets one scale per row (quant-apply-heads.mlir has the
// q/k/v case).
// HEAD: dsc.global @blk.0.attn_q : !dsc.qtensor<64x64xf32, #dsc.quant<i4, channel = 0, symmetric, scale = f16>>
// HEAD: dsc.global @blk.0.ffn_up : !dsc.qtensor<172x64xf32, #dsc.quant<i4, channel = 0, symmetric, scale = f16>>

// Quantized weights are tiled by 4 rows and their groups (whole rows here).
// PACK: dsc.global @blk.0.attn_q : !dsc.qtensor<64x64xf32, #dsc.quant<i8, tensor, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 64>}

// BAD: error: bad quantization scheme 'int7:group=32': 'int7' is not a width (int2, int3, int4, int5, int6, int8)
// BAD3: error: bad quantization scheme 'int3:group=48': int3 groups must be a multiple of 32 columns (the int3 kernels' block); use group=32, 64, ... or int8:group=48

// The 2- to 6-bit widths follow int4's policy: groups of multiples of 32
// columns, 8 bits where none fits (ffn_down's rows of 172).
// W3: dsc.global @blk.0.attn_q : !dsc.qtensor<64x64xf32, #dsc.quant<i3, group = 32, symmetric, scale = f16>>
// W3: dsc.global @blk.0.ffn_down : !dsc.qtensor<64x172xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
// W5: dsc.global @blk.0.attn_q : !dsc.qtensor<64x64xf32, #dsc.quant<i5, channel = 0, asymmetric, scale = f16>>
// W5: dsc.global @blk.0.ffn_down : !dsc.qtensor<64x172xf32, #dsc.quant<i8, channel = 0, asymmetric, scale = f16>>
// W2PACK: dsc.global @blk.0.attn_q : !dsc.qtensor<64x64xf32, #dsc.quant<i2, group = 64, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 64>}
// BADGRAN: error: bad quantization scheme 'int4:block=32': 'block=32' is not a granularity (tensor, channel, group=N, head)
