// RUN: dsc-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{no target has kernels for 16-bit weights (widths: 2 3 4 5 6 8)}}
dsc.global @w : !dsc.qtensor<4x4xf32, #dsc.quant<i16, tensor>>

// -----

// expected-error @+1 {{no target has kernels for 1-bit weights (widths: 2 3 4 5 6 8)}}
dsc.global @w : !dsc.qtensor<4x4xf32, #dsc.quant<i1, tensor>>

// -----

// expected-error @+1 {{channel axis must be 0 or 1, got 2}}
dsc.global @w : !dsc.qtensor<4x4xf32, #dsc.quant<i8, channel = 2>>

// -----

// expected-error @+1 {{group size must be positive, got 0}}
dsc.global @w : !dsc.qtensor<4x4xf32, #dsc.quant<i4, group = 0>>

// -----

// expected-error @+1 {{head size must be positive, got -4}}
dsc.global @w : !dsc.qtensor<4x4xf32, #dsc.quant<i4, head = -4>>

// -----

// expected-error @+1 {{scale type must be f32, f16 or i8, got 'i32'}}
dsc.global @w : !dsc.qtensor<4x4xf32, #dsc.quant<i4, group = 2, scale = i32>>

// -----

// expected-error @+1 {{unknown granularity 'block', expected tensor, channel, group or head}}
dsc.global @w : !dsc.qtensor<4x4xf32, #dsc.quant<i4, block = 2>>

// -----

// expected-error @+1 {{unknown quantization option 'signed', expected symmetric, asymmetric or scale}}
dsc.global @w : !dsc.qtensor<4x4xf32, #dsc.quant<i4, group = 2, signed>>

// -----

// expected-error @+1 {{qtensor shape does not fit its scheme: group size 32 does not divide the input dimension 172}}
dsc.global @w : !dsc.qtensor<64x172xf32, #dsc.quant<i4, group = 32>>

// -----

// expected-error @+1 {{qtensor shape does not fit its scheme: head size 48 does not divide the output dimension 64}}
dsc.global @w : !dsc.qtensor<64x172xf32, #dsc.quant<i4, head = 48>>

// -----

// expected-error @+1 {{qtensor shape does not fit its scheme: quantized weights must be 2-D}}
dsc.global @w : !dsc.qtensor<64xf32, #dsc.quant<i8, tensor>>

// -----

// expected-error @+1 {{qtensor element type must be a float type, got 'i32'}}
dsc.global @w : !dsc.qtensor<4x4xi32, #dsc.quant<i8, tensor>>

// -----

// expected-error @+1 {{qtensor dimensions must be positive}}
dsc.global @w : !dsc.qtensor<0x4xf32, #dsc.quant<i8, tensor>>

// -----

// expected-error @+1 {{kv_cache dimensions must be positive}}
func.func private @f(!dsc.kv_cache<0x4x8xf32>)

// -----

// expected-error @+1 {{no target keeps its KV cache in 'i8' (f32)}}
func.func private @f(!dsc.kv_cache<2x4x8xi8>)

// -----

// expected-error @+1 {{expected layers x kv_heads x head_dim x type}}
func.func private @f(!dsc.kv_cache<2x8xf32>)

// -----

