// Weight sources the verifiers refuse: bad parameters, and trees whose
// shapes do not fit the dsc.global they feed.
// RUN: dsc-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{file source needs a path}}
dsc.global @w : tensor<4xf32> = #dsc.file<path = "", offset = 0, size = 16, encoding = f32>

// -----

// expected-error @+1 {{file offset and size must not be negative}}
dsc.global @w : tensor<4xf32> = #dsc.file<path = "a", offset = -1, size = 16, encoding = f32>

// -----

// expected-error @+2 {{expected ::mlir::dsc::Encoding to be one of: f32, f16, bf16, q8_0, q4_0, q4_1, q5_0, q5_1, q2_k, q3_k, q4_k, q5_k, q6_k, q8_k, iq4_nl, iq4_xs}}
// expected-error @+1 {{failed to parse Dsc_FileSourceAttr parameter 'encoding'}}
dsc.global @w : tensor<4xf32> = #dsc.file<path = "a", offset = 0, size = 16, encoding = iq2_xxs>

// -----

// A Q4_K row of 256 values is one 144-byte block.
// expected-error @+1 {{#dsc.file at offset 0 holds 144 bytes, not a 2x256 q4_k tensor}}
dsc.global @w : !dsc.qtensor<2x256xf32, #dsc.quant<q4_k>> = #dsc.file<path = "a", offset = 0, size = 144, encoding = q4_k>

// -----

// The fix-ups are attributes of their own now.
// expected-error @+1 {{expected '>'}}
dsc.global @w : tensor<4xf32> = #dsc.file<path = "a", offset = 0, size = 16, encoding = f32, rope_heads = 1>

// -----

// expected-error @+1 {{'dsc.global' op #dsc.file at offset 0 holds 12 bytes, not a 4 f32 tensor}}
dsc.global @w : tensor<4xf32> = #dsc.file<path = "a", offset = 0, size = 12, encoding = f32>

// -----

// Q8_0 rows are whole 32-element blocks.
// expected-error @+1 {{'dsc.global' op #dsc.file at offset 0 holds 34 bytes, not a 2x16 q8_0 tensor}}
dsc.global @w : tensor<2x16xf32> = #dsc.file<path = "a", offset = 0, size = 34, encoding = q8_0>

// -----

// expected-error @+1 {{'dsc.global' op a weight's source must be a weight source (#dsc.file or a transform), not "m.bin"}}
dsc.global @w : tensor<2xf32> = "m.bin"

// -----

// expected-error @+1 {{a weight-source transform wraps a weight source (#dsc.file or a transform), not "m.bin"}}
dsc.global @w : tensor<2x2xf32> = #dsc.transpose<"m.bin">

// -----

// expected-error @+1 {{'dsc.global' op #dsc.transpose needs a 2-D weight, got shape 4}}
dsc.global @w : tensor<4xf32> = #dsc.transpose<#dsc.file<path = "a", offset = 0, size = 16, encoding = f32>>

// -----

// The inner file must hold the transposed shape: 32 rows of 2 elements are
// not whole Q8_0 blocks.
// expected-error @+1 {{'dsc.global' op #dsc.file at offset 0 holds 68 bytes, not a 32x2 q8_0 tensor}}
dsc.global @w : tensor<2x32xf32> = #dsc.transpose<#dsc.file<path = "a", offset = 0, size = 68, encoding = q8_0>>

// -----

// expected-error @+1 {{#dsc.rope_permute needs a positive number of heads, got 0}}
dsc.global @w : tensor<4xf32> = #dsc.rope_permute<#dsc.file<path = "a", offset = 0, size = 16, encoding = f32>, heads = 0>

// -----

// expected-error @+1 {{'dsc.global' op #dsc.rope_permute: 6 rows are not 2 heads of an even number of rows}}
dsc.global @w : tensor<6xf32> = #dsc.rope_permute<#dsc.file<path = "a", offset = 0, size = 24, encoding = f32>, heads = 2>

// -----

// expected-error @+1 {{#dsc.slice needs rows or cols to keep}}
dsc.global @w : tensor<4xf32> = #dsc.slice<#dsc.file<path = "a", offset = 0, size = 16, encoding = f32>, shape = [4]>

// -----

// expected-error @+1 {{#dsc.slice: row index 4 is outside [0, 4)}}
dsc.global @w : tensor<2xf32> = #dsc.slice<#dsc.file<path = "a", offset = 0, size = 16, encoding = f32>, shape = [4], rows = [0, 4]>

// -----

