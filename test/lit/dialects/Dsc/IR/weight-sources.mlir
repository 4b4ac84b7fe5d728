// Weight sources: #dsc.file and the transforms wrapping it, alone and
// composed, print as they parse (also through the generic form).
// RUN: dsc-opt %s --split-input-file | FileCheck %s
// RUN: dsc-opt %s --split-input-file | dsc-opt --split-input-file | FileCheck %s
// RUN: dsc-opt %s --split-input-file --mlir-print-op-generic | dsc-opt --split-input-file | FileCheck %s

// CHECK-LABEL: dsc.global @file_f32 : tensor<512x64xf32> = #dsc.file<path = "m.bin", offset = 28, size = 131072, encoding = f32>
dsc.global @file_f32 : tensor<512x64xf32> = #dsc.file<path = "m.bin", offset = 28, size = 131072, encoding = f32>
// A 1-D weight is n rows of one element.
// CHECK: dsc.global @file_1d : tensor<64xf32> = #dsc.file<path = "m.bin", offset = 0, size = 256, encoding = f32>
dsc.global @file_1d : tensor<64xf32> = #dsc.file<path = "m.bin", offset = 0, size = 256, encoding = f32>
// 64 rows of two 34-byte Q8_0 blocks.
// CHECK: dsc.global @file_q8 : !dsc.qtensor<64x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> = #dsc.file<path = "m.gguf", offset = 4096, size = 4352, encoding = q8_0>
dsc.global @file_q8 : !dsc.qtensor<64x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> = #dsc.file<path = "m.gguf", offset = 4096, size = 4352, encoding = q8_0>

// -----

// The file holds [32, 16]; the weight is [16, 32].
// CHECK-LABEL: dsc.global @transpose : tensor<16x32xf16> = #dsc.transpose<#dsc.file<path = "model.onnx.data", offset = 64, size = 1024, encoding = f16>>
dsc.global @transpose : tensor<16x32xf16> = #dsc.transpose<#dsc.file<path = "model.onnx.data", offset = 64, size = 1024, encoding = f16>>

// -----

// CHECK-LABEL: dsc.global @rope : tensor<64x64xbf16> = #dsc.rope_permute<#dsc.file<path = "model.safetensors", offset = 0, size = 8192, encoding = bf16>, heads = 8>
dsc.global @rope : tensor<64x64xbf16> = #dsc.rope_permute<#dsc.file<path = "model.safetensors", offset = 0, size = 8192, encoding = bf16>, heads = 8>
// Biases are permuted too.
// CHECK: dsc.global @rope_bias : tensor<32xf32> = #dsc.rope_permute<#dsc.file<path = "model.safetensors", offset = 8192, size = 128, encoding = f32>, heads = 4>
dsc.global @rope_bias : tensor<32xf32> = #dsc.rope_permute<#dsc.file<path = "model.safetensors", offset = 8192, size = 128, encoding = f32>, heads = 4>

// -----

// Rows only, columns only, both; a 1-D source.
// CHECK-LABEL: dsc.global @slice_rows : tensor<3x6xf32> = #dsc.slice<#dsc.file<path = "m.bin", offset = 0, size = 96, encoding = f32>, shape = [4, 6], rows = [0, 2, 3]>
dsc.global @slice_rows : tensor<3x6xf32> = #dsc.slice<#dsc.file<path = "m.bin", offset = 0, size = 96, encoding = f32>, shape = [4, 6], rows = [0, 2, 3]>
// CHECK: dsc.global @slice_cols : tensor<4x2xf32> = #dsc.slice<#dsc.file<path = "m.bin", offset = 0, size = 96, encoding = f32>, shape = [4, 6], cols = [1, 5]>
dsc.global @slice_cols : tensor<4x2xf32> = #dsc.slice<#dsc.file<path = "m.bin", offset = 0, size = 96, encoding = f32>, shape = [4, 6], cols = [1, 5]>
// CHECK: dsc.global @slice_both : tensor<1x2xf32> = #dsc.slice<#dsc.file<path = "m.bin", offset = 0, size = 96, encoding = f32>, shape = [4, 6], rows = [3], cols = [0, 4]>
dsc.global @slice_both : tensor<1x2xf32> = #dsc.slice<#dsc.file<path = "m.bin", offset = 0, size = 96, encoding = f32>, shape = [4, 6], rows = [3], cols = [0, 4]>
// CHECK: dsc.global @slice_1d : tensor<2xf32> = #dsc.slice<#dsc.file<path = "m.bin", offset = 0, size = 16, encoding = f32>, shape = [4], rows = [1, 2]>
dsc.global @slice_1d : tensor<2xf32> = #dsc.slice<#dsc.file<path = "m.bin", offset = 0, size = 16, encoding = f32>, shape = [4], rows = [1, 2]>

