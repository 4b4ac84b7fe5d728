// RUN: dsc-opt %s --split-input-file --dsc-codegen-lower --verify-diagnostics | FileCheck %s

// One decoder layer: weights become views of the blob, linear layers and
// attention become micro-kernel calls, the rest loops over the model's
// static widths; buffers are freed after their last use.
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

// CHECK-DAG: func.func private @dsc_uk_linear_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: func.func private @dsc_uk_linear_bf16(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: func.func private @dsc_uk_linear_f16(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: func.func private @dsc_uk_attention(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, f32, i64)
// CHECK-DAG: func.func private @dsc_uk_rope_table(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// The RoPE frequencies are compile-time constants: theta^(-2i/d).
// CHECK-DAG: memref.global "private" constant @__dsc_rope_freqs_0 : memref<2xf32> = dense<[1.000000e+00, 0.00999999977]>
// CHECK-LABEL: func.func @dsc_forward
// CHECK-SAME: (%[[W:.*]]: memref<?xi8>, %[[TOK:.*]]: memref<?xi32>, %[[POS:.*]]: index, %[[NOUT:.*]]: index, %[[CACHE:.*]]: memref<?xf32>, %[[LOGITS:.*]]: memref<?x16xf32>)
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK: %[[EMB:.*]] = memref.view %[[W]][%{{.*}}][] : memref<?xi8> to memref<16x8xf16>
// Embedding: a loop over tokens, an inner loop over the static width.
// CHECK: %[[X:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK: scf.for
// CHECK: memref.load %[[TOK]]
// CHECK: scf.for
// CHECK: arith.extf %{{.*}} : f16 to f32
// RMSNorm reduces with reassociation allowed, so that it vectorizes.
// CHECK: arith.addf %{{.*}} fastmath<reassoc,contract> : f32
// CHECK: math.rsqrt
// CHECK: call @dsc_uk_linear_f32(
// The bias is added after the kernel, whatever its type.
// CHECK: call @dsc_uk_linear_bf16(
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: call @dsc_uk_rope_table(
// CHECK: call @dsc_uk_attention(
// The cache holds ctx positions: its size divided by layers * 2 * kv_heads * head_dim.
// CHECK-SAME: %c0_i64{{.*}}, {{.*}}, {{.*}}, {{.*}}, %c1_i64{{.*}}, %c2_i64{{.*}}, %c1_i64{{.*}}, %c4_i64{{.*}}, %cst{{.*}}, %c0_i64
// SwiGLU is exp-based silu times the up projection.
// CHECK: math.exp
// CHECK: memref.subview
// The classifier writes straight into the logits argument.
// CHECK: call @dsc_uk_linear_f16(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT: memref.copy
// CHECK: memref.dealloc
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

// The registry's CPU targets keep the KV cache in f32: an f16 cache is an
// error, not code that reads it as f32.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32>} {
  // expected-error @+1 {{'func.func' op target 'x86_64' keeps the KV cache in f32, not f16}}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf16>) -> tensor<?x16xf32> {
    %0 = tensor.empty(%n_out) : tensor<?x16xf32>
    return %0 : tensor<?x16xf32>
  }
}

// -----

module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32>} {
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf32>) -> tensor<?x16xf32> {
    // expected-error @+1 {{'tensor.empty' op cannot be lowered by dsc-codegen-lower}}
    %0 = tensor.empty(%n_out) : tensor<?x16xf32>
    return %0 : tensor<?x16xf32>
  }
}

// -----

// Quantized weights: the tiled kernels get the group size and the flags
// (asymmetric = 1, f32 scales = 2); a quantized table is read by a kernel.
// CHECK-LABEL: func.func @dsc_forward
// Embedding: width 32, groups of 32, 4 bits, asymmetric with f32 scales.
// CHECK: call @dsc_uk_embedding_q_t4(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c32_i64{{[_0-9]*}}, %c32_i64{{[_0-9]*}}, %c4_i64{{[_0-9]*}}, %c3_i64{{[_0-9]*}})
// Linear: K 8, N 16, one group per row (8 columns), symmetric with f16 scales.
// CHECK: call @dsc_uk_linear_q8_t4(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c8_i64{{[_0-9]*}}, %c16_i64{{[_0-9]*}}, %c8_i64{{[_0-9]*}}, %c0_i64{{[_0-9]*}})
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

