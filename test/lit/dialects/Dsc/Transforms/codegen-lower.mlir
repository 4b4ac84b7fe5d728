// RUN: dsc-opt %s --split-input-file --dsc-codegen-lower --verify-diagnostics | FileCheck %s

// One decoder layer: the signature the runtime calls, on buffers, with the
// body on tensors; weights are read-only views of the blob, linear layers,
// attention and the RoPE tables dsc.ukernel calls, the rest linalg.generic.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32, tie_embeddings = true>, dsc.weights_size = 1024 : i64, dsc.model_id = 77 : i64} {
  dsc.global @emb : tensor<16x8xf16> {offset = 0 : i64}
  dsc.global @norm : tensor<8xf32> {offset = 256 : i64}
  dsc.global @wq : tensor<8x8xf32> {offset = 320 : i64}
  dsc.global @wk : tensor<4x8xbf16> {offset = 576 : i64}
  dsc.global @bk : tensor<4xf32> {offset = 640 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : tensor<16x8xf16>
    %norm = dsc.weight @norm : tensor<8xf32>
    %wq = dsc.weight @wq : tensor<8x8xf32>
    %wk = dsc.weight @wk : tensor<4x8xbf16>
    %bk = dsc.weight @bk : tensor<4xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x8xf16>, tensor<?xi32> -> tensor<?x8xf32>
    %h = dsc.rms_norm %x, %norm {eps = 1.0e-05 : f64} : tensor<?x8xf32>, tensor<8xf32>
    %q = dsc.linear %h, %wq : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
    %k = dsc.linear %h, %wk, %bk : tensor<?x8xf32>, tensor<4x8xbf16>, tensor<4xf32> -> tensor<?x4xf32>
    %qr = dsc.rope %q at %pos {head_dim = 4 : i64, theta = 1.0e+04 : f64} : tensor<?x8xf32>
    %kr = dsc.rope %k at %pos {head_dim = 4 : i64, theta = 1.0e+04 : f64} : tensor<?x4xf32>
    %a = dsc.attention %qr, %kr, %k, %cache at %pos {layer = 0 : i64, n_heads = 2 : i64} : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !dsc.kv_cache<1x1x4xf32> -> tensor<?x8xf32>
    %s = dsc.swiglu %a, %h : tensor<?x8xf32>
    %r = dsc.add %x, %s : tensor<?x8xf32>
    %c0 = arith.constant 0 : index
    %rows = tensor.dim %r, %c0 : tensor<?x8xf32>
    %first = arith.subi %rows, %n_out : index
    %last = tensor.extract_slice %r[%first, 0] [%n_out, 8] [1, 1] : tensor<?x8xf32> to tensor<?x8xf32>
    %logits = dsc.linear %last, %emb : tensor<?x8xf32>, tensor<16x8xf16> -> tensor<?x16xf32>
    return %logits : tensor<?x16xf32>
  }
}