// -----

// Calibration's rescaled sources: rows, columns or both.
// CHECK-LABEL: dsc.global @scaled_norm : tensor<2xf32> = #dsc.scaled<#dsc.file<path = "m.bin", offset = 0, size = 8, encoding = f32>, rows = dense<[2.000000e+00, 5.000000e-01]> : tensor<2xf32>>
dsc.global @scaled_norm : tensor<2xf32> = #dsc.scaled<#dsc.file<path = "m.bin", offset = 0, size = 8, encoding = f32>, rows = dense<[2.0, 0.5]> : tensor<2xf32>>
// CHECK: dsc.global @scaled_w : tensor<4x2xf16> = #dsc.scaled<#dsc.file<path = "m.bin", offset = 8, size = 16, encoding = f16>, cols = dense<[5.000000e-01, 2.000000e+00]> : tensor<2xf32>>
dsc.global @scaled_w : tensor<4x2xf16> = #dsc.scaled<#dsc.file<path = "m.bin", offset = 8, size = 16, encoding = f16>, cols = dense<[0.5, 2.0]> : tensor<2xf32>>
// CHECK: dsc.global @scaled_both : tensor<2x2xf32> = #dsc.scaled<#dsc.file<path = "m.bin", offset = 24, size = 16, encoding = f32>, rows = dense<[1.000000e+00, 3.000000e+00]> : tensor<2xf32>, cols = dense<2.500000e-01> : tensor<2xf32>>
dsc.global @scaled_both : tensor<2x2xf32> = #dsc.scaled<#dsc.file<path = "m.bin", offset = 24, size = 16, encoding = f32>, rows = dense<[1.0, 3.0]> : tensor<2xf32>, cols = dense<0.25> : tensor<2xf32>>

// -----

// Compositions: each transform sees the shape its outer one asks for.
// The file holds [8, 6]; rope_permute keeps it; slice keeps rows 0-3 and
// columns 1, 2, 4, 5 ([4, 4]); transpose gives [4, 4].
// CHECK-LABEL: dsc.global @transpose_slice_rope : tensor<4x4xf32> = #dsc.transpose<#dsc.slice<#dsc.rope_permute<#dsc.file<path = "m.bin", offset = 0, size = 192, encoding = f32>, heads = 2>, shape = [8, 6], rows = [0, 1, 2, 3], cols = [1, 2, 4, 5]>>
dsc.global @transpose_slice_rope : tensor<4x4xf32> = #dsc.transpose<#dsc.slice<#dsc.rope_permute<#dsc.file<path = "m.bin", offset = 0, size = 192, encoding = f32>, heads = 2>, shape = [8, 6], rows = [0, 1, 2, 3], cols = [1, 2, 4, 5]>>
// Scales after a slice count the kept rows; a transpose of a file [3, 2].
// CHECK: dsc.global @scaled_slice_transpose : tensor<1x3xf32> = #dsc.scaled<#dsc.slice<#dsc.transpose<#dsc.file<path = "m.bin", offset = 0, size = 24, encoding = f32>>, shape = [2, 3], rows = [1]>, rows = dense<2.000000e+00> : tensor<1xf32>, cols = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>>
dsc.global @scaled_slice_transpose : tensor<1x3xf32> = #dsc.scaled<#dsc.slice<#dsc.transpose<#dsc.file<path = "m.bin", offset = 0, size = 24, encoding = f32>>, shape = [2, 3], rows = [1]>, rows = dense<2.0> : tensor<1xf32>, cols = dense<[1.0, 2.0, 3.0]> : tensor<3xf32>>
// A rope permutation of a scaled, transposed ONNX projection.
// CHECK: dsc.global @rope_scaled_transpose : tensor<4x2xf16> = #dsc.rope_permute<#dsc.scaled<#dsc.transpose<#dsc.file<path = "m.onnx.data", offset = 0, size = 16, encoding = f16>>, cols = dense<5.000000e-01> : tensor<2xf32>>, heads = 1>
dsc.global @rope_scaled_transpose : tensor<4x2xf16> = #dsc.rope_permute<#dsc.scaled<#dsc.transpose<#dsc.file<path = "m.onnx.data", offset = 0, size = 16, encoding = f16>>, cols = dense<0.5> : tensor<2xf32>>, heads = 1>
