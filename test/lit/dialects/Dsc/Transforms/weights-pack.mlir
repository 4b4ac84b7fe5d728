// RUN: dsc-opt %s --split-input-file --dsc-weights-pack | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-weights-pack --dsc-weights-assign-offsets --dsc-codegen-lower | FileCheck %s --check-prefix=KERNEL
// RUN: not dsc-opt %s --split-input-file --dsc-weights-pack=target=nosuch 2>&1 | FileCheck %s --check-prefix=BADTARGET
// The tile shapes come from the target registry; a device alias names the
// same entry as its target.
// RUN: dsc-opt %s --split-input-file --dsc-weights-pack=target=rpi5 | FileCheck %s

// Weights only linear layers read, with shapes the tiles divide, get the
// tiled layout; the rest stay row-major.
// CHECK-LABEL: module attributes
// CHECK: dsc.global @wq : tensor<8x32xf16> {layout = #dsc.tiled<rows = 4, cols = 16>}
// CHECK: dsc.global @odd : tensor<6x32xf32>{{$}}
// An embedding table that is also the classifier stays row-major.
// CHECK: dsc.global @emb : tensor<16x32xf32>{{$}}
// KERNEL: dsc.ukernel linear_f16_t4x16 ins(
// KERNEL: dsc.ukernel linear_f32 ins(
// KERNEL: dsc.ukernel linear_f32 ins(
// BADTARGET: error: unknown target 'nosuch' (known: x86_64, x86_64-avx2, x86_64-avxvnni, x86_64-avx512, aarch64 (also arm64), rpi4 (also raspberrypi4), rpi5 (also raspberrypi5), android-arm64 (also android), armv7 (also armhf), cuda-sm80 (also a100), cuda-sm86 (also rtx30), cuda-sm89 (also rtx40, l4), cuda-sm90 (also h100, h200))
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 32, hidden_dim = 8, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32, tie_embeddings = true>} {
  dsc.global @wq : tensor<8x32xf16>
  dsc.global @odd : tensor<6x32xf32>
  dsc.global @emb : tensor<16x32xf32>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x16xf32> {
    %emb = dsc.weight @emb : tensor<16x32xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
    %wq = dsc.weight @wq : tensor<8x32xf16>
    %q = dsc.linear %x, %wq : tensor<?x32xf32>, tensor<8x32xf16> -> tensor<?x8xf32>
    %odd = dsc.weight @odd : tensor<6x32xf32>
    %o = dsc.linear %x, %odd : tensor<?x32xf32>, tensor<6x32xf32> -> tensor<?x6xf32>
    // Observed, so that the lowering keeps these layers.
    dsc.observe %q as 0 : tensor<?x8xf32>
    dsc.observe %o as 1 : tensor<?x6xf32>
    %l = dsc.linear %x, %emb : tensor<?x32xf32>, tensor<16x32xf32> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}
