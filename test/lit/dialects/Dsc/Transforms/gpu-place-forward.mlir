// RUN: dsc-opt %s --split-input-file --verify-diagnostics --dsc-gpu-place-forward | FileCheck %s
// The Layout phase's passes in order: placed on the device, the weights stay
// plain and the host forward only aborts.
// RUN: dsc-opt %s --split-input-file --verify-diagnostics --dsc-gpu-place-forward --dsc-weights-pack | FileCheck %s --check-prefix=PACK
// RUN: dsc-opt %s --split-input-file --verify-diagnostics --dsc-gpu-place-forward --dsc-weights-pack --dsc-weights-assign-offsets --dsc-codegen-lower | FileCheck %s --check-prefix=LOWER

// Every op has a device step: the forward pass goes to the device, and its
// quantized and float weights are left untiled (the plain layouts the
// device kernels read); a tile from an earlier compile is dropped.
// CHECK-LABEL: module attributes {{.*}}dsc.target = "cuda-sm80"
// CHECK: func.func @forward({{.*}} attributes {dsc.device_forward}
// PACK-LABEL: module attributes {{.*}}dsc.target = "cuda-sm80"
// PACK: dsc.global @emb : !dsc.qtensor<16x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>{{$}}
// PACK: dsc.global @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>{{$}}
// PACK: dsc.global @wf : tensor<32x32xf16>{{$}}
// PACK: dsc.global @norm : tensor<32xf32>{{$}}
// LOWER-LABEL: module attributes {{.*}}dsc.target = "cuda-sm80"
// LOWER: func.func @dsc_forward(
// LOWER-NEXT: %[[NO:.*]] = arith.constant false
// LOWER-NEXT: cf.assert %[[NO]], "the forward pass runs on the device"
// LOWER-NEXT: return
// LOWER-NOT: dsc.ukernel
// LOWER: llvm.mlir.global{{.*}}@dsc_model_desc
module attributes {dsc.target = "cuda-sm80", dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 32, hidden_dim = 32, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32, tie_embeddings = true>} {
  dsc.global @emb : !dsc.qtensor<16x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
  dsc.global @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
  dsc.global @wf : tensor<32x32xf16>
  dsc.global @norm : tensor<32xf32>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x16xf32> {
    %c0 = arith.constant 0 : index
    %emb = dsc.weight @emb : !dsc.qtensor<16x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
    %x = dsc.embedding %emb[%tokens] : !dsc.qtensor<16x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>, tensor<?xi32> -> tensor<?x32xf32>
    %nw = dsc.weight @norm : tensor<32xf32>
    %h = dsc.rms_norm %x, %nw {eps = 1.0e-05 : f64} : tensor<?x32xf32>, tensor<32xf32>
    %wq = dsc.weight @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>>
    %q = dsc.linear %h, %wq : tensor<?x32xf32>, !dsc.qtensor<32x32xf32, #dsc.quant<i4, group = 32, symmetric, scale = f16>> -> tensor<?x32xf32>
    %wf = dsc.weight @wf : tensor<32x32xf16>
    %f = dsc.linear %q, %wf : tensor<?x32xf32>, tensor<32x32xf16> -> tensor<?x32xf32>
    %s = dsc.add %x, %f : tensor<?x32xf32>
    %dim = tensor.dim %s, %c0 : tensor<?x32xf32>
    %first = arith.subi %dim, %n_out : index
    %last = tensor.extract_slice %s[%first, 0] [%n_out, 32] [1, 1] : tensor<?x32xf32> to tensor<?x32xf32>
    %l = dsc.linear %last, %emb : tensor<?x32xf32>, !dsc.qtensor<16x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>> -> tensor<?x16xf32>
    return %l : tensor<?x16xf32>
  }
}

// -----

