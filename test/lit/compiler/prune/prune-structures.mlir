// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %gen/gen_checkpoint.py llama2c %t/a.bin --dim 16 --hidden 8 --layers 2 --heads 4 --kv-heads 2 --vocab 32 --seq-len 32
// RUN: %python %gen/gen_checkpoint.py llama2c %t/b.bin --dim 16 --hidden 8 --layers 2 --heads 4 --kv-heads 1 --vocab 48 --seq-len 32 --seed 2
// RUN: sed -e 's|@A@|%t/a.bin|g' -e 's|@B@|%t/b.bin|g' %s | dsc-opt --split-input-file --dsc-prune-structures="ffn=0.25 heads=0.5 layers=1 method=magnitude" | FileCheck %s
// RUN: sed -e 's|@A@|%t/a.bin|g' -e 's|@B@|%t/b.bin|g' %s | dsc-opt --split-input-file --dsc-prune-structures="ffn=0.25 heads=0.5 layers=1 method=magnitude" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: sed -e 's|@A@|%t/a.bin|g' -e 's|@B@|%t/b.bin|g' %s | dsc-opt --split-input-file --dsc-prune-structures="ffn=0.5 method=magnitude" | FileCheck %s --check-prefix=FFN

// Grouped-query attention (4 query heads, 2 KV heads): half the heads is
// one whole KV group, with its two query heads. A quarter of the 8 FFN
// channels and one of the two layers go; what is left is renumbered as
// layer 0, and the KV cache, the attention op and the config say so.
// CHECK-LABEL: module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 16, hidden_dim = 6, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4
// CHECK: dsc.global @blk.0.attn_k : tensor<4x16xf32> = #dsc.slice<#dsc.file<{{[^>]*}}>, shape = [8, 16], rows = [{{([0-9]+, ){3}[0-9]+}}]>
// CHECK: dsc.global @blk.0.attn_output : tensor<16x8xf32> = #dsc.slice<#dsc.file<{{[^>]*}}>, shape = [16, 16], cols = [{{([0-9]+, ){7}[0-9]+}}]>
// CHECK: dsc.global @blk.0.attn_q : tensor<8x16xf32> = #dsc.slice<#dsc.file<{{[^>]*}}>, shape = [16, 16], rows = [{{([0-9]+, ){7}[0-9]+}}]>
// CHECK: dsc.global @blk.0.ffn_down : tensor<16x6xf32> = #dsc.slice<#dsc.file<{{[^>]*}}>, shape = [16, 8], cols = [{{([0-9]+, ){5}[0-9]+}}]>
// CHECK: dsc.global @blk.0.ffn_gate : tensor<6x16xf32> = #dsc.slice<
// CHECK: dsc.global @blk.0.ffn_up : tensor<6x16xf32> = #dsc.slice<
// CHECK-NOT: @blk.1.
// CHECK: func.func @forward({{.*}}%arg3: !dsc.kv_cache<1x1x4xf32>
// CHECK: dsc.attention {{.*}} {layer = 0 : i64, n_heads = 2 : i64} : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !dsc.kv_cache<1x1x4xf32> -> tensor<?x8xf32>
// CHECK-NOT: dsc.attention
// CHECK: dsc.mul {{.*}} : tensor<?x6xf32>
// CHECK: dsc.linear {{.*}} : tensor<?x6xf32>, tensor<16x6xf32> -> tensor<?x16xf32>
// REPORT: pruned (magnitude): 1 layers of 2, 2 heads (1 KV) of 4 (2), FFN 6 of 8; 1232 of 2896 parameters
// FFN-LABEL: module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 16, hidden_dim = 4, n_layers = 2, n_heads = 4, n_kv_heads = 2
// FFN-COUNT-2: dsc.global @blk.{{[01]}}.ffn_down : tensor<16x4xf32> = #dsc.slice<
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 16, hidden_dim = 8, n_layers = 2, n_heads = 4, n_kv_heads = 2, head_dim = 4, max_seq_len = 32, tie_embeddings = true>} {
  dsc.global @token_embd : tensor<32x16xf32> = #dsc.file<path = "@A@", offset = 28, size = 2048, encoding = f32>
  dsc.global @blk.0.attn_k : tensor<8x16xf32> = #dsc.file<path = "@A@", offset = 4252, size = 512, encoding = f32>
  dsc.global @blk.0.attn_norm : tensor<16xf32> = #dsc.file<path = "@A@", offset = 2076, size = 64, encoding = f32>
  dsc.global @blk.0.attn_output : tensor<16x16xf32> = #dsc.file<path = "@A@", offset = 6300, size = 1024, encoding = f32>
  dsc.global @blk.0.attn_q : tensor<16x16xf32> = #dsc.file<path = "@A@", offset = 2204, size = 1024, encoding = f32>
  dsc.global @blk.0.attn_v : tensor<8x16xf32> = #dsc.file<path = "@A@", offset = 5276, size = 512, encoding = f32>
  dsc.global @blk.0.ffn_down : tensor<16x8xf32> = #dsc.file<path = "@A@", offset = 9500, size = 512, encoding = f32>
  dsc.global @blk.0.ffn_gate : tensor<8x16xf32> = #dsc.file<path = "@A@", offset = 8476, size = 512, encoding = f32>
  dsc.global @blk.0.ffn_norm : tensor<16xf32> = #dsc.file<path = "@A@", offset = 8348, size = 64, encoding = f32>
  dsc.global @blk.0.ffn_up : tensor<8x16xf32> = #dsc.file<path = "@A@", offset = 10524, size = 512, encoding = f32>
  dsc.global @blk.1.attn_k : tensor<8x16xf32> = #dsc.file<path = "@A@", offset = 4764, size = 512, encoding = f32>
  dsc.global @blk.1.attn_norm : tensor<16xf32> = #dsc.file<path = "@A@", offset = 2140, size = 64, encoding = f32>
  dsc.global @blk.1.attn_output : tensor<16x16xf32> = #dsc.file<path = "@A@", offset = 7324, size = 1024, encoding = f32>
  dsc.global @blk.1.attn_q : tensor<16x16xf32> = #dsc.file<path = "@A@", offset = 3228, size = 1024, encoding = f32>
  dsc.global @blk.1.attn_v : tensor<8x16xf32> = #dsc.file<path = "@A@", offset = 5788, size = 512, encoding = f32>
  dsc.global @blk.1.ffn_down : tensor<16x8xf32> = #dsc.file<path = "@A@", offset = 10012, size = 512, encoding = f32>
  dsc.global @blk.1.ffn_gate : tensor<8x16xf32> = #dsc.file<path = "@A@", offset = 8988, size = 512, encoding = f32>
  dsc.global @blk.1.ffn_norm : tensor<16xf32> = #dsc.file<path = "@A@", offset = 8412, size = 64, encoding = f32>
  dsc.global @blk.1.ffn_up : tensor<8x16xf32> = #dsc.file<path = "@A@", offset = 11036, size = 512, encoding = f32>
  dsc.global @output_norm : tensor<16xf32> = #dsc.file<path = "@A@", offset = 11548, size = 64, encoding = f32>
  func.func @forward(%arg0: tensor<?xi32> {dsc.name = "tokens"}, %arg1: index {dsc.name = "pos"}, %arg2: index {dsc.name = "n_out"}, %arg3: !dsc.kv_cache<2x2x4xf32> {dsc.name = "cache"}) -> tensor<?x32xf32> {
    %0 = dsc.weight @token_embd : tensor<32x16xf32>
    %1 = dsc.embedding %0[%arg0] : tensor<32x16xf32>, tensor<?xi32> -> tensor<?x16xf32>
    %2 = dsc.weight @blk.0.attn_norm : tensor<16xf32>
    %3 = dsc.rms_norm %1, %2 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %4 = dsc.weight @blk.0.attn_q : tensor<16x16xf32>
    %5 = dsc.linear %3, %4 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    %6 = dsc.weight @blk.0.attn_k : tensor<8x16xf32>
    %7 = dsc.linear %3, %6 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %8 = dsc.weight @blk.0.attn_v : tensor<8x16xf32>
    %9 = dsc.linear %3, %8 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %10 = dsc.rope %5 at %arg1 {head_dim = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x16xf32>
    %11 = dsc.rope %7 at %arg1 {head_dim = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x8xf32>
    %12 = dsc.attention %10, %11, %9, %arg3 at %arg1 {layer = 0 : i64, n_heads = 4 : i64} : tensor<?x16xf32>, tensor<?x8xf32>, tensor<?x8xf32>, !dsc.kv_cache<2x2x4xf32> -> tensor<?x16xf32>
    %13 = dsc.weight @blk.0.attn_output : tensor<16x16xf32>
    %14 = dsc.linear %12, %13 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    %15 = dsc.add %1, %14 : tensor<?x16xf32>
    %16 = dsc.weight @blk.0.ffn_norm : tensor<16xf32>
    %17 = dsc.rms_norm %15, %16 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %18 = dsc.weight @blk.0.ffn_gate : tensor<8x16xf32>
    %19 = dsc.linear %17, %18 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %20 = dsc.weight @blk.0.ffn_up : tensor<8x16xf32>
    %21 = dsc.linear %17, %20 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %22 = dsc.silu %19 : tensor<?x8xf32>
    %23 = dsc.mul %22, %21 : tensor<?x8xf32>
    %24 = dsc.weight @blk.0.ffn_down : tensor<16x8xf32>
    %25 = dsc.linear %23, %24 : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
    %26 = dsc.add %15, %25 : tensor<?x16xf32>
    %27 = dsc.weight @blk.1.attn_norm : tensor<16xf32>
    %28 = dsc.rms_norm %26, %27 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %29 = dsc.weight @blk.1.attn_q : tensor<16x16xf32>
    %30 = dsc.linear %28, %29 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    %31 = dsc.weight @blk.1.attn_k : tensor<8x16xf32>
    %32 = dsc.linear %28, %31 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %33 = dsc.weight @blk.1.attn_v : tensor<8x16xf32>
    %34 = dsc.linear %28, %33 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %35 = dsc.rope %30 at %arg1 {head_dim = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x16xf32>
    %36 = dsc.rope %32 at %arg1 {head_dim = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x8xf32>
    %37 = dsc.attention %35, %36, %34, %arg3 at %arg1 {layer = 1 : i64, n_heads = 4 : i64} : tensor<?x16xf32>, tensor<?x8xf32>, tensor<?x8xf32>, !dsc.kv_cache<2x2x4xf32> -> tensor<?x16xf32>
    %38 = dsc.weight @blk.1.attn_output : tensor<16x16xf32>
    %39 = dsc.linear %37, %38 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    %40 = dsc.add %26, %39 : tensor<?x16xf32>
    %41 = dsc.weight @blk.1.ffn_norm : tensor<16xf32>
    %42 = dsc.rms_norm %40, %41 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %43 = dsc.weight @blk.1.ffn_gate : tensor<8x16xf32>
    %44 = dsc.linear %42, %43 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %45 = dsc.weight @blk.1.ffn_up : tensor<8x16xf32>
    %46 = dsc.linear %42, %45 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %47 = dsc.silu %44 : tensor<?x8xf32>
    %48 = dsc.mul %47, %46 : tensor<?x8xf32>
    %49 = dsc.weight @blk.1.ffn_down : tensor<16x8xf32>
    %50 = dsc.linear %48, %49 : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
    %51 = dsc.add %40, %50 : tensor<?x16xf32>
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %51, %c0 : tensor<?x16xf32>
    %52 = arith.subi %dim, %arg2 : index
    %extracted_slice = tensor.extract_slice %51[%52, 0] [%arg2, 16] [1, 1] : tensor<?x16xf32> to tensor<?x16xf32>
    %53 = dsc.weight @output_norm : tensor<16xf32>
    %54 = dsc.rms_norm %extracted_slice, %53 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %55 = dsc.weight @token_embd : tensor<32x16xf32>
    %56 = dsc.linear %54, %55 : tensor<?x16xf32>, tensor<32x16xf32> -> tensor<?x32xf32>
    return %56 : tensor<?x32xf32>
  }
}


// -----

// Multi-query attention (one KV head): half the heads are two query heads
// of the one group; the KV projections stay whole.
// CHECK-LABEL: module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 48, dim = 16, hidden_dim = 6, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4
// CHECK: dsc.global @blk.0.attn_k : tensor<4x16xf32> = #dsc.file<
// CHECK: dsc.global @blk.0.attn_q : tensor<8x16xf32> = #dsc.slice<
// CHECK: dsc.global @blk.0.attn_v : tensor<4x16xf32> = #dsc.file<
// CHECK: dsc.attention {{.*}} {layer = 0 : i64, n_heads = 2 : i64} : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !dsc.kv_cache<1x1x4xf32> -> tensor<?x8xf32>
// REPORT: pruned (magnitude): 1 layers of 2, 2 heads (1 KV) of 4 (1), FFN 6 of 8; 1488 of 2896 parameters
// FFN-LABEL: module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 48, dim = 16, hidden_dim = 4, n_layers = 2, n_heads = 4, n_kv_heads = 1
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 48, dim = 16, hidden_dim = 8, n_layers = 2, n_heads = 4, n_kv_heads = 1, head_dim = 4, max_seq_len = 32, tie_embeddings = true>} {
  dsc.global @token_embd : tensor<48x16xf32> = #dsc.file<path = "@B@", offset = 28, size = 3072, encoding = f32>
  dsc.global @blk.0.attn_k : tensor<4x16xf32> = #dsc.file<path = "@B@", offset = 5276, size = 256, encoding = f32>
  dsc.global @blk.0.attn_norm : tensor<16xf32> = #dsc.file<path = "@B@", offset = 3100, size = 64, encoding = f32>
  dsc.global @blk.0.attn_output : tensor<16x16xf32> = #dsc.file<path = "@B@", offset = 6300, size = 1024, encoding = f32>
  dsc.global @blk.0.attn_q : tensor<16x16xf32> = #dsc.file<path = "@B@", offset = 3228, size = 1024, encoding = f32>
  dsc.global @blk.0.attn_v : tensor<4x16xf32> = #dsc.file<path = "@B@", offset = 5788, size = 256, encoding = f32>
  dsc.global @blk.0.ffn_down : tensor<16x8xf32> = #dsc.file<path = "@B@", offset = 9500, size = 512, encoding = f32>
  dsc.global @blk.0.ffn_gate : tensor<8x16xf32> = #dsc.file<path = "@B@", offset = 8476, size = 512, encoding = f32>
  dsc.global @blk.0.ffn_norm : tensor<16xf32> = #dsc.file<path = "@B@", offset = 8348, size = 64, encoding = f32>
  dsc.global @blk.0.ffn_up : tensor<8x16xf32> = #dsc.file<path = "@B@", offset = 10524, size = 512, encoding = f32>
  dsc.global @blk.1.attn_k : tensor<4x16xf32> = #dsc.file<path = "@B@", offset = 5532, size = 256, encoding = f32>
  dsc.global @blk.1.attn_norm : tensor<16xf32> = #dsc.file<path = "@B@", offset = 3164, size = 64, encoding = f32>
  dsc.global @blk.1.attn_output : tensor<16x16xf32> = #dsc.file<path = "@B@", offset = 7324, size = 1024, encoding = f32>
  dsc.global @blk.1.attn_q : tensor<16x16xf32> = #dsc.file<path = "@B@", offset = 4252, size = 1024, encoding = f32>
  dsc.global @blk.1.attn_v : tensor<4x16xf32> = #dsc.file<path = "@B@", offset = 6044, size = 256, encoding = f32>
  dsc.global @blk.1.ffn_down : tensor<16x8xf32> = #dsc.file<path = "@B@", offset = 10012, size = 512, encoding = f32>
  dsc.global @blk.1.ffn_gate : tensor<8x16xf32> = #dsc.file<path = "@B@", offset = 8988, size = 512, encoding = f32>
  dsc.global @blk.1.ffn_norm : tensor<16xf32> = #dsc.file<path = "@B@", offset = 8412, size = 64, encoding = f32>
  dsc.global @blk.1.ffn_up : tensor<8x16xf32> = #dsc.file<path = "@B@", offset = 11036, size = 512, encoding = f32>
  dsc.global @output_norm : tensor<16xf32> = #dsc.file<path = "@B@", offset = 11548, size = 64, encoding = f32>
  func.func @forward(%arg0: tensor<?xi32> {dsc.name = "tokens"}, %arg1: index {dsc.name = "pos"}, %arg2: index {dsc.name = "n_out"}, %arg3: !dsc.kv_cache<2x1x4xf32> {dsc.name = "cache"}) -> tensor<?x48xf32> {
    %0 = dsc.weight @token_embd : tensor<48x16xf32>
    %1 = dsc.embedding %0[%arg0] : tensor<48x16xf32>, tensor<?xi32> -> tensor<?x16xf32>
    %2 = dsc.weight @blk.0.attn_norm : tensor<16xf32>
    %3 = dsc.rms_norm %1, %2 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %4 = dsc.weight @blk.0.attn_q : tensor<16x16xf32>
    %5 = dsc.linear %3, %4 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    %6 = dsc.weight @blk.0.attn_k : tensor<4x16xf32>
    %7 = dsc.linear %3, %6 : tensor<?x16xf32>, tensor<4x16xf32> -> tensor<?x4xf32>
    %8 = dsc.weight @blk.0.attn_v : tensor<4x16xf32>
    %9 = dsc.linear %3, %8 : tensor<?x16xf32>, tensor<4x16xf32> -> tensor<?x4xf32>
    %10 = dsc.rope %5 at %arg1 {head_dim = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x16xf32>
    %11 = dsc.rope %7 at %arg1 {head_dim = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x4xf32>
    %12 = dsc.attention %10, %11, %9, %arg3 at %arg1 {layer = 0 : i64, n_heads = 4 : i64} : tensor<?x16xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !dsc.kv_cache<2x1x4xf32> -> tensor<?x16xf32>
    %13 = dsc.weight @blk.0.attn_output : tensor<16x16xf32>
    %14 = dsc.linear %12, %13 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    %15 = dsc.add %1, %14 : tensor<?x16xf32>
    %16 = dsc.weight @blk.0.ffn_norm : tensor<16xf32>
    %17 = dsc.rms_norm %15, %16 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %18 = dsc.weight @blk.0.ffn_gate : tensor<8x16xf32>
    %19 = dsc.linear %17, %18 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %20 = dsc.weight @blk.0.ffn_up : tensor<8x16xf32>
    %21 = dsc.linear %17, %20 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %22 = dsc.silu %19 : tensor<?x8xf32>
    %23 = dsc.mul %22, %21 : tensor<?x8xf32>
    %24 = dsc.weight @blk.0.ffn_down : tensor<16x8xf32>
    %25 = dsc.linear %23, %24 : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
    %26 = dsc.add %15, %25 : tensor<?x16xf32>
    %27 = dsc.weight @blk.1.attn_norm : tensor<16xf32>
    %28 = dsc.rms_norm %26, %27 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %29 = dsc.weight @blk.1.attn_q : tensor<16x16xf32>
    %30 = dsc.linear %28, %29 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    %31 = dsc.weight @blk.1.attn_k : tensor<4x16xf32>
    %32 = dsc.linear %28, %31 : tensor<?x16xf32>, tensor<4x16xf32> -> tensor<?x4xf32>
    %33 = dsc.weight @blk.1.attn_v : tensor<4x16xf32>
    %34 = dsc.linear %28, %33 : tensor<?x16xf32>, tensor<4x16xf32> -> tensor<?x4xf32>
    %35 = dsc.rope %30 at %arg1 {head_dim = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x16xf32>
    %36 = dsc.rope %32 at %arg1 {head_dim = 4 : i64, theta = 1.000000e+04 : f64} : tensor<?x4xf32>
    %37 = dsc.attention %35, %36, %34, %arg3 at %arg1 {layer = 1 : i64, n_heads = 4 : i64} : tensor<?x16xf32>, tensor<?x4xf32>, tensor<?x4xf32>, !dsc.kv_cache<2x1x4xf32> -> tensor<?x16xf32>
    %38 = dsc.weight @blk.1.attn_output : tensor<16x16xf32>
    %39 = dsc.linear %37, %38 : tensor<?x16xf32>, tensor<16x16xf32> -> tensor<?x16xf32>
    %40 = dsc.add %26, %39 : tensor<?x16xf32>
    %41 = dsc.weight @blk.1.ffn_norm : tensor<16xf32>
    %42 = dsc.rms_norm %40, %41 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %43 = dsc.weight @blk.1.ffn_gate : tensor<8x16xf32>
    %44 = dsc.linear %42, %43 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %45 = dsc.weight @blk.1.ffn_up : tensor<8x16xf32>
    %46 = dsc.linear %42, %45 : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
    %47 = dsc.silu %44 : tensor<?x8xf32>
    %48 = dsc.mul %47, %46 : tensor<?x8xf32>
    %49 = dsc.weight @blk.1.ffn_down : tensor<16x8xf32>
    %50 = dsc.linear %48, %49 : tensor<?x8xf32>, tensor<16x8xf32> -> tensor<?x16xf32>
    %51 = dsc.add %40, %50 : tensor<?x16xf32>
    %c0 = arith.constant 0 : index
    %dim = tensor.dim %51, %c0 : tensor<?x16xf32>
    %52 = arith.subi %dim, %arg2 : index
    %extracted_slice = tensor.extract_slice %51[%52, 0] [%arg2, 16] [1, 1] : tensor<?x16xf32> to tensor<?x16xf32>
    %53 = dsc.weight @output_norm : tensor<16xf32>
    %54 = dsc.rms_norm %extracted_slice, %53 {eps = 1.000000e-05 : f64} : tensor<?x16xf32>, tensor<16xf32>
    %55 = dsc.weight @token_embd : tensor<48x16xf32>
    %56 = dsc.linear %54, %55 : tensor<?x16xf32>, tensor<48x16xf32> -> tensor<?x48xf32>
    return %56 : tensor<?x48xf32>
  }
}