// Observation points become calls of the runtime's dsc_rt_observe with the
// buffer, its rows and its static width.
// CHECK-DAG: func.func private @dsc_rt_observe(i64, !llvm.ptr, i64, i64)
// CHECK-LABEL: func.func @dsc_forward
// CHECK: %[[X:.*]] = memref.alloc
// CHECK: %[[ROWS:.*]] = memref.dim %[[X]], %{{.*}} : memref<?x8xf32>
// CHECK: %[[N:.*]] = arith.index_cast %[[ROWS]] : index to i64
// CHECK: call @dsc_rt_observe(%c5_i64{{[_0-9]*}}, %{{.*}}, %[[N]], %c8_i64{{[_0-9]*}})
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

// Ops that write over an operand that dies there (RoPE, SwiGLU, RMSNorm)
// hand their buffer to the result, which is freed after its own last use:
// every buffer allocated is freed once.
// CHECK-LABEL: func.func @dsc_forward
// CHECK: %[[X:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK: %[[Q:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK: %[[G:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x12xf32>
// CHECK: %[[U:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x12xf32>
// CHECK: memref.dealloc %[[X]] : memref<?x8xf32>
// The RoPE writes over q; the next buffer of 8 columns is the attention's.
// CHECK: call @dsc_uk_rope_table
// CHECK: memref.store %{{.*}}, %[[Q]]
// CHECK: %[[A:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK-NOT: memref.alloc
// CHECK: call @dsc_uk_attention
// CHECK-NEXT: memref.dealloc %[[Q]] : memref<?x8xf32>
// CHECK-NEXT: memref.dealloc %[[A]] : memref<?x8xf32>
// SwiGLU writes over the gate; the up projection dies there.
// CHECK: memref.store %{{.*}}, %[[G]]
// CHECK: memref.dealloc %[[U]] : memref<?x12xf32>
// CHECK: call @dsc_uk_linear_f32
// CHECK-NEXT: memref.dealloc %[[G]] : memref<?x12xf32>
// CHECK: return
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 2, head_dim = 4, max_seq_len = 32>, dsc.weights_size = 4096 : i64} {
  dsc.global @emb : tensor<16x8xf32> {offset = 0 : i64}
  dsc.global @wq : tensor<8x8xf32> {offset = 512 : i64}
  dsc.global @wg : tensor<12x8xf32> {offset = 768 : i64}
  dsc.global @wd : tensor<16x12xf32> {offset = 1280 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x2x4xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : tensor<16x8xf32>
    %wq = dsc.weight @wq : tensor<8x8xf32>
    %wg = dsc.weight @wg : tensor<12x8xf32>
    %wd = dsc.weight @wd : tensor<16x12xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x8xf32>, tensor<?xi32> -> tensor<?x8xf32>
    %q = dsc.linear %x, %wq : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
    %g = dsc.linear %x, %wg : tensor<?x8xf32>, tensor<12x8xf32> -> tensor<?x12xf32>
    %u = dsc.linear %x, %wg : tensor<?x8xf32>, tensor<12x8xf32> -> tensor<?x12xf32>
    %qr = dsc.rope %q at %pos {head_dim = 4 : i64, theta = 1.0e+04 : f64} : tensor<?x8xf32>
    %a = dsc.attention %qr, %qr, %qr, %cache at %pos {layer = 0 : i64, n_heads = 2 : i64} : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, !dsc.kv_cache<1x2x4xf32> -> tensor<?x8xf32>
    %s = dsc.swiglu %g, %u : tensor<?x12xf32>
    %l = dsc.linear %s, %wd : tensor<?x12xf32>, tensor<16x12xf32> -> tensor<?x16xf32>
    %y = dsc.add %l, %l : tensor<?x16xf32>
    return %y : tensor<?x16xf32>
  }
}
