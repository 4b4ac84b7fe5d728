// Two-level scales (`scale=i8`): groups of 32 whose scales are 8-bit codes
// of one f16 scale per row and super-block, the largest of 256, 192, 128
// and 64 columns dividing the row; tiles of 4 rows by one super-block.
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int4:group=32,scale=i8" | FileCheck %s --check-prefix=SUPER
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int4:group=32,asym,scale=i8" --dsc-weights-pack | FileCheck %s --check-prefix=PACK
// RUN: dsc-opt %s --dsc-quant-apply="scheme=int3:group=32,scale=i8" --dsc-weights-pack | FileCheck %s --check-prefix=W3
// RUN: not dsc-opt %s --dsc-quant-apply="scheme=int4:group=64,scale=i8" 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not dsc-opt %s --dsc-quant-apply="scheme=int4:channel,scale=i8" 2>&1 | FileCheck %s --check-prefix=CHAN
// RUN: not dsc-opt %s --dsc-quant-apply="scheme=int8:group=32,scale=i8" 2>&1 | FileCheck %s --check-prefix=INT8
// RUN: not dsc-opt %s --dsc-quant-apply="scheme=int5:group=32,asym,scale=i8" 2>&1 | FileCheck %s --check-prefix=ASYM5
// RUN: not dsc-opt %s --dsc-quant-apply="scheme=int4:group=32,scale=i4" 2>&1 | FileCheck %s --check-prefix=I4

module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 64, hidden_dim = 172, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 16, max_seq_len = 32>} {
  dsc.global @a : tensor<192x512xf32>
  dsc.global @b : tensor<96x192xf32>
  dsc.global @c : tensor<172x96xf32>
  dsc.global @d : tensor<64x172xf32>
  dsc.global @output : tensor<16x64xf32>
  func.func @forward(%x: tensor<?x512xf32>) -> tensor<?x16xf32> {
    %wa = dsc.weight @a : tensor<192x512xf32>
    %ya = dsc.linear %x, %wa : tensor<?x512xf32>, tensor<192x512xf32> -> tensor<?x192xf32>
    %wb = dsc.weight @b : tensor<96x192xf32>
    %yb = dsc.linear %ya, %wb : tensor<?x192xf32>, tensor<96x192xf32> -> tensor<?x96xf32>
    %wc = dsc.weight @c : tensor<172x96xf32>
    %yc = dsc.linear %yb, %wc : tensor<?x96xf32>, tensor<172x96xf32> -> tensor<?x172xf32>
    %wd = dsc.weight @d : tensor<64x172xf32>
    %yd = dsc.linear %yc, %wd : tensor<?x172xf32>, tensor<64x172xf32> -> tensor<?x64xf32>
    %wo = dsc.weight @output : tensor<16x64xf32>
    %l = dsc.linear %yd, %wo : tensor<?x64xf32>, tensor<16x64xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// SUPER: dsc.global @a : !dsc.qtensor<192x512xf32, #dsc.quant<i4, group = 32, symmetric, scale = i8>>
// SUPER: dsc.global @b : !dsc.qtensor<96x192xf32, #dsc.quant<i4, group = 32, symmetric, scale = i8>>
// 96 columns: no multiple of 64 divides them; groups keep f16 scales.
// SUPER: dsc.global @c : !dsc.qtensor<172x96xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
// SUPER: dsc.global @d : !dsc.qtensor<64x172xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>

// Tiles of 4 rows by the super-block: 256 columns, and 192 for rows of 192.
// PACK: dsc.global @a : !dsc.qtensor<192x512xf32, #dsc.quant<i4, group = 32, asymmetric, scale = i8>> {layout = #dsc.tiled<rows = 4, cols = 256>}
// PACK: dsc.global @b : !dsc.qtensor<96x192xf32, #dsc.quant<i4, group = 32, asymmetric, scale = i8>> {layout = #dsc.tiled<rows = 4, cols = 192>}
// PACK: dsc.global @c : !dsc.qtensor<172x96xf32, #dsc.quant<i4, group = 32, asymmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}

// W3: dsc.global @a : !dsc.qtensor<192x512xf32, #dsc.quant<i3, group = 32, symmetric, scale = i8>> {layout = #dsc.tiled<rows = 4, cols = 256>}

// GROUP: error: bad quantization scheme 'int4:group=64,scale=i8': 'scale=i8' needs group=32 (the group scales it codes), not 'group=64'
// CHAN: error: bad quantization scheme 'int4:channel,scale=i8': 'scale=i8' needs group=32 (the group scales it codes), not 'channel'
// INT8: error: bad quantization scheme 'int8:group=32,scale=i8': 'scale=i8' needs int2 to int6, not int8
// ASYM5: error: bad quantization scheme 'int5:group=32,asym,scale=i8': 'scale=i8' with 'asym' needs int2 to int4 (zero points are stored in 4 bits), not int5
// I4: error: bad quantization scheme 'int4:group=32,scale=i4': unknown option 'scale=i4' (asym, sym, scale=f16, scale=f32, scale=i8)
