// RUN: dsc-opt %s --split-input-file --dsc-codegen-lower="target=x86_64-avx512" | FileCheck %s --check-prefix=BF16
// RUN: dsc-opt %s --split-input-file --dsc-codegen-lower="target=x86_64-avx2" | FileCheck %s --check-prefix=EXACT

// prefill_products = bf16 picks the bf16-product kernel, with the weight
// kind (f16: 1, bf16: 2, f32: 0), where the target has bf16 dot products
// (AVX512_BF16); elsewhere the exact kernel of the weight type. A linear
// without the attribute stays exact on both.
// BF16-LABEL: func.func @dsc_forward
// BF16: dsc.ukernel linear_t4x16_bf16_products ins(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<16x16xf16>) {{.*}} args(%{{.*}}, %c16_i64{{[_0-9]*}}, %c16_i64{{[_0-9]*}}, %c1_i64{{[_0-9]*}} :
// BF16: dsc.ukernel linear_t4x16_bf16_products ins(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<16x16xbf16>) {{.*}} args(%{{.*}}, %c16_i64{{[_0-9]*}}, %c16_i64{{[_0-9]*}}, %c2_i64{{[_0-9]*}} :
// BF16: dsc.ukernel linear_t4x16_bf16_products ins(%{{.*}}, %{{.*}} : tensor<?x16xf32>, tensor<16x16xf32>) {{.*}} args(%{{.*}}, %c16_i64{{[_0-9]*}}, %c16_i64{{[_0-9]*}}, %c0_i64{{[_0-9]*}} :
// BF16: dsc.ukernel linear_f16_t4x16 ins
// EXACT-LABEL: func.func @dsc_forward
// EXACT-NOT: linear_t4x16_bf16_products
// EXACT: dsc.ukernel linear_f16_t4x16 ins
// EXACT-NOT: linear_t4x16_bf16_products
// EXACT: dsc.ukernel linear_bf16_t4x16 ins
// EXACT-NOT: linear_t4x16_bf16_products
// EXACT: dsc.ukernel linear_f32_t4x16 ins
// EXACT-NOT: linear_t4x16_bf16_products
// EXACT: dsc.ukernel linear_f16_t4x16 ins
// EXACT-NOT: linear_t4x16_bf16_products
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 16, hidden_dim = 16, n_layers = 1, n_heads = 4, n_kv_heads = 4, head_dim = 4, max_seq_len = 32>, dsc.weights_size = 4096 : i64} {
  dsc.global @emb : tensor<16x16xf32> {offset = 0 : i64}
  dsc.global @a : tensor<16x16xf16> {layout = #dsc.tiled<rows = 4, cols = 16>, offset = 1024 : i64}
  dsc.global @b : tensor<16x16xbf16> {layout = #dsc.tiled<rows = 4, cols = 16>, offset = 1536 : i64}
  dsc.global @c : tensor<16x16xf32> {layout = #dsc.tiled<rows = 4, cols = 16>, offset = 2048 : i64}
  dsc.global @d : tensor<16x16xf16> {layout = #dsc.tiled<rows = 4, cols = 16>, offset = 3072 : i64}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x4x4xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : tensor<16x16xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x16xf32>, tensor<?xi32> -> tensor<?x16xf32>
    %a = dsc.weight @a : tensor<16x16xf16>
    %b = dsc.weight @b : tensor<16x16xbf16>
    %c = dsc.weight @c : tensor<16x16xf32>
    %d = dsc.weight @d : tensor<16x16xf16>
    %0 = dsc.linear %x, %a {prefill_products = bf16} : tensor<?x16xf32>, tensor<16x16xf16> -> tensor<?x16xf32>
    %1 = dsc.linear %0, %b {prefill_products = bf16} : tensor<?x16xf32>, tensor<16x16xbf16> -> tensor<?x16xf32>
    %2 = dsc.linear %1, %c {prefill_products = bf16} : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    %3 = dsc.linear %2, %d : tensor<?x16xf32>, tensor<16x16xf16> -> tensor<?x16xf32>
    return %3 : tensor<?x16xf32>
  }
}
