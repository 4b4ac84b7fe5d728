// RUN: dsc-opt %s --split-input-file | FileCheck %s
// RUN: dsc-opt %s --split-input-file | dsc-opt --split-input-file | FileCheck %s
// RUN: dsc-opt %s --split-input-file --mlir-print-op-generic | dsc-opt --split-input-file | FileCheck %s

// CHECK-LABEL: module attributes
// CHECK-SAME: dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 64, hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 8, max_seq_len = 512, tie_embeddings = true>
// CHECK-SAME: dsc.tokenizer = {kind = "llama2c", path = "tok512.bin"}
module attributes {
  dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 64,
    hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 8,
    max_seq_len = 512, rope_theta = 10000.0, norm_eps = 1.0e-05,
    tie_embeddings = true>,
  dsc.tokenizer = {path = "tok512.bin", kind = "llama2c"}} {
}

// -----

// Non-default config fields, nested rope scaling.
// CHECK-LABEL: module attributes
// CHECK-SAME: #dsc.config<arch = "qwen2", {{.*}} rope_theta = 500000.0, norm_eps = 1.0e-06, attention_bias = true, sliding_window = 4096, rope_scaling = #dsc.rope_scaling<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>>
module attributes {
  dsc.config = #dsc.config<arch = "qwen2", vocab_size = 151936, dim = 1536,
    hidden_dim = 8960, n_layers = 28, n_heads = 12, n_kv_heads = 2,
    head_dim = 128, max_seq_len = 4096, rope_theta = 500000.0,
    norm_eps = 1.0e-06, attention_bias = true, sliding_window = 4096,
    rope_scaling = #dsc.rope_scaling<factor = 8.0, low_freq_factor = 1.0,
      high_freq_factor = 4.0, original_max_position_embeddings = 8192>>} {
}

// -----