// expected-error @+1 {{rope scaling factor must be >= 1, got 5.000000e-01}}
func.func private @f() attributes {s = #dsc.rope_scaling<factor = 0.5, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 8192>}

// -----

// expected-error @+1 {{rope scaling needs 0 < low_freq_factor < high_freq_factor}}
func.func private @f() attributes {s = #dsc.rope_scaling<factor = 8.0, low_freq_factor = 4.0, high_freq_factor = 1.0, original_max_position_embeddings = 8192>}

// -----

// expected-error @+1 {{original_max_position_embeddings must be positive}}
func.func private @f() attributes {s = #dsc.rope_scaling<factor = 8.0, low_freq_factor = 1.0, high_freq_factor = 4.0, original_max_position_embeddings = 0>}

// -----

// expected-error @+1 {{unknown architecture 'gpt2', expected llama, qwen2 or mistral}}
module attributes {dsc.config = #dsc.config<arch = "gpt2", vocab_size = 512, dim = 64, hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 8, max_seq_len = 512>} {}

// -----

// expected-error @+1 {{n_layers must be positive, got 0}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 64, hidden_dim = 172, n_layers = 0, n_heads = 8, n_kv_heads = 4, head_dim = 8, max_seq_len = 512>} {}

// -----

// expected-error @+1 {{n_heads (8) must be a multiple of n_kv_heads (3)}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 64, hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 3, head_dim = 8, max_seq_len = 512>} {}

// -----

// expected-error @+1 {{head_dim must be even for RoPE, got 7}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 56, hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 7, max_seq_len = 512>} {}

// -----

// expected-error @+1 {{rope_theta must be positive}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 64, hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 8, max_seq_len = 512, rope_theta = -1.0>} {}

// -----

// expected-error @+1 {{norm_eps must be positive}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 64, hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 8, max_seq_len = 512, norm_eps = 0.0>} {}

// -----

// expected-error @+1 {{sliding_window must not be negative}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 64, hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 8, max_seq_len = 512, sliding_window = -1>} {}

// -----

// expected-error @+2 {{expected 'true' or 'false'}}
// expected-error @+1 {{failed to parse Dsc_ModelConfigAttr parameter 'tie_embeddings'}}
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 64, hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 8, max_seq_len = 512, tie_embeddings = 1>} {}

// -----

// expected-error @+1 {{'dsc.config' must be a #dsc.config attribute}}
module attributes {dsc.config = 1 : i32} {}

// -----

module {
  // expected-error @+1 {{'dsc.config' is only valid on a module}}
  func.func private @f() attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 512, dim = 64, hidden_dim = 172, n_layers = 5, n_heads = 8, n_kv_heads = 4, head_dim = 8, max_seq_len = 512>}
}

// -----

// expected-error @+1 {{'dsc.tokenizer' must be a dictionary with string 'path' and 'kind'}}
module attributes {dsc.tokenizer = {path = "t.bin"}} {}

// -----

module {
  // expected-error @+1 {{'dsc.tokenizer' is only valid on a module}}
  func.func private @f() attributes {dsc.tokenizer = {path = "t.bin", kind = "llama2c"}}
}

// -----

// expected-error @+1 {{unknown dsc attribute 'dsc.bogus'}}
module attributes {dsc.bogus = 1 : i32} {}

// -----

// expected-error @+1 {{'dsc.global' op weights must be 1-D or 2-D, got rank 3}}
dsc.global @w : tensor<2x2x2xf32>

// -----

// expected-error @+1 {{'dsc.global' op offset must not be negative}}
dsc.global @w : tensor<4xf32> {offset = -8 : i64}

// -----

// expected-error @+1 {{'dsc.global' op attribute 'type' failed to satisfy constraint}}
dsc.global @w : tensor<?x4xf32>

// -----

func.func @f() {
  // expected-error @+1 {{'dsc.weight' op 'missing' does not reference a dsc.global}}
  %0 = dsc.weight @missing : tensor<4xf32>
  return
}

// -----

dsc.global @w : tensor<4xf32>
func.func @f() {
  // expected-error @+1 {{'dsc.weight' op result type 'tensor<8xf32>' does not match the global's type 'tensor<4xf32>'}}
  %0 = dsc.weight @w : tensor<8xf32>
  return
}

// -----

func.func @f(%t: tensor<512xf32>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{'dsc.embedding' op table must be 2-D [vocab, dim], got rank 1}}
  %0 = dsc.embedding %t[%ids] : tensor<512xf32>, tensor<?xi32> -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%t: tensor<512x64xf32>, %ids: tensor<?xi32>) {
  // expected-error @+1 {{'dsc.embedding' op result width 32 does not match table width 64}}
  %0 = dsc.embedding %t[%ids] : tensor<512x64xf32>, tensor<?xi32> -> tensor<?x32xf32>
  return
}

// -----

func.func @f(%t: tensor<512x64xf32>, %ids: tensor<3xi32>) {
  // expected-error @+1 {{'dsc.embedding' op result has 4 rows but there are 3 ids}}
  %0 = dsc.embedding %t[%ids] : tensor<512x64xf32>, tensor<3xi32> -> tensor<4x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{'dsc.rms_norm' op weight has 32 elements but the normalized dimension has 64}}
  %0 = dsc.rms_norm %x, %w {eps = 1.0e-05 : f64} : tensor<?x64xf32>, tensor<32xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'dsc.rms_norm' op eps must be positive}}
  %0 = dsc.rms_norm %x, %w {eps = 0.0 : f64} : tensor<?x64xf32>, tensor<64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{'dsc.linear' op weight must be 2-D [out, in], got rank 1}}
  %0 = dsc.linear %x, %w : tensor<?x64xf32>, tensor<64xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<172x32xf32>) {
  // expected-error @+1 {{'dsc.linear' op input has 64 columns but the weight expects 32 (weight is [out, in] = [172, 32])}}
  %0 = dsc.linear %x, %w : tensor<?x64xf32>, tensor<172x32xf32> -> tensor<?x172xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<172x64xf32>) {
  // expected-error @+1 {{'dsc.linear' op result has 64 columns but the weight has 172 output rows}}
  %0 = dsc.linear %x, %w : tensor<?x64xf32>, tensor<172x64xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<3x64xf32>, %w: tensor<172x64xf32>) {
  // expected-error @+1 {{'dsc.linear' op result has 2 rows but the input has 3}}
  %0 = dsc.linear %x, %w : tensor<3x64xf32>, tensor<172x64xf32> -> tensor<2x172xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %w: tensor<172x64xf32>, %b: tensor<64xf32>) {
  // expected-error @+1 {{'dsc.linear' op bias has 64 elements but the weight has 172 output rows}}
  %0 = dsc.linear %x, %w, %b : tensor<?x64xf32>, tensor<172x64xf32>, tensor<64xf32> -> tensor<?x172xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %p: index) {
  // expected-error @+1 {{'dsc.rope' op head_dim must be positive and even, got 7}}
  %0 = dsc.rope %x at %p {head_dim = 7 : i64, theta = 1.0e+04 : f64} : tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %p: index) {
  // expected-error @+1 {{'dsc.rope' op row width 64 is not a multiple of head_dim 48}}
  %0 = dsc.rope %x at %p {head_dim = 48 : i64, theta = 1.0e+04 : f64} : tensor<?x64xf32>
  return
}