// expected-error @+1 {{#dsc.slice: column index -1 is outside [0, 3)}}
dsc.global @w : tensor<2x1xf32> = #dsc.slice<#dsc.file<path = "a", offset = 0, size = 24, encoding = f32>, shape = [2, 3], cols = [-1]>

// -----

// expected-error @+1 {{#dsc.slice: row indices must be strictly increasing, got 2 before 1}}
dsc.global @w : tensor<2xf32> = #dsc.slice<#dsc.file<path = "a", offset = 0, size = 16, encoding = f32>, shape = [4], rows = [2, 1]>

// -----

// expected-error @+1 {{#dsc.slice: column indices must be strictly increasing, got 1 before 1}}
dsc.global @w : tensor<2x2xf32> = #dsc.slice<#dsc.file<path = "a", offset = 0, size = 24, encoding = f32>, shape = [2, 3], cols = [1, 1]>

// -----

// expected-error @+1 {{#dsc.slice: cols of a 1-D source}}
dsc.global @w : tensor<1xf32> = #dsc.slice<#dsc.file<path = "a", offset = 0, size = 16, encoding = f32>, shape = [4], cols = [0]>

// -----

// expected-error @+1 {{#dsc.slice: the source shape must be 1-D or 2-D}}
dsc.global @w : tensor<1xf32> = #dsc.slice<#dsc.file<path = "a", offset = 0, size = 16, encoding = f32>, shape = [1, 2, 2], rows = [0]>

// -----

// expected-error @+1 {{'dsc.global' op #dsc.slice keeps 2x3 of its source, not the 3x3 asked of it}}
dsc.global @w : tensor<3x3xf32> = #dsc.slice<#dsc.file<path = "a", offset = 0, size = 48, encoding = f32>, shape = [4, 3], rows = [0, 1]>

// -----

// The slice's shape is what its source must hold.
// expected-error @+1 {{'dsc.global' op #dsc.file at offset 0 holds 16 bytes, not a 4x3 f32 tensor}}
dsc.global @w : tensor<2x3xf32> = #dsc.slice<#dsc.file<path = "a", offset = 0, size = 16, encoding = f32>, shape = [4, 3], rows = [0, 1]>

// -----

// expected-error @+1 {{a scaled source needs rows or cols factors}}
dsc.global @w : tensor<2xf32> = #dsc.scaled<#dsc.file<path = "a", offset = 0, size = 8, encoding = f32>, >

// -----

// expected-error @+1 {{scale factors must be a 1-D f32 tensor, got 'tensor<2xf16>'}}
dsc.global @w : tensor<2xf32> = #dsc.scaled<#dsc.file<path = "a", offset = 0, size = 8, encoding = f32>, rows = dense<1.0> : tensor<2xf16>>

// -----

// expected-error @+1 {{scale factors must be finite and non-zero}}
dsc.global @w : tensor<2xf32> = #dsc.scaled<#dsc.file<path = "a", offset = 0, size = 8, encoding = f32>, rows = dense<[1.0, 0.0]> : tensor<2xf32>>

// -----

// expected-error @+1 {{'dsc.global' op #dsc.scaled has 3 row factors for 2 rows}}
dsc.global @w : tensor<2xf32> = #dsc.scaled<#dsc.file<path = "a", offset = 0, size = 8, encoding = f32>, rows = dense<1.0> : tensor<3xf32>>

// -----

// expected-error @+1 {{'dsc.global' op #dsc.scaled has 2 column factors for a weight of shape 2}}
dsc.global @w : tensor<2xf32> = #dsc.scaled<#dsc.file<path = "a", offset = 0, size = 8, encoding = f32>, cols = dense<1.0> : tensor<2xf32>>

// -----

// Scales inside a slice count the source's rows, not the kept ones.
// expected-error @+1 {{'dsc.global' op #dsc.scaled has 1 row factors for 4 rows}}
dsc.global @w : tensor<1xf32> = #dsc.slice<#dsc.scaled<#dsc.file<path = "a", offset = 0, size = 16, encoding = f32>, rows = dense<2.0> : tensor<1xf32>>, shape = [4], rows = [3]>

// -----

// Inside a transpose, column factors count the file's columns.
// expected-error @+1 {{'dsc.global' op #dsc.scaled has 3 column factors for a weight of shape 3x2}}
dsc.global @w : tensor<2x3xf32> = #dsc.transpose<#dsc.scaled<#dsc.file<path = "a", offset = 0, size = 24, encoding = f32>, cols = dense<1.0> : tensor<3xf32>>>
