// RUN: dsc-opt %s --dsc-codegen-lower-to-loops | FileCheck %s

// The whole lowering to loops: one-shot bufferization gives each result a
// buffer, writing element-wise results over an operand that dies there;
// ownership-based deallocation frees every buffer once, right after its
// last use; the last result is computed in the logits argument; kernels
// are called on bare pointers.
// CHECK-DAG: func.func private @dsc_uk_rope_table(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: func.func private @dsc_uk_attention(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64, i64, i64, i64, i64, i64, f32, i64)
// CHECK-DAG: func.func private @dsc_uk_linear_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: memref.global "private" constant @{{.*}} : memref<2xf32> = dense<[1.000000e+00, 0.00999999977]>
// CHECK-LABEL: func.func @dsc_forward
// CHECK-SAME: %[[CACHE:[a-z0-9]*]]: memref<?xf32>, %[[LOGITS:[a-z0-9]*]]: memref<?x16xf32>)
// CHECK-NOT: memref.copy
// CHECK: %[[X:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK: scf.for
// CHECK: %[[Q:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK: call @dsc_uk_linear_f32
// CHECK: %[[G:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x12xf32>
// CHECK: call @dsc_uk_linear_f32
// CHECK: %[[U:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x12xf32>
// CHECK: call @dsc_uk_linear_f32
// CHECK-NEXT: memref.dealloc %[[X]] : memref<?x8xf32>
// CHECK: call @dsc_uk_rope_table
// CHECK: memref.expand_shape %[[Q]]
// CHECK: %[[R:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x2x2x2xf32>
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %[[R]]
// The keys (the rotated rows) and the values (q's rows) go straight into
// views [kv_heads, rows, head_dim] of the cache, with no buffer between;
// q dies there.
// CHECK: %[[KV:.*]] = memref.reinterpret_cast %[[CACHE]] to offset: [%{{.*}}], sizes: [2, %{{.*}}, 4], strides: [%{{.*}}, 4, 1]
// CHECK: scf.for
// CHECK: memref.store %{{.*}}, %[[KV]]
// CHECK: %[[VV:.*]] = memref.reinterpret_cast %[[CACHE]]
// CHECK: scf.for
// CHECK: memref.load %[[Q]]
// CHECK: memref.store %{{.*}}, %[[VV]]
// CHECK: memref.dealloc %[[Q]] : memref<?x8xf32>
// CHECK: %[[A:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x8xf32>
// CHECK: call @dsc_uk_attention
// CHECK-NEXT: memref.dealloc %[[A]] : memref<?x8xf32>
// CHECK-NEXT: memref.dealloc %[[R]] : memref<?x2x2x2xf32>
// SwiGLU writes over the gate; the up projection dies there.
// CHECK: math.exp
// CHECK: memref.store %{{.*}}, %[[G]]
// CHECK: memref.dealloc %[[U]] : memref<?x12xf32>
// CHECK: call @dsc_uk_linear_f32
// CHECK-NEXT: memref.dealloc %[[G]] : memref<?x12xf32>
// The final sum is written over the classifier's output, in the logits.
// CHECK: memref.store %{{.*}}, %[[LOGITS]]
// CHECK-NOT: memref.alloc
// CHECK: return
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 2, head_dim = 4, max_seq_len = 32>, dsc.weights_size = 4096 : i64} {
  dsc.global @emb : tensor<16x8xf32> {offset = 0 : i64}
  dsc.global @wq : tensor<8x8xf32> {offset = 512 : i64}
  dsc.global @wg : tensor<12x8xf32> {offset = 768 : i64}
  dsc.global @wd : tensor<16x12xf32> {offset = 1280 : i64}
  dsc.global @wu : tensor<12x8xf32> {offset = 2048 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x2x4xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : tensor<16x8xf32>
    %wq = dsc.weight @wq : tensor<8x8xf32>
    %wg = dsc.weight @wg : tensor<12x8xf32>
    %wd = dsc.weight @wd : tensor<16x12xf32>
    %wu = dsc.weight @wu : tensor<12x8xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x8xf32>, tensor<?xi32> -> tensor<?x8xf32>
    %q = dsc.linear %x, %wq : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
    %g = dsc.linear %x, %wg : tensor<?x8xf32>, tensor<12x8xf32> -> tensor<?x12xf32>
    %u = dsc.linear %x, %wu : tensor<?x8xf32>, tensor<12x8xf32> -> tensor<?x12xf32>
    %qr = dsc.rope %q at %pos {head_dim = 4 : i64, theta = 1.0e+04 : f64} : tensor<?x8xf32>
    %a = dsc.attention %qr, %qr, %q, %cache at %pos {layer = 0 : i64, n_heads = 2 : i64} : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, !dsc.kv_cache<1x2x4xf32> -> tensor<?x8xf32>
    %s = dsc.swiglu %g, %u : tensor<?x12xf32>
    %l = dsc.linear %s, %wd : tensor<?x12xf32>, tensor<16x12xf32> -> tensor<?x16xf32>
    %y = dsc.add %l, %l : tensor<?x16xf32>
    return %y : tensor<?x16xf32>
  }
}