// CHECK-LABEL: func.func @dsc_forward
// CHECK-SAME: (%[[W:.*]]: memref<?xi8>, %[[TOK:.*]]: memref<?xi32>, %[[POS:.*]]: index, %[[NOUT:.*]]: index, %[[CACHE:.*]]: memref<?xf32>, %[[LOGITS:.*]]: memref<?x16xf32>)
// CHECK-SAME: attributes {llvm.emit_c_interface}
// The RoPE frequencies are compile-time constants: theta^(-2i/d).
// CHECK: %[[F:.*]] = arith.constant dense<[1.000000e+00, 0.00999999977]> : tensor<2xf32>
// CHECK: %[[TOKENS:.*]] = bufferization.to_tensor %[[TOK]] restrict : memref<?xi32> to tensor<?xi32>
// CHECK: %[[EMBV:.*]] = memref.view %[[W]][%{{.*}}][] : memref<?xi8> to memref<16x8xf16>
// CHECK: %[[EMB:.*]] = bufferization.to_tensor %[[EMBV]] restrict : memref<16x8xf16> to tensor<16x8xf16>
// Embedding: a gather from the float table, widened to f32.
// CHECK: linalg.generic {{.*}} ins(%[[TOKENS]] : tensor<?xi32>)
// CHECK: tensor.extract %[[EMB]]
// CHECK: arith.extf %{{.*}} : f16 to f32
// RMSNorm reduces with reassociation allowed, so that it vectorizes; the
// result is written over its input.
// CHECK: linalg.fill
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: arith.addf %{{.*}} fastmath<reassoc,contract> : f32
// CHECK: math.rsqrt
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%[[X:.*]], %{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<?xf32>, tensor<8xf32>) outs(%[[X]] : tensor<?x8xf32>)
// CHECK: dsc.ukernel linear_f32 ins(%[[H]], %{{.*}} : tensor<?x8xf32>, tensor<8x8xf32>) outs(%{{.*}} : tensor<?x8xf32>) args(%{{.*}}, %c8_i64{{.*}}, %c8_i64{{.*}} : i64, i64, i64) -> tensor<?x8xf32>
// The bias is added after the kernel, whatever its type.
// CHECK: %[[K:.*]] = dsc.ukernel linear_bf16
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf32>) outs(%[[K]] : tensor<?x4xf32>)
// CHECK: arith.addf
// q and k share one pair of cos/sin tables.
// CHECK: %[[T:.*]]:2 = dsc.ukernel rope_table ins(%[[F]] : tensor<2xf32>)
// Pairs (2i, 2i+1) of each head rotate together.
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1, 2, 3]] output_shape [%{{.*}}, 2, 2, 2] : tensor<?x8xf32> into tensor<?x2x2x2xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[T]]#0, %[[T]]#1 :
// CHECK: arith.select
// CHECK: tensor.collapse_shape
// CHECK-NOT: rope_table
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %[[T]]#0, %[[T]]#1 :
// The cache holds ctx positions: its size divided by layers * 2 * kv_heads * head_dim.
// CHECK: %[[SIZE:.*]] = memref.dim %[[CACHE]]
// CHECK: %[[CTX:.*]] = arith.divui %[[SIZE]], %c8
// The block's keys, then its values, go into views [kv_heads, rows,
// head_dim] of layer 0's blocks from position pos (kv_cache.h: keys at
// pos * head_dim, values ctx * head_dim further), stored by generated code
// (each value extracting its row's column kv_head * head_dim + d) before the
// kernel, which only reads the cache.
// CHECK: %[[KOFF:.*]] = arith.muli %[[POS]], %c4
// CHECK: %[[RS:.*]] = arith.muli %[[CTX]], %c4
// CHECK: %[[KVIEW:.*]] = memref.reinterpret_cast %[[CACHE]] to offset: [%[[KOFF]]], sizes: [1, %{{.*}}, 4], strides: [%[[RS]], 4, 1]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x?x4xf32>)
// CHECK: tensor.extract
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[KVIEW]]
// CHECK: %[[VOFF:.*]] = arith.addi %[[RS]], %[[KOFF]]
// CHECK: %[[VVIEW:.*]] = memref.reinterpret_cast %[[CACHE]] to offset: [%[[VOFF]]]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x?x4xf32>)
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[VVIEW]]
// CHECK: dsc.ukernel attention ins(%{{[^ ]*}} : tensor<?x8xf32>) outs(%{{.*}}, %[[CACHE]] : tensor<?x8xf32>, memref<?xf32>) args(%c0_i64, {{.*}}, {{.*}}, {{.*}}, %c1_i64{{.*}}, %c2_i64{{.*}}, %c1_i64{{.*}}, %c4_i64{{.*}}, %cst{{.*}}, %c0_i64{{.*}} : i64, i64, i64, i64, i64, i64, i64, i64, f32, i64) -> tensor<?x8xf32>
// SwiGLU is exp-based silu times the up projection, written over the gate.
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[A:.*]], %[[H]] : tensor<?x8xf32>, tensor<?x8xf32>) outs(%[[A]] : tensor<?x8xf32>)
// CHECK: math.exp
// CHECK: %[[LAST:.*]] = tensor.extract_slice
// CHECK: %[[L:.*]] = dsc.ukernel linear_f16 ins(%[[LAST]], %[[EMB]] :
// The result goes to the logits argument.
// CHECK: bufferization.materialize_in_destination %[[L]] in restrict writable %[[LOGITS]]
// CHECK: return
// The descriptor (dsc/abi/model_desc.h): magic "dscmodel", version 2, vocab,
// dim, layers, heads, kv heads, head dim, context, weight bytes, model id,
// KV element bytes.
// CHECK: llvm.mlir.global external constant @dsc_model_desc(dense<[7810759558483374948, 2, 16, 8, 1, 2, 1, 4, 32, 1024, 77, 4]> : tensor<12xi64>)
// CHECK-NOT: dsc.global
// CHECK-NOT: func.func @forward

// -----

module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32>} {
  dsc.global @emb : tensor<16x8xf32>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf32>) -> tensor<?x16xf32> {
    // expected-error @+1 {{'dsc.weight' op weight 'emb' has no blob offset; run dsc-weights-assign-offsets first}}
    %emb = dsc.weight @emb : tensor<16x8xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x8xf32>, tensor<?xi32> -> tensor<?x8xf32>
    %l = dsc.linear %x, %emb : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

// expected-error @+1 {{no func.func @forward to lower}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32>} {
}

// -----