// CHECK-LABEL: dsc.global @norm : tensor<64xf32> {offset = 128 : i64}
dsc.global @norm : tensor<64xf32> {offset = 128 : i64}
// CHECK: dsc.global @tiled : tensor<8x32xf16> {layout = #dsc.tiled<rows = 4, cols = 16>, offset = 4096 : i64}
dsc.global @tiled : tensor<8x32xf16> {layout = #dsc.tiled<rows = 4, cols = 16>, offset = 4096 : i64}
// Calibration's importance of each input column.
// CHECK: dsc.global @important : !dsc.qtensor<4x2xf32, #dsc.quant<i8, channel = 0, symmetric>> {dsc.importance = dense<[1.000000e+00, 2.500000e-01]> : tensor<2xf32>}
dsc.global @important : !dsc.qtensor<4x2xf32, #dsc.quant<i8, channel = 0>> {dsc.importance = dense<[1.0, 0.25]> : tensor<2xf32>}

// -----

// Every granularity and option of #dsc.quant.
// CHECK-LABEL: dsc.global @t : !dsc.qtensor<64x172xf32, #dsc.quant<i8, tensor, symmetric>>
dsc.global @t : !dsc.qtensor<64x172xf32, #dsc.quant<i8, tensor>>
// CHECK: dsc.global @c : !dsc.qtensor<64x172xf32, #dsc.quant<i8, channel = 0, symmetric>>
dsc.global @c : !dsc.qtensor<64x172xf32, #dsc.quant<i8, channel = 0, symmetric>>
// CHECK: dsc.global @g : !dsc.qtensor<64x172xf32, #dsc.quant<i8, group = 43, asymmetric, scale = f16>>
dsc.global @g : !dsc.qtensor<64x172xf32, #dsc.quant<i8, group = 43, asymmetric, scale = f16>>
// The 2-, 3-, 5- and 6-bit widths, tiled and not.
// CHECK: dsc.global @w2 : !dsc.qtensor<8x64xf32, #dsc.quant<i2, group = 32, asymmetric, scale = f16>>
dsc.global @w2 : !dsc.qtensor<8x64xf32, #dsc.quant<i2, group = 32, asymmetric, scale = f16>>
// CHECK: dsc.global @w3 : !dsc.qtensor<8x96xf32, #dsc.quant<i3, channel = 0, symmetric>> {layout = #dsc.tiled<rows = 4, cols = 96>}
dsc.global @w3 : !dsc.qtensor<8x96xf32, #dsc.quant<i3, channel = 0>> {layout = #dsc.tiled<rows = 4, cols = 96>}
// CHECK: dsc.global @w5 : !dsc.qtensor<64x192xf32, #dsc.quant<i5, head = 8, symmetric, scale = f16>>
dsc.global @w5 : !dsc.qtensor<64x192xf32, #dsc.quant<i5, head = 8, scale = f16>>
// CHECK: dsc.global @w6 : !dsc.qtensor<8x128xf32, #dsc.quant<i6, group = 64, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 64>}
dsc.global @w6 : !dsc.qtensor<8x128xf32, #dsc.quant<i6, group = 64, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 64>}
// CHECK: dsc.global @g4 : !dsc.qtensor<64x192xf32, #dsc.quant<i4, group = 64, asymmetric, scale = f16>>
dsc.global @g4 : !dsc.qtensor<64x192xf32, #dsc.quant<i4, group = 64, asymmetric, scale = f16>>
// ggml block formats, stored as a GGUF file's blocks: any row count.
// CHECK: dsc.global @k : !dsc.qtensor<3x512xf32, #dsc.quant<q4_k>>
dsc.global @k : !dsc.qtensor<3x512xf32, #dsc.quant<q4_k>>
// CHECK: dsc.global @nl : !dsc.qtensor<5x64xf32, #dsc.quant<iq4_nl>>
dsc.global @nl : !dsc.qtensor<5x64xf32, #dsc.quant<iq4_nl>>
// CHECK: dsc.global @h : !dsc.qtensor<64x192xf32, #dsc.quant<i4, head = 8, symmetric>>
dsc.global @h : !dsc.qtensor<64x192xf32, #dsc.quant<i4, head = 8>>

// -----

// CHECK-LABEL: func.func @layer
// CHECK-SAME: %[[IDS:.*]]: tensor<?xi32>, %[[POS:.*]]: index, %[[CACHE:.*]]: !dsc.kv_cache<2x4x8xf32>
dsc.global @emb : !dsc.qtensor<512x64xf32, #dsc.quant<i8, channel = 0, symmetric>>
dsc.global @norm : tensor<64xf32>
dsc.global @wq : tensor<64x64xf16>
dsc.global @bq : tensor<64xf32>
dsc.global @wk : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric>>
dsc.global @wv : tensor<32x64xbf16>
func.func @layer(%ids: tensor<?xi32>, %pos: index, %cache: !dsc.kv_cache<2x4x8xf32>) -> tensor<?x64xf32> {
  // CHECK: %[[EMB:.*]] = dsc.weight @emb : !dsc.qtensor<512x64xf32, #dsc.quant<i8, channel = 0, symmetric>>
  %emb = dsc.weight @emb : !dsc.qtensor<512x64xf32, #dsc.quant<i8, channel = 0, symmetric>>
  %norm = dsc.weight @norm : tensor<64xf32>
  %wq = dsc.weight @wq : tensor<64x64xf16>
  %bq = dsc.weight @bq : tensor<64xf32>
  %wk = dsc.weight @wk : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric>>
  %wv = dsc.weight @wv : tensor<32x64xbf16>
  // CHECK: %[[X:.*]] = dsc.embedding %[[EMB]][%[[IDS]]] : !dsc.qtensor<512x64xf32, #dsc.quant<i8, channel = 0, symmetric>>, tensor<?xi32> -> tensor<?x64xf32>
  %x = dsc.embedding %emb[%ids] : !dsc.qtensor<512x64xf32, #dsc.quant<i8, channel = 0, symmetric>>, tensor<?xi32> -> tensor<?x64xf32>
  // CHECK: %[[H:.*]] = dsc.rms_norm %[[X]], %{{.*}} {eps = 1.000000e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
  %h = dsc.rms_norm %x, %norm {eps = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<64xf32>
  // CHECK: %[[Q:.*]] = dsc.linear %[[H]], %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<64x64xf16>, tensor<64xf32> -> tensor<?x64xf32>
  %q = dsc.linear %h, %wq, %bq : tensor<?x64xf32>, tensor<64x64xf16>, tensor<64xf32> -> tensor<?x64xf32>
  // CHECK: %[[K:.*]] = dsc.linear %[[H]], %{{.*}} : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric>> -> tensor<?x32xf32>
  %k = dsc.linear %h, %wk : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric>> -> tensor<?x32xf32>
  %v = dsc.linear %h, %wv : tensor<?x64xf32>, tensor<32x64xbf16> -> tensor<?x32xf32>
  // CHECK: %[[QR:.*]] = dsc.rope %[[Q]] at %[[POS]] {head_dim = 8 : i64, theta = 1.000000e+04 : f64} : tensor<?x64xf32>
  %qr = dsc.rope %q at %pos {head_dim = 8 : i64, theta = 1.0e+04 : f64} : tensor<?x64xf32>
  // CHECK: dsc.rope %[[K]] at %[[POS]] {head_dim = 8 : i64, scaling = #dsc.rope_scaling<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>, theta = 5.000000e+05 : f64} : tensor<?x32xf32>
  %kr = dsc.rope %k at %pos {head_dim = 8 : i64, theta = 5.0e+05 : f64, scaling = #dsc.rope_scaling<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>} : tensor<?x32xf32>
  // CHECK: %[[A:.*]] = dsc.attention %[[QR]], %{{.*}}, %{{.*}}, %[[CACHE]] at %[[POS]] {layer = 1 : i64, n_heads = 8 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x64xf32>
  %a = dsc.attention %qr, %kr, %v, %cache at %pos {layer = 1 : i64, n_heads = 8 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x64xf32>
  // CHECK: dsc.attention {{.*}} {layer = 0 : i64, n_heads = 8 : i64, scale = 2.500000e-01 : f64, window = 16 : i64}
  %a2 = dsc.attention %qr, %kr, %v, %cache at %pos {layer = 0 : i64, n_heads = 8 : i64, scale = 0.25 : f64, window = 16 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x64xf32>
  // CHECK: %[[S:.*]] = dsc.silu %[[A]] : tensor<?x64xf32>
  %s = dsc.silu %a : tensor<?x64xf32>
  // CHECK: %[[G:.*]] = dsc.gelu %[[S]] : tensor<?x64xf32>
  %g = dsc.gelu %s : tensor<?x64xf32>
  // CHECK: %[[M:.*]] = dsc.mul %[[G]], %[[H]] : tensor<?x64xf32>
  %m = dsc.mul %g, %h : tensor<?x64xf32>
  // CHECK: %[[W:.*]] = dsc.swiglu %[[M]], %[[X]] : tensor<?x64xf32>
  %w = dsc.swiglu %m, %x : tensor<?x64xf32>
  // CHECK: %[[R:.*]] = dsc.add %[[W]], %{{.*}} : tensor<?x64xf32>
  %r = dsc.add %w, %a2 : tensor<?x64xf32>
  // CHECK: %[[P:.*]] = dsc.softmax %[[R]] : tensor<?x64xf32>
  %p = dsc.softmax %r : tensor<?x64xf32>
  // CHECK: return %[[P]]
  return %p : tensor<?x64xf32>
}

// -----

// Static shapes and an f16 cache.
// CHECK-LABEL: func.func @observe
// CHECK-SAME: %[[X:.*]]: tensor<?x64xf32>
func.func @observe(%x: tensor<?x64xf32>) {
  // CHECK: dsc.observe %[[X]] as 3 : tensor<?x64xf32>
  dsc.observe %x as 3 : tensor<?x64xf32>
  return
}

// -----

// CHECK-LABEL: func.func @static_shapes
func.func @static_shapes(%x: tensor<4x64xf32>, %w: tensor<172x64xf32>, %n: tensor<64xbf16>, %c: !dsc.kv_cache<1x1x64xf32>, %pos: index) -> tensor<4x172xf32> {
  // CHECK: dsc.rms_norm %{{.*}}, %{{.*}} {eps = 9.9999999999999995E-7 : f64} : tensor<4x64xf32>, tensor<64xbf16>
  %h = dsc.rms_norm %x, %n {eps = 1.0e-06 : f64} : tensor<4x64xf32>, tensor<64xbf16>
  // CHECK: dsc.attention {{.*}} : tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, !dsc.kv_cache<1x1x64xf32> -> tensor<4x64xf32>
  %a = dsc.attention %h, %h, %h, %c at %pos {layer = 0 : i64, n_heads = 1 : i64} : tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, !dsc.kv_cache<1x1x64xf32> -> tensor<4x64xf32>
  // CHECK: dsc.linear %{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<172x64xf32> -> tensor<4x172xf32>
  %y = dsc.linear %a, %w : tensor<4x64xf32>, tensor<172x64xf32> -> tensor<4x172xf32>
  return %y : tensor<4x172xf32>
}

// -----

// Micro-kernel calls, on tensors (destination-passing style) and on buffers.
// CHECK-LABEL: func.func @ukernels
// CHECK: %[[Y:.*]] = dsc.ukernel linear_f32 ins(%{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<4x8xf32>) outs(%{{.*}} : tensor<?x4xf32>) args(%{{.*}}, %{{.*}}, %{{.*}} : i64, i64, i64) -> tensor<?x4xf32>
// CHECK: dsc.ukernel attention ins(%{{.*}} : tensor<?x8xf32>) outs(%{{.*}}, %{{.*}} : tensor<?x8xf32>, memref<?xf32>) args({{.*}} : i64, i64, i64, i64, i64, i64, i64, i64, f32, i64) -> tensor<?x8xf32>
// CHECK: dsc.ukernel rt_observe ins(%[[Y]] : tensor<?x4xf32>) args(%{{.*}}, %{{.*}}, %{{.*}} : i64, i64, i64)
// CHECK: dsc.ukernel linear_f32 ins(%{{.*}}, %{{.*}} : memref<?x8xf32>, memref<4x8xf32>) outs(%{{.*}} : memref<?x4xf32>) args(%{{.*}}, %{{.*}}, %{{.*}} : i64, i64, i64){{$}}
func.func @ukernels(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %init: tensor<?x4xf32>,
                    %k: tensor<?x4xf32>, %o: tensor<?x8xf32>, %cache: memref<?xf32>,
                    %mx: memref<?x8xf32>, %mw: memref<4x8xf32>, %my: memref<?x4xf32>,
                    %i: i64, %s: f32) {
  %y = dsc.ukernel linear_f32 ins(%x, %w : tensor<?x8xf32>, tensor<4x8xf32>) outs(%init : tensor<?x4xf32>) args(%i, %i, %i : i64, i64, i64) -> tensor<?x4xf32>
  %a = dsc.ukernel attention ins(%x : tensor<?x8xf32>) outs(%o, %cache : tensor<?x8xf32>, memref<?xf32>) args(%i, %i, %i, %i, %i, %i, %i, %i, %s, %i : i64, i64, i64, i64, i64, i64, i64, i64, f32, i64) -> tensor<?x8xf32>
  dsc.ukernel rt_observe ins(%y : tensor<?x4xf32>) args(%i, %i, %i : i64, i64, i64)
  dsc.ukernel linear_f32 ins(%mx, %mw : memref<?x8xf32>, memref<4x8xf32>) outs(%my : memref<?x4xf32>) args(%i, %i, %i : i64, i64, i64)
  return
}