// -----

func.func @f(%x: tensor<?x64xf32>, %p: index) {
  // expected-error @+1 {{'dsc.rope' op theta must be positive}}
  %0 = dsc.rope %x at %p {head_dim = 8 : i64, theta = 0.0 : f64} : tensor<?x64xf32>
  return
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %c: !dsc.kv_cache<2x4x8xf32>, %p: index) {
  // expected-error @+1 {{'dsc.attention' op layer 2 is out of range for a cache of 2 layers}}
  %0 = dsc.attention %q, %k, %k, %c at %p {layer = 2 : i64, n_heads = 8 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%q: tensor<?x48xf32>, %k: tensor<?x32xf32>, %c: !dsc.kv_cache<2x4x8xf32>, %p: index) {
  // expected-error @+1 {{'dsc.attention' op n_heads (6) must be a positive multiple of the cache's 4 KV heads}}
  %0 = dsc.attention %q, %k, %k, %c at %p {layer = 0 : i64, n_heads = 6 : i64} : tensor<?x48xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x48xf32>
  return
}

// -----

func.func @f(%q: tensor<?x32xf32>, %k: tensor<?x32xf32>, %c: !dsc.kv_cache<2x4x8xf32>, %p: index) {
  // expected-error @+1 {{'dsc.attention' op query has width 32, expected 8 heads x 8 = 64}}
  %0 = dsc.attention %q, %k, %k, %c at %p {layer = 0 : i64, n_heads = 8 : i64} : tensor<?x32xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x64xf32>, %c: !dsc.kv_cache<2x4x8xf32>, %p: index) {
  // expected-error @+1 {{'dsc.attention' op key has width 64, expected 4 heads x 8 = 32}}
  %0 = dsc.attention %q, %k, %k, %c at %p {layer = 0 : i64, n_heads = 8 : i64} : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %v: tensor<?x16xf32>, %c: !dsc.kv_cache<2x4x8xf32>, %p: index) {
  // expected-error @+1 {{'dsc.attention' op value has width 16, expected 4 heads x 8 = 32}}
  %0 = dsc.attention %q, %k, %v, %c at %p {layer = 0 : i64, n_heads = 8 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x16xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %c: !dsc.kv_cache<2x4x8xf32>, %p: index) {
  // expected-error @+1 {{'dsc.attention' op result has width 32, expected 8 heads x 8 = 64}}
  %0 = dsc.attention %q, %k, %k, %c at %p {layer = 0 : i64, n_heads = 8 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x32xf32>
  return
}

// -----

func.func @f(%q: tensor<2x64xf32>, %k: tensor<3x32xf32>, %c: !dsc.kv_cache<2x4x8xf32>, %p: index) {
  // expected-error @+1 {{'dsc.attention' op query, key, value and result must have the same number of rows}}
  %0 = dsc.attention %q, %k, %k, %c at %p {layer = 0 : i64, n_heads = 8 : i64} : tensor<2x64xf32>, tensor<3x32xf32>, tensor<3x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<2x64xf32>
  return
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %c: !dsc.kv_cache<2x4x8xf32>, %p: index) {
  // expected-error @+1 {{'dsc.attention' op window must not be negative}}
  %0 = dsc.attention %q, %k, %k, %c at %p {layer = 0 : i64, n_heads = 8 : i64, window = -1 : i64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x64xf32>
  return
}

// -----

func.func @f(%q: tensor<?x64xf32>, %k: tensor<?x32xf32>, %c: !dsc.kv_cache<2x4x8xf32>, %p: index) {
  // expected-error @+1 {{'dsc.attention' op scale must be positive}}
  %0 = dsc.attention %q, %k, %k, %c at %p {layer = 0 : i64, n_heads = 8 : i64, scale = 0.0 : f64} : tensor<?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>, !dsc.kv_cache<2x4x8xf32> -> tensor<?x64xf32>
  return
}

// -----

// Activations are [tokens, width] with a static width: what the lowering's
// loops and kernels take.
func.func @f(%a: tensor<2x4x64xf32>) {
  // expected-error @+1 {{'dsc.add' op operand #0 must be 2-D f32 tensor [tokens, width] of static width, but got 'tensor<2x4x64xf32>'}}
  %0 = "dsc.add"(%a, %a) : (tensor<2x4x64xf32>, tensor<2x4x64xf32>) -> tensor<2x4x64xf32>
  return
}

// -----

func.func @f(%a: tensor<4x?xf32>) {
  // expected-error @+1 {{'dsc.silu' op operand #0 must be 2-D f32 tensor [tokens, width] of static width, but got 'tensor<4x?xf32>'}}
  %0 = "dsc.silu"(%a) : (tensor<4x?xf32>) -> tensor<4x?xf32>
  return
}

// -----

func.func @f(%a: tensor<?x64xf32>, %b: tensor<?x32xf32>) {
  // expected-error @+1 {{'dsc.add' op requires the same type for all operands and results}}
  %0 = "dsc.add"(%a, %b) : (tensor<?x64xf32>, tensor<?x32xf32>) -> tensor<?x64xf32>
  return
}

// -----

// expected-error @+1 {{'dsc.global' op tiles of 4x16 do not divide the weight's shape 6x32}}
dsc.global @w : tensor<6x32xf32> {layout = #dsc.tiled<rows = 4, cols = 16>}

// -----

// expected-error @+1 {{'dsc.global' op a tiled layout needs a 2-D weight}}
dsc.global @w : tensor<64xf32> {layout = #dsc.tiled<rows = 4, cols = 16>}

// -----

// expected-error @+1 {{tile sizes must be positive, got 0x16}}
dsc.global @w : tensor<8x32xf32> {layout = #dsc.tiled<rows = 0, cols = 16>}

// -----

// expected-error @+1 {{'dsc.digest' must be a string on a dsc.global}}
dsc.global @w : tensor<4xf32> {dsc.digest = 3 : i64}

// -----

// expected-error @+1 {{'dsc.weights_size' must be an integer on a module}}
module attributes {dsc.weights_size = "big"} {}

// -----

// expected-error @+1 {{'dsc.model_id' must be an integer on a module}}
func.func private @f() attributes {dsc.model_id = 3 : i64}

// -----

// expected-error @+1 {{'dsc.global' op a quantized weight is tiled by 4 rows and its 32-column groups, not 4x16}}
dsc.global @w : !dsc.qtensor<8x64xf32, #dsc.quant<i4, group = 32>> {layout = #dsc.tiled<rows = 4, cols = 16>}

// -----

// expected-error @+1 {{'dsc.global' op row-interleaved tiles (16 rows) hold 4-bit symmetric values in groups of 32 with f16 scales (int4:group=32)}}
dsc.global @w : !dsc.qtensor<16x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 16, cols = 32>}

// -----

// expected-error @+1 {{'dsc.global' op row-interleaved tiles (16 rows) hold 4-bit symmetric values in groups of 32 with f16 scales (int4:group=32)}}
dsc.global @w : !dsc.qtensor<16x64xf32, #dsc.quant<i4, group = 32, asymmetric, scale = f16>> {layout = #dsc.tiled<rows = 16, cols = 32>}

// -----

// expected-error @+1 {{'dsc.global' op tiles of 16x32 do not divide the weight's shape 8x64}}
dsc.global @w : !dsc.qtensor<8x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 16, cols = 32>}

// -----

// expected-error @+1 {{'dsc.global' op row-interleaved tiles (16 rows) hold 4-bit symmetric values in groups of 32 with f16 scales (int4:group=32)}}
dsc.global @w : !dsc.qtensor<16x64xf32, #dsc.quant<i4, group = 32, symmetric>> {layout = #dsc.tiled<rows = 16, cols = 32>}

// -----

// expected-error @+1 {{'dsc.global' op row-interleaved tiles (16 rows) hold 4-bit symmetric values in groups of 32 with f16 scales (int4:group=32)}}
dsc.global @w : !dsc.qtensor<16x64xf32, #dsc.quant<i4, group = 64, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 16, cols = 32>}

// -----

// expected-error @+1 {{'dsc.global' op row-interleaved tiles (16 rows) hold 4-bit symmetric values in groups of 32 with f16 scales (int4:group=32)}}
dsc.global @w : !dsc.qtensor<16x256xf32, #dsc.quant<i4, group = 32, symmetric, scale = i8>> {layout = #dsc.tiled<rows = 16, cols = 32>}

// -----

// expected-error @+1 {{'dsc.global' op row-interleaved tiles are 16x32, not 16x64}}
dsc.global @w : !dsc.qtensor<16x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 16, cols = 64>}

// -----

// expected-error @+1 {{no target has kernels for 7-bit weights (widths: 2 3 4 5 6 8)}}
dsc.global @w : !dsc.qtensor<8x64xf32, #dsc.quant<i7, group = 32>> {layout = #dsc.tiled<rows = 4, cols = 32>}

// -----

// expected-error @+1 {{3-bit values are stored in blocks of 32 columns; a scale group of 16 columns is not a multiple}}
dsc.global @w : !dsc.qtensor<8x64xf32, #dsc.quant<i3, group = 16>> {layout = #dsc.tiled<rows = 4, cols = 16>}

// -----

// expected-error @+1 {{6-bit values are stored in blocks of 32 columns; a scale group of 48 columns is not a multiple}}
dsc.global @w : !dsc.qtensor<8x96xf32, #dsc.quant<i6, group = 48>>

// -----

// expected-error @+1 {{2-bit values are stored in blocks of 32 columns; a scale group of 100 columns is not a multiple}}
dsc.global @w : !dsc.qtensor<8x100xf32, #dsc.quant<i2, channel = 0, asymmetric>>

// -----

// expected-error @+1 {{group size 64 does not divide the input dimension 96}}
dsc.global @w : !dsc.qtensor<8x96xf32, #dsc.quant<i5, group = 64>>

// -----

// expected-error @+1 {{4-bit values are stored in blocks of 32 columns; a scale group of 16 columns is not a multiple}}
dsc.global @w : !dsc.qtensor<8x64xf32, #dsc.quant<i4, group = 16>> {layout = #dsc.tiled<rows = 4, cols = 16>}

// -----

// expected-error @+1 {{per-column scales (channel = 1) have no tiled layout; use channel = 0 or groups}}
dsc.global @w : !dsc.qtensor<8x64xf32, #dsc.quant<i8, channel = 1>> {layout = #dsc.tiled<rows = 4, cols = 64>}

// -----

// expected-error @+1 {{unknown target 'riscv64' (known: x86_64, x86_64-avx2, x86_64-avxvnni, x86_64-avx512, aarch64 (also arm64), rpi4 (also raspberrypi4), rpi5 (also raspberrypi5), android-arm64 (also android), armv7 (also armhf), cuda-sm80 (also a100), cuda-sm86 (also rtx30), cuda-sm89 (also rtx40, l4), cuda-sm90 (also h100, h200))}}
module attributes {dsc.target = "riscv64"} {
}

// -----

// expected-error @+1 {{'dsc.target' must be a string on a module}}
dsc.global @w : tensor<8x64xf32> {dsc.target = "x86_64"}

// -----

// expected-error @+1 {{'dsc.quantize' must be a #dsc.quant scheme or false on a dsc.global}}
dsc.global @w : tensor<8x64xf32> {dsc.quantize = "int4:group=32"}

// -----

// expected-error @+1 {{'dsc.quantize' must be a #dsc.quant scheme or false on a dsc.global}}
dsc.global @w : tensor<8x64xf32> {dsc.quantize = true}

// -----

func.func @observe(%x: tensor<?x64xf32>) {
  // expected-error @+1 {{'dsc.observe' op observation id must not be negative, got -1}}
  dsc.observe %x as -1 : tensor<?x64xf32>
  return
}

// -----

// expected-error @+1 {{'dsc.importance' must be a 1-D f32 tensor on a dsc.global}}
dsc.global @w : tensor<4x2xf32> {dsc.importance = dense<1.0> : tensor<2xf16>}

// -----

// expected-error @+1 {{'dsc.importance' has 4 values for a weight of shape 'tensor<4x2xf32>'}}
dsc.global @w : tensor<4x2xf32> {dsc.importance = dense<1.0> : tensor<4xf32>}

// -----

// expected-error @+1 {{'dsc.importance' values must be finite and non-negative}}
dsc.global @w : tensor<4x2xf32> {dsc.importance = dense<[1.0, -2.0]> : tensor<2xf32>}

// -----

func.func @f(%x: tensor<?x8xf32>, %i: i64) {
  // expected-error @+2 {{unknown micro-kernel 'linear_f64' (see dsc/abi/kernels.def)}}
  // expected-error @+1 {{invalid value for property kernel}}
  dsc.ukernel linear_f64 ins(%x : tensor<?x8xf32>) args(%i : i64)
  return
}

// -----

func.func @f(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %i: i64) {
  // expected-error @+1 {{'dsc.ukernel' op 'linear_f32' takes 3 pointers, got 2 ins and outs}}
  dsc.ukernel linear_f32 ins(%x, %w : tensor<?x8xf32>, tensor<4x8xf32>) args(%i, %i, %i : i64, i64, i64)
  return
}

// -----

func.func @f(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %y: tensor<?x4xf32>, %i: i64) {
  // expected-error @+1 {{'dsc.ukernel' op 'linear_f32' takes 3 scalars, got 2}}
  %r = dsc.ukernel linear_f32 ins(%x, %w : tensor<?x8xf32>, tensor<4x8xf32>) outs(%y : tensor<?x4xf32>) args(%i, %i : i64, i64) -> tensor<?x4xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %y: tensor<?x4xf32>, %i: i64, %s: f32) {
  // expected-error @+1 {{'dsc.ukernel' op scalar #2 of 'linear_f32' must be 'i64', got 'f32'}}
  %r = dsc.ukernel linear_f32 ins(%x, %w : tensor<?x8xf32>, tensor<4x8xf32>) outs(%y : tensor<?x4xf32>) args(%i, %i, %s : i64, i64, f32) -> tensor<?x4xf32>
  return
}

// -----

func.func @f(%x: tensor<?x8xf32>, %w: tensor<4x8xf32>, %y: tensor<?x4xf32>, %i: i64) {
  // expected-error @+1 {{'dsc.ukernel' op results must have the types of the tensors in outs}}
  %r = dsc.ukernel linear_f32 ins(%x, %w : tensor<?x8xf32>, tensor<4x8xf32>) outs(%y : tensor<?x4xf32>) args(%i, %i, %i : i64, i64, i64) -> tensor<?x8xf32>
  return
}

// -----

// Activations have a static width: the lowering's loops and kernels take it
// as a constant.
func.func @f(%x: tensor<?x?xf32>, %w: tensor<4x8xf32>) {
  // expected-error @+1 {{operand #0 must be 2-D f32 tensor [tokens, width] of static width}}
  %y = dsc.linear %x, %w : tensor<?x?xf32>, tensor<4x8xf32> -> tensor<?x4xf32>
  return
}

// -----

// What the kernels read, and nothing else: scales in f16 or f32 (the
// writer has no bf16 scales), a KV cache in the registry's element type,
// quantized rows in whole tiles of 4.
// expected-error @+1 {{scale type must be f32, f16 or i8, got 'bf16'}}
dsc.global @w : !dsc.qtensor<8x64xf32, #dsc.quant<i8, channel = 0, scale = bf16>>

// -----

// expected-error @+1 {{no target keeps its KV cache in 'f16' (f32)}}
func.func private @f(!dsc.kv_cache<2x4x8xf16>)

// -----

// expected-error @+1 {{quantized weights are stored in tiles of 4 rows; 6 rows are not a multiple}}
dsc.global @w : !dsc.qtensor<6x64xf32, #dsc.quant<i8, channel = 0>>

// -----

// ggml block formats: their rows are whole blocks, they are never tiled.
// expected-error @+1 {{qtensor shape does not fit its scheme: q4_k stores rows in blocks of 256 values; 320 columns are not a multiple}}
dsc.global @w : !dsc.qtensor<8x320xf32, #dsc.quant<q4_k>>

// -----

// expected-error @+1 {{expected an integer type or a ggml block format (q2_k, q3_k, q4_k, q5_k, q6_k, q8_k, iq4_nl, iq4_xs, q4_0, q4_1, q5_0, q5_1, q8_0), got 'iq2_xxs'}}
dsc.global @w : !dsc.qtensor<8x256xf32, #dsc.quant<iq2_xxs>>

// -----

// expected-error @+1 {{'dsc.global' op weights stored as ggml blocks are not tiled}}
dsc.global @w : !dsc.qtensor<8x256xf32, #dsc.quant<q6_k>> {layout = #dsc.tiled<rows = 4, cols = 256>}


// -----

// expected-error @+1 {{i8 scales (codes of a super-block scale) need groups of 32 columns}}
dsc.global @w : !dsc.qtensor<4x512xf32, #dsc.quant<i4, group = 64, symmetric, scale = i8>>

// -----

// expected-error @+1 {{i8 scales need 2- to 6-bit values, got 8}}
dsc.global @w : !dsc.qtensor<4x512xf32, #dsc.quant<i8, group = 32, symmetric, scale = i8>>

// -----

// expected-error @+1 {{i8 scales with zero points need 2- to 4-bit values (zero points are 4 bits), got 5}}
dsc.global @w : !dsc.qtensor<4x512xf32, #dsc.quant<i5, group = 32, asymmetric, scale = i8>>

// -----

// expected-error @+1 {{qtensor shape does not fit its scheme: i8 scales need super-blocks of a multiple of 64 columns; 96 columns are not a multiple}}
dsc.global @w : !dsc.qtensor<4x96xf32, #dsc.quant<i4, group = 32, symmetric, scale = i8>>

// -----

// expected-error @+1 {{'dsc.host_kernel' must be a unit attribute on a function}}
dsc.global @w : tensor<4xf32> {dsc.host_kernel}

// -----

// expected-error @+1 {{'dsc.host_kernel' must be a unit attribute on a function}}
func.func @k() attributes {dsc.host_kernel = 1 : i64} {
  return
}

// -----

// expected-error @+1 {{'dsc.device_forward' must be a unit attribute on the forward function}}
func.func @not_forward() attributes {dsc.device_forward} {
  return
}

// -----

// expected-error @+1 {{'dsc.device_forward' must be a unit attribute on the forward function}}
dsc.global @w : tensor<4xf32> {dsc.device_forward}

// -----

func.func @prefill_products_not_bf16(%x: tensor<?x16xf32>, %a: tensor<8x16xf16>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'dsc.linear' op prefill_products must be bf16 or f16, got 'f32'}}
  %0 = dsc.linear %x, %a {prefill_products = f32} : tensor<?x16xf32>, tensor<8x16xf16> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @prefill_products_quantized(%x: tensor<?x32xf32>, %w: !dsc.qtensor<8x32xf32, #dsc.quant<i4, group = 32>>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'dsc.linear' op prefill_products = bf16 applies to float weights, not '!dsc.qtensor<8x32xf32, #dsc.quant<i4, group = 32, symmetric>>'}}
  %0 = dsc.linear %x, %w {prefill_products = bf16} : tensor<?x32xf32>, !dsc.qtensor<8x32xf32, #dsc.quant<i4, group = 32>> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @prefill_products_f16_f32_weight(%x: tensor<?x16xf32>, %a: tensor<8x16xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'dsc.linear' op prefill_products = f16 applies to f16 and quantized weights, not 'tensor<8x16xf32>'}}
  %0 = dsc.linear %x, %a {prefill_products = f16} : tensor<?x16xf32>, tensor<8x16xf32> -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// dsc-gpu-derive-kernels' mark names the dsc op whose lowering a kernel is.
// expected-error @+1 {{'dsc.derived_from' must name an operation on a function}}
func.func @k(%x: memref<?xf32>) attributes {dsc.derived_from = "dsc.no_such_op"} {
  return
}

// -----

// expected-error @+1 {{'dsc.derived_from' must name an operation on a function}}
dsc.global @w : tensor<4xf32> {dsc.derived_from = "dsc.rms_norm"}

// -----

// expected-error @+1 {{'dsc.warp_rows' must be an integer on a function}}
func.func @k() attributes {dsc.warp_rows = "four"} {
  return
}

// -----

// expected-error @+1 {{'dsc.scales' must be a unit attribute on a function argument of 1-D f32 memref type}}
func.func private @scales_f16(memref<?xf16> {dsc.scales})

// -----

// expected-error @+1 {{'dsc.scales' must be a unit attribute on a function argument of 1-D f32 memref type}}
func.func private @scales_not_unit(memref<?xf32> {dsc.scales = 1 : i32})

// -----

// expected-error @+1 {{unknown dsc argument attribute 'dsc.scale'}}
func.func private @misspelt(memref<?xf32> {dsc.scale})

// -----

// expected-error @+1 {{'dsc.name' must be a string}}
func.func private @name_not_string(index {dsc.name = 1 : i32})