// expected-error @+1 {{dsc-codegen-lower needs the module's dsc.config}}
module {
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf32>) -> tensor<?x16xf32> {
    %0 = tensor.empty(%n_out) : tensor<?x16xf32>
    return %0 : tensor<?x16xf32>
  }
}

// -----

module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32>} {
  // expected-error @+1 {{'func.func' op expected the forward signature (tensor<?xi32>, index, index, !dsc.kv_cache) -> tensor<?xVxf32>}}
  func.func @forward(%tokens: tensor<?xi32>) -> tensor<?x16xf32> {
    %c = arith.constant 1 : index
    %0 = tensor.empty(%c) : tensor<?x16xf32>
    return %0 : tensor<?x16xf32>
  }
}

// -----

// Quantized weights: the tiled kernels get the group size and the flags
// (asymmetric = 1, f32 scales = 2); a quantized table is read by a kernel.
// CHECK-LABEL: func.func @dsc_forward
// Embedding: width 32, groups of 32, 4 bits, asymmetric with f32 scales.
// CHECK: dsc.ukernel embedding_q_t4 ins(%{{.*}}, %{{.*}} : tensor<336xi8>, tensor<?xi32>) outs(%{{.*}} : tensor<?x32xf32>) args(%{{.*}}, %c32_i64{{[_0-9]*}}, %c32_i64{{[_0-9]*}}, %c4_i64{{[_0-9]*}}, %c3_i64{{[_0-9]*}} :
// Linear: K 8, N 16, one group per row (8 columns), symmetric with f16 scales.
// Its input, 8 of each row's 32 columns, is copied into rows of its own:
// the kernel reads rows one after the other.
// CHECK: %[[SLICE:.*]] = tensor.extract_slice
// CHECK: %[[ROWS8:.*]] = linalg.copy ins(%[[SLICE]] : tensor<?x8xf32>)
// CHECK: dsc.ukernel linear_q8_t4 ins(%[[ROWS8]], %{{.*}} : tensor<?x8xf32>, tensor<{{[0-9]+}}xi8>) outs(%{{.*}} : tensor<?x16xf32>) args(%{{.*}}, %c8_i64{{[_0-9]*}}, %c16_i64{{[_0-9]*}}, %c8_i64{{[_0-9]*}}, %c0_i64{{[_0-9]*}} :
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32>, dsc.weights_size = 1024 : i64} {
  dsc.global @emb : !dsc.qtensor<16x32xf32, #dsc.quant<i4, group = 32, asymmetric>> {layout = #dsc.tiled<rows = 4, cols = 32>, offset = 0 : i64}
  dsc.global @w : !dsc.qtensor<16x8xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 8>, offset = 512 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : !dsc.qtensor<16x32xf32, #dsc.quant<i4, group = 32, asymmetric>>
    %x = dsc.embedding %emb[%tokens] : !dsc.qtensor<16x32xf32, #dsc.quant<i4, group = 32, asymmetric>>, tensor<?xi32> -> tensor<?x32xf32>
    %c0 = arith.constant 0 : index
    %rows = tensor.dim %x, %c0 : tensor<?x32xf32>
    %y = tensor.extract_slice %x[0, 0] [%rows, 8] [1, 1] : tensor<?x32xf32> to tensor<?x8xf32>
    %w = dsc.weight @w : !dsc.qtensor<16x8xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
    %l = dsc.linear %y, %w : tensor<?x8xf32>, !dsc.qtensor<16x8xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32>} {
  dsc.global @emb : tensor<16x8xf32> {offset = 0 : i64}
  dsc.global @w : !dsc.qtensor<16x8xf32, #dsc.quant<i8, channel = 0>> {offset = 512 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : tensor<16x8xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x8xf32>, tensor<?xi32> -> tensor<?x8xf32>
    %w = dsc.weight @w : !dsc.qtensor<16x8xf32, #dsc.quant<i8, channel = 0>>
    // expected-error @+1 {{'dsc.linear' op quantized weights must be tiled by dsc-weights-pack (4 rows by scale groups)}}
    %l = dsc.linear %x, %w : tensor<?x8xf32>, !dsc.qtensor<16x8xf32, #dsc.quant<i8, channel = 0>> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

// The embedding kernel reads 4-row tiles: a table in row-interleaved blocks
// (which dsc-weights-pack gives only to weights linear layers alone read)
// is refused, not misread.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 32, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32>} {
  dsc.global @emb : !dsc.qtensor<16x32xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 16, cols = 32>, offset = 0 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x32xf32> {
    %emb = dsc.weight @emb : !dsc.qtensor<16x32xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    // expected-error @+1 {{'dsc.embedding' op quantized tables must be tiled by dsc-weights-pack (4 rows by scale groups)}}
    %x = dsc.embedding %emb[%tokens] : !dsc.qtensor<16x32xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>, tensor<?xi32> -> tensor<?x32xf32>
    return %x : tensor<?x32xf32>
  }
}

