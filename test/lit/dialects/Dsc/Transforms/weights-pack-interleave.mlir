// RUN: dsc-opt %s --dsc-weights-pack=target=x86_64-avx2 | FileCheck %s --check-prefix=BLOCKS
// x86_64-avx512 reads the blocks but keeps 4-row tiles unless asked.
// RUN: dsc-opt %s --dsc-weights-pack=target=x86_64-avx512 | FileCheck %s --check-prefix=TILES
// RUN: dsc-opt %s "--dsc-weights-pack=target=x86_64-avx512 interleave=true" | FileCheck %s --check-prefix=BLOCKS
// RUN: dsc-opt %s "--dsc-weights-pack=target=rpi5 interleave=true" | FileCheck %s --check-prefix=TILES
// RUN: not dsc-opt %s "--dsc-weights-pack=target=x86_64-avx2 interleave=yes" 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: dsc-opt %s --dsc-weights-pack=target=x86_64 | FileCheck %s --check-prefix=TILES
// RUN: dsc-opt %s --dsc-weights-pack=target=rpi5 | FileCheck %s --check-prefix=TILES
// The CUDA targets' host code is x86_64-avx2's: a forward pass left on the
// host (not placed on the device by dsc-gpu-place-forward) reads its blocks.
// RUN: dsc-opt %s --dsc-weights-pack=target=cuda-sm80 | FileCheck %s --check-prefix=BLOCKS
// RUN: dsc-opt %s "--dsc-weights-pack=target=x86_64-avx2 interleave=false" | FileCheck %s --check-prefix=TILES
// RUN: dsc-opt %s --dsc-target-attach=target=x86_64-avx2 --dsc-weights-pack --dsc-weights-assign-offsets --dsc-codegen-lower | FileCheck %s --check-prefix=KERNEL
// RUN: dsc-opt %s --dsc-target-attach=target=x86_64-avx512 "--dsc-weights-pack=interleave=true" --dsc-weights-assign-offsets --dsc-codegen-lower | FileCheck %s --check-prefix=KERNEL
// RUN: dsc-opt %s --dsc-target-attach=target=x86_64-avx512 --dsc-weights-pack --dsc-weights-assign-offsets --dsc-codegen-lower | FileCheck %s --check-prefix=KERNEL4
// RUN: dsc-opt %s --dsc-target-attach=target=rpi5 --dsc-weights-pack --dsc-weights-assign-offsets --dsc-codegen-lower | FileCheck %s --check-prefix=KERNEL4
// Blocks packed for one target and lowered for another that has no kernel
// for them: an error, not a call of the generic fallback.
// RUN: not dsc-opt %s --dsc-weights-pack=target=x86_64-avx2 --dsc-weights-assign-offsets --dsc-codegen-lower 2>&1 | FileCheck %s --check-prefix=NOKERNEL

// On x86_64-avx2 (and -avx512 with interleave=true), int4:group=32 weights that only linear layers
// read, with rows in sixteens, are stored in row-interleaved 16x32 blocks;
// other schemes and shapes, the table an embedding also reads, and every
// weight of other targets keep 4-row tiles.
// BLOCKS-LABEL: module attributes
// BLOCKS: dsc.global @wq : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 16, cols = 32>}
// BLOCKS: dsc.global @rows8 : !dsc.qtensor<8x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
// BLOCKS: dsc.global @g64 : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 64, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 64>}
// BLOCKS: dsc.global @asym : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, asymmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
// BLOCKS: dsc.global @f32s : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric>> {layout = #dsc.tiled<rows = 4, cols = 32>}
// BLOCKS: dsc.global @i8 : !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
// BLOCKS: dsc.global @emb : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
// TILES-LABEL: module attributes
// TILES: dsc.global @wq : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
// KERNEL-LABEL: func.func @dsc_forward
// KERNEL: dsc.ukernel linear_q4_r16 ins(%{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<1152xi8>) outs(%{{.*}} : tensor<?x32xf32>) args(%{{.*}}, %c64_i64{{[_0-9]*}}, %c32_i64{{[_0-9]*}} : i64, i64, i64)
// KERNEL: dsc.ukernel linear_q4_t4 ins(
// BADOPT: error: dsc-weights-pack: interleave must be auto, true or false, not 'yes'
// NOKERNEL: error: 'dsc.linear' op target 'x86_64' has no kernel for row-interleaved int4 blocks
// KERNEL4-LABEL: func.func @dsc_forward
// KERNEL4: dsc.ukernel linear_q4_t4 ins(%{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<1152xi8>)
// KERNEL4: dsc.ukernel linear_q4_t4 ins(
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 64, hidden_dim = 8, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 32, max_seq_len = 32, tie_embeddings = true>} {
  dsc.global @wq : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
  dsc.global @rows8 : !dsc.qtensor<8x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
  dsc.global @g64 : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 64, symmetric, scale = f16>>
  dsc.global @asym : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, asymmetric, scale = f16>>
  dsc.global @f32s : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f32>>
  dsc.global @i8 : !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>>
  dsc.global @emb : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x32xf32>) -> tensor<?x32xf32> {
    %emb = dsc.weight @emb : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    %x = dsc.embedding %emb[%tokens] : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>, tensor<?xi32> -> tensor<?x64xf32>
    %wq = dsc.weight @wq : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    %q = dsc.linear %x, %wq : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x32xf32>
    %r8 = dsc.weight @rows8 : !dsc.qtensor<8x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    %a = dsc.linear %x, %r8 : tensor<?x64xf32>, !dsc.qtensor<8x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x8xf32>
    %g64 = dsc.weight @g64 : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 64, symmetric, scale = f16>>
    %b = dsc.linear %x, %g64 : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 64, symmetric, scale = f16>> -> tensor<?x32xf32>
    %as = dsc.weight @asym : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, asymmetric, scale = f16>>
    %c = dsc.linear %x, %as : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, asymmetric, scale = f16>> -> tensor<?x32xf32>
    %f = dsc.weight @f32s : !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f32>>
    %d = dsc.linear %x, %f : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f32>> -> tensor<?x32xf32>
    %i8 = dsc.weight @i8 : !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>>
    %e = dsc.linear %x, %i8 : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i8, group = 32, symmetric, scale = f16>> -> tensor<?x32xf32>
    dsc.observe %q as 0 : tensor<?x32xf32>
    dsc.observe %a as 1 : tensor<?x8xf32>
    dsc.observe %b as 2 : tensor<?x32xf32>
    dsc.observe %c as 3 : tensor<?x32xf32>
    dsc.observe %d as 4 : tensor<?x32xf32>
    dsc.observe %e as 5 : tensor<?x32xf32>
    %l = dsc.linear %x, %emb : tensor<?x64xf32>, !dsc.qtensor<32x64xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x32xf32>
    return %l : tensor<?x32xf32>
  }
}

