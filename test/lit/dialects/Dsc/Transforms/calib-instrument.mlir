// RUN: dsc-opt %s --split-input-file --dsc-calib-instrument --verify-diagnostics | FileCheck %s

// One observation point per activation that linear layers read, right after
// its definition, numbered in order of first read (%h before %x): q and k
// share one.
// CHECK-LABEL: func.func @forward
// CHECK: %[[X:.*]] = dsc.embedding
// CHECK-NEXT: dsc.observe %[[X]] as 1 : tensor<?x8xf32>
// CHECK: %[[H:.*]] = dsc.rms_norm
// CHECK-NEXT: dsc.observe %[[H]] as 0 : tensor<?x8xf32>
// CHECK: dsc.linear %[[H]], %{{.*}} : tensor<?x8xf32>, tensor<8x8xf32>
// CHECK: dsc.linear %[[H]], %{{.*}} : tensor<?x8xf32>, tensor<4x8xf32>
// CHECK: %[[Q:.*]] = dsc.linear %[[X]]
// CHECK-NEXT: dsc.observe %[[Q]] as 2 : tensor<?x8xf32>
// CHECK-NOT: dsc.observe
// CHECK: return
module attributes {dsc.config = #dsc.config<arch = "llama", vocab_size = 16, dim = 8, hidden_dim = 12, n_layers = 1, n_heads = 2, n_kv_heads = 1, head_dim = 4, max_seq_len = 32>} {
  dsc.global @emb : tensor<16x8xf32>
  dsc.global @norm : tensor<8xf32>
  dsc.global @wq : tensor<8x8xf32>
  dsc.global @wk : tensor<4x8xf32>
  func.func @forward(%tokens: tensor<?xi32>, %pos: index, %n_out: index, %cache: !dsc.kv_cache<1x1x4xf32>) -> tensor<?x8xf32> {
    %emb = dsc.weight @emb : tensor<16x8xf32>
    %norm = dsc.weight @norm : tensor<8xf32>
    %wq = dsc.weight @wq : tensor<8x8xf32>
    %wk = dsc.weight @wk : tensor<4x8xf32>
    %x = dsc.embedding %emb[%tokens] : tensor<16x8xf32>, tensor<?xi32> -> tensor<?x8xf32>
    %h = dsc.rms_norm %x, %norm {eps = 1.0e-05 : f64} : tensor<?x8xf32>, tensor<8xf32>
    %q = dsc.linear %h, %wq : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
    %k = dsc.linear %h, %wk : tensor<?x8xf32>, tensor<4x8xf32> -> tensor<?x4xf32>
    %p = dsc.linear %x, %wq : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
    %r = dsc.linear %p, %wq : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
    return %r : tensor<?x8xf32>
  }
}

// -----

// An argument that linear layers read is observed at the start.
// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[A:[^:]*]]: tensor<?x8xf32>
// CHECK-NEXT: dsc.observe %[[A]] as 0 : tensor<?x8xf32>
module {
  dsc.global @wq : tensor<8x8xf32>
  func.func @forward(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
    %wq = dsc.weight @wq : tensor<8x8xf32>
    %q = dsc.linear %a, %wq : tensor<?x8xf32>, tensor<8x8xf32> -> tensor<?x8xf32>
    return %q : tensor<?x8xf32>
  }
}

// -----

// expected-error @+1 {{no func.func @forward to instrument}}
module {
  func.func @other() {
    return
  }
}

// -----

module {
  // expected-error @+1 {{'func.func' op is instrumented already}}
  func.func @forward(%a: tensor<?x8xf32>) {
    dsc.observe %a as 0 : tensor<?x8xf32>
    return
  }
}
