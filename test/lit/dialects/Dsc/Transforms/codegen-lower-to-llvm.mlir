// RUN: dsc-opt %s --dsc-codegen-lower-to-loops --dsc-codegen-lower-to-llvm | FileCheck %s

// After the whole lowering only the LLVM dialect is left: the entry point
// with MLIR's C interface, the kernel declarations and the descriptor.
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32, tie_embeddings = true>, dsc.weights_size = 256 : i64} {
  dsc.global @emb : tensor<16x8xf32> {offset = 0 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : tensor<16x8xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x8xf32>, tensor<?xi32> -> tensor<?x8xf32>
    %s = dsc.silu %x : tensor<?x8xf32>
    %l = dsc.linear %s, %emb : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}
// CHECK-NOT: memref.
// CHECK-NOT: scf.
// CHECK-NOT: math.exp
// CHECK-DAG: llvm.func @dsc_uk_linear_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64, i64, i64)
// CHECK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @dsc_forward(
// CHECK-DAG: llvm.func @_mlir_ciface_dsc_forward(
// CHECK-DAG: llvm.mlir.global external constant @dsc_model_desc
