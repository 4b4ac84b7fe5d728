// `iq4_nl`: 16 non-uniform levels and an f16 scale per 32 columns, stored as
// IQ4_NL blocks row by row (never tiled); rows that are not a multiple of 32
// columns take what int4:group=32 gives them, with a remark.
// RUN: dsc-opt %s --split-input-file --dsc-quant-apply="scheme=iq4_nl" --dsc-weights-pack 2>&1 | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-quant-apply="scheme=iq4_nl head=true head-scheme=int8:channel" 2>&1 | FileCheck %s --check-prefix=HEAD
// RUN: not dsc-opt %s --split-input-file --dsc-quant-apply="scheme=iq4_xs" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not dsc-opt %s --split-input-file --dsc-quant-apply="scheme=iq4_nl:group=64" 2>&1 | FileCheck %s --check-prefix=BAD2

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

// 172 columns: no group of a multiple of 32 divides them.
// CHECK-LABEL: remark: d: iq4_nl does not fit 64x172; int8:channel instead
// CHECK: dsc.global @a : !dsc.qtensor<192x512xf32, #dsc.quant<iq4_nl>>{{$}}
// 172 rows: blocks are read row by row, any number of them.
// CHECK: dsc.global @c : !dsc.qtensor<172x96xf32, #dsc.quant<iq4_nl>>{{$}}
// CHECK: dsc.global @d : !dsc.qtensor<64x172xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>> {layout = #dsc.tiled
// The classifier stays float unless asked.
// CHECK: dsc.global @output : tensor<16x64xf32>
// CHECK: dsc.weight @a : !dsc.qtensor<192x512xf32, #dsc.quant<iq4_nl>>

// HEAD-LABEL: dsc.global @a : !dsc.qtensor<192x512xf32, #dsc.quant<iq4_nl>>
// HEAD: dsc.global @output : !dsc.qtensor<16x64xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>

// BAD: error: bad quantization scheme 'iq4_xs': 'iq4_xs' is not a width (int2, int3, int4, int5, int6, int8) or iq4_nl
// BAD2: error: bad quantization scheme 'iq4_nl:group=64': 'iq4_nl' is not a width (int2, int3, int4, int5, int6, int8) or iq4_nl

// -----

// Mixed precision's per-weight request: exactly IQ4_NL
// (quant-apply-levels-invalid.mlir: where its blocks do not fit the row).
// RUN: dsc-opt %s --split-input-file --dsc-quant-apply 2>&1 | FileCheck %s --check-prefix=REQOK
// REQOK-LABEL: func.func @requested
// REQOK: dsc.weight @a : !dsc.qtensor<48x64xf32, #dsc.quant<iq4_nl>>
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 64, hidden_dim = 172, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 16, max_seq_len = 32>} {
  dsc.global @a : tensor<48x64xf32> {dsc.quantize = #dsc.quant<iq4_nl>}
  dsc.global @output : tensor<16x48xf32>
  func.func @requested(%x: tensor<?x64xf32>) -> tensor<?x16xf32> {
    %wa = dsc.weight @a : tensor<48x64xf32>
    %ya = dsc.linear %x, %wa : tensor<?x64xf32>, tensor<48x64xf32> -> tensor<?x48xf32>
    %wo = dsc.weight @output : tensor<16x48xf32>
    %l = dsc.linear %ya, %wo : tensor<?x48xf32>, tensor<16x48xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}