// An op without a device step (a bias): the forward pass stays on the host,
// says why, and its weights get the host's tiles.
// CHECK-LABEL: module attributes {{.*}}dsc.target = "cuda-sm90"
// CHECK: func.func @forward({{.*}}) -> tensor<?x32xf32> {
// PACK-LABEL: module attributes {{.*}}dsc.target = "cuda-sm90"
// PACK: dsc.global @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
// LOWER-LABEL: module attributes {{.*}}dsc.target = "cuda-sm90"
// LOWER: dsc.ukernel linear_q8_t4
module attributes {dsc.target = "cuda-sm90", dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 32, hidden_dim = 32, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32, tie_embeddings = false>} {
  dsc.global @emb : tensor<32x32xf32>
  dsc.global @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
  dsc.global @bq : tensor<32xf32>
  // expected-remark @below {{the forward pass stays on the host: dsc.linear: a bias}}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x32xf32> {
    %emb = dsc.weight @emb : tensor<32x32xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<32x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
    %wq = dsc.weight @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
    %bq = dsc.weight @bq : tensor<32xf32>
    %q = dsc.linear %x, %wq, %bq : tensor<?x32xf32>, !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>, tensor<32xf32> -> tensor<?x32xf32>
    return %q : tensor<?x32xf32>
  }
}

// -----

// A CPU target: no device, no mark (a stale one goes), the CPU's tiles.
// CHECK-LABEL: module attributes {{.*}}dsc.target = "x86_64-avx2"
// CHECK: func.func @forward({{.*}}) -> tensor<?x32xf32> {
// PACK-LABEL: module attributes {{.*}}dsc.target = "x86_64-avx2"
// PACK: dsc.global @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>> {layout = #dsc.tiled<rows = 4, cols = 32>}
// LOWER-LABEL: module attributes {{.*}}dsc.target = "x86_64-avx2"
// LOWER: dsc.ukernel linear_q8_t4
module attributes {dsc.target = "x86_64-avx2", dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 32, hidden_dim = 32, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32, tie_embeddings = false>} {
  dsc.global @emb : tensor<32x32xf32>
  dsc.global @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x32xf32> attributes {dsc.device_forward} {
    %emb = dsc.weight @emb : tensor<32x32xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<32x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
    %wq = dsc.weight @wq : !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>>
    %q = dsc.linear %x, %wq : tensor<?x32xf32>, !dsc.qtensor<32x32xf32, #dsc.quant<i8, channel = 0, symmetric, scale = f16>> -> tensor<?x32xf32>
    return %q : tensor<?x32xf32>
  }
}

// -----

// Attention after the slice of the positions with logits: the device's head
// runs from a later row than its block's first position, whose position
// attention reads, so the forward pass stays on the host.
// CHECK-LABEL: module attributes {{.*}}dsc.target = "cuda-sm86"
// CHECK: func.func @forward({{.*}}) -> tensor<?x32xf32> {
// PACK-LABEL: module attributes {{.*}}dsc.target = "cuda-sm86"
// PACK: dsc.global @wk : tensor<16x32xf32> {layout =
// LOWER-LABEL: module attributes {{.*}}dsc.target = "cuda-sm86"
module attributes {dsc.target = "cuda-sm86", dsc.config = #dsc.config<arch = "llama", vocab_size = 32, dim = 32, hidden_dim = 32, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 16, max_seq_len = 32, tie_embeddings = false>} {
  dsc.global @emb : tensor<32x32xf32>
  dsc.global @wk : tensor<16x32xf32>
  // expected-remark @below {{the forward pass stays on the host: dsc.attention: the position read after the slice of the positions with logits}}
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x16xf32>) -> tensor<?x32xf32> {
    %c0 = arith.constant 0 : index
    %emb = dsc.weight @emb : tensor<32x32xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<32x32xf32>, tensor<?xi32> -> tensor<?x32xf32>
    %dim = tensor.dim %x, %c0 : tensor<?x32xf32>
    %first = arith.subi %dim, %n_out : index
    %last = tensor.extract_slice %x[%first, 0] [%n_out, 32] [1, 1] : tensor<?x32xf32> to tensor<?x32xf32>
    %wk = dsc.weight @wk : tensor<16x32xf32>
    %k = dsc.linear %last, %wk : tensor<?x32xf32>, tensor<16x32xf32> -> tensor<?x16xf32>
    %a = dsc.attention %last, %k, %k, %cache at %pos {layer = 0 : i64, n_heads = 2 : i64} : tensor<?x32xf32>, tensor<?x16xf32>, tensor<?x16xf32>, !dsc.kv_cache<1x1x16xf32> -> tensor<?x32xf32>
    return %a : tensor<?x32xf32>
  }
}
