// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %gen/gen_checkpoint.py llama2c %t/a.bin --dim 16 --hidden 8 --layers 2 --heads 4 --kv-heads 2 --vocab 32 --seq-len 32
// RUN: sed 's|@A@|%t/a.bin|g' %s | dsc-opt --split-input-file --dsc-prune-structures="heads=0.25 method=magnitude" --verify-diagnostics

// expected-error@below {{dsc-prune-structures: not a dsc model}}
module {
  func.func @forward(%x: tensor<?x16xf32>) -> tensor<?x16xf32> {
    return %x : tensor<?x16xf32>
  }
}

// -----

// After the graph passes the FFN is one op: too late to prune.
// expected-error@below {{'dsc.swiglu': pruning runs on the imported model, before the graph passes}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 16, hidden_dim = 8, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 4, max_seq_len = 32, tie_embeddings = true>} {
  func.func @forward(%arg0: tensor<?xi32>, %arg1: index, %arg2: index, %arg3: !dsc.kv_cache<1x2x4xf32>) -> tensor<?x8xf32> {
    %c = arith.constant dense<1.0> : tensor<2x8xf32>
    %t = tensor.cast %c : tensor<2x8xf32> to tensor<?x8xf32>
    %s = dsc.swiglu %t, %t : tensor<?x8xf32>
    return %s : tensor<?x8xf32>
  }
}

// -----

// expected-error@below {{pruning: weight 'token_embd' is quantized; pruning runs before quantization}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 16, hidden_dim = 8, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 4, max_seq_len = 32, tie_embeddings = true>} {
  dsc.global @token_embd : !dsc.qtensor<32x16xf32, #dsc.quant<i8, channel = 0, symmetric>> = #dsc.file<path = "@A@", offset = 28, size = 2048, encoding = f32>
  func.func @forward(%arg0: tensor<?xi32>, %arg1: index, %arg2: index, %arg3: !dsc.kv_cache<1x2x4xf32>) -> tensor<?x16xf32> {
    %0 = dsc.weight @token_embd : !dsc.qtensor<32x16xf32, #dsc.quant<i8, channel = 0, symmetric>>
    %1 = dsc.embedding %0[%arg0] : !dsc.qtensor<32x16xf32, #dsc.quant<i8, channel = 0, symmetric>>, tensor<?xi32> -> tensor<?x16xf32>
    return %1 : tensor<?x16xf32>
  }
}

// -----

// expected-error@below {{pruning: the model has no weight 'output_norm'}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 16, hidden_dim = 8, n_layers = 1, n_heads = 4, n_kv_heads = 2, head_dim = 4, max_seq_len = 32, tie_embeddings = true>} {
  dsc.global @token_embd : tensor<32x16xf32> = #dsc.file<path = "@A@", offset = 28, size = 2048, encoding = f32>
  func.func @forward(%arg0: tensor<?xi32>, %arg1: index, %arg2: index, %arg3: !dsc.kv_cache<1x2x4xf32>) -> tensor<?x16xf32> {
    %0 = dsc.weight @token_embd : tensor<32x16xf32>
    %1 = dsc.embedding %0[%arg0] : tensor<32x16xf32>, tensor<?xi32> -> tensor<?x16xf32>
    return %1 : tensor<?x16xf32>
  }
}

// -----

// A quarter of 4 heads is one query head: not a whole KV group of two, nor
// the same number in each of the two groups.
// expected-error@below {{--prune heads=0.25: 1 of 4 query heads (2 KV heads) is neither whole KV groups nor the same number of query heads in every group}}
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