// -----

// Observation points become calls of the runtime's dsc_rt_observe with the
// activation, its rows and its static width.
// CHECK-LABEL: func.func @dsc_forward
// CHECK: %[[ROWS:.*]] = memref.dim %[[TOK:.*]], %{{.*}} : memref<?xi32>
// CHECK: %[[X:.*]] = linalg.generic
// CHECK: %[[N:.*]] = arith.index_cast %[[ROWS]] : index to i64
// CHECK: dsc.ukernel rt_observe ins(%[[X]] : tensor<?x8xf32>) args(%c5_i64{{[_0-9]*}}, %[[N]], %c8_i64{{[_0-9]*}} : i64, i64, i64)
// CHECK-NOT: -> tensor<?x8xf32>
// CHECK: dsc.ukernel linear_f32
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32>, dsc.weights_size = 1024 : i64} {
  dsc.global @emb : tensor<16x8xf32> {offset = 0 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : tensor<16x8xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x8xf32>, tensor<?xi32> -> tensor<?x8xf32>
    dsc.observe %x as 5 : tensor<?x8xf32>
    %l = dsc.linear %x, %emb : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

// The cache store at layer 1 of 2 with two KV heads (dsc/abi/kv_cache.h,
// [layer][keys, values][kv_head][ctx][head_dim]): layer 1's keys start at
// (1 * 2 + 0) * 2 * 4 = 16 elements a position of ctx, its values at 24,
// each from pos * head_dim on; a value (g, s, d) of the view is the row's
// column g * head_dim + d, of k for the keys and of v for the values.
// CHECK-LABEL: func.func @dsc_forward
// CHECK-SAME: %[[POS:[^:]*]]: index, %{{[^:]*}}: index, %[[CACHE:[^:]*]]: memref<?xf32>
// CHECK: %[[X:.*]] = linalg.generic
// CHECK: %[[K:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[X]] :
// CHECK: %[[SIZE:.*]] = memref.dim %[[CACHE]]
// CHECK: %[[CTX:.*]] = arith.divui %[[SIZE]], %c32
// CHECK: %[[POSHD:.*]] = arith.muli %[[POS]], %c4
// CHECK: %[[RS:.*]] = arith.muli %[[CTX]], %c4
// CHECK: %[[KB:.*]] = arith.muli %[[CTX]], %c16
// CHECK: %[[KOFF:.*]] = arith.addi %[[KB]], %[[POSHD]]
// CHECK: %[[KVIEW:.*]] = memref.reinterpret_cast %[[CACHE]] to offset: [%[[KOFF]]], sizes: [2, %{{.*}}, 4], strides: [%[[RS]], 4, 1]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x?x4xf32>)
// CHECK: %[[G:.*]] = linalg.index 0
// CHECK: %[[S:.*]] = linalg.index 1
// CHECK: %[[D:.*]] = linalg.index 2
// CHECK: %[[GHD:.*]] = arith.muli %[[G]], %c4
// CHECK: %[[COL:.*]] = arith.addi %[[GHD]], %[[D]]
// CHECK: tensor.extract %[[K]][%[[S]], %[[COL]]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[KVIEW]]
// CHECK: %[[VB:.*]] = arith.muli %[[CTX]], %c24
// CHECK: %[[VOFF:.*]] = arith.addi %[[VB]], %[[POSHD]]
// CHECK: %[[VVIEW:.*]] = memref.reinterpret_cast %[[CACHE]] to offset: [%[[VOFF]]], sizes: [2, %{{.*}}, 4], strides: [%[[RS]], 4, 1]
// CHECK: tensor.extract %[[X]]
// CHECK: bufferization.materialize_in_destination %{{.*}} in restrict writable %[[VVIEW]]
// CHECK: dsc.ukernel attention ins(%[[X]] : tensor<?x8xf32>) outs(%{{.*}}, %[[CACHE]] : tensor<?x8xf32>, memref<?xf32>) args(%c1_i64,
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 2, n_heads = 2, n_kv_heads = 2, head_dim = 4, max_seq_len = 32, tie_embeddings = true>, dsc.weights_size = 512 : i64} {
  dsc.global @emb : tensor<16x8xf32> {offset = 0 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<2x2x4xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : tensor<16x8xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x8xf32>, tensor<?xi32> -> tensor<?x8xf32>
    %k = dsc.add %x, %x : tensor<?x8xf32>
    %a = dsc.attention %x, %k, %x, %cache at %pos {layer = 1 : i64, n_heads = 2 : i64} : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, !dsc.kv_cache<2x2x4xf32> -> tensor<?x8xf32>
    %logits = dsc.linear %a, %emb : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
    return %logits : tensor<?x16xf32>
  }
}
