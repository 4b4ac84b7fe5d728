// RUN: dsc-opt %s --split-input-file --dsc-gpu-derive-kernels -verify-diagnostics

// A hand-written body for a derived kernel: the derived one is the kernel.
module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_add has a body; declare it, and the pass derives it from the CPU path's lowering}}
  func.func @dsc_cuda_add(%a: memref<?xf32>, %b: memref<?xf32>,
                          %y: memref<?xf32>, %n: index) {
    return
  }
}

// -----

// A declaration the runtime would call with other arguments.
module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_swiglu is declared as '(memref<?xf32>) -> ()'; the kernel derived from the CPU path's lowering is '(memref<?xf32>, memref<?xf32>, memref<?xf32>, index) -> ()'}}
  func.func private @dsc_cuda_swiglu(memref<?xf32>)
}

// -----

module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_rms_norm is declared as '(memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index) -> ()'}}
  func.func private @dsc_cuda_rms_norm(memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index)
}

// -----

module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_rms_norm_v has a body}}
  func.func @dsc_cuda_rms_norm_v(%x: memref<?xf32>, %w: memref<?xf32>,
                                 %y: memref<?xf32>, %r: index, %d: index,
                                 %e: f32) {
    return
  }
}

// -----

module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_causal_softmax_block is declared as '(memref<?xf32>, memref<?xi32>, index, index, index, index, index) -> ()'}}
  func.func private @dsc_cuda_causal_softmax_block(memref<?xf32>, memref<?xi32>, index, index, index, index, index)
}

// -----

module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_rope has a body}}
  func.func @dsc_cuda_rope(%x: memref<?xf32>, %x2: memref<?xf32>,
                           %c: memref<?xf32>, %s: memref<?xf32>,
                           %at: memref<?xi64>, %r: index, %h: index,
                           %h2: index, %d: index) {
    return
  }
}

// -----

module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_embed_f16 is declared as '(memref<?xf32>, memref<?xi32>, memref<?xf32>, index, index) -> ()'}}
  func.func private @dsc_cuda_embed_f16(memref<?xf32>, memref<?xi32>, memref<?xf32>, index, index)
}

// -----

// The KV-cache store as the runtime used to call it (one kvdim, the cache
// [position, kvdim]): the derived kernel takes kv_heads and head_dim, to
// place each value in the CPU's layout.
module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_kv_store is declared as '(memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xi64>, index, index) -> ()'}}
  func.func private @dsc_cuda_kv_store(memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xi64>, index, index)
}

// -----

// RoPE with the cache store declared without the cache's value block.
module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_rope_kv is declared as '(memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xi64>, index, index, index, index, memref<?xf32>, memref<?xf32>) -> ()'}}
  func.func private @dsc_cuda_rope_kv(memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xi64>, index, index, index, index, memref<?xf32>, memref<?xf32>)
}

// -----

// The norm's factor declared with the dim as an f32: the derived helper
// takes the kernels' index (the GEMV's k).
module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_rms_factor is declared as '(f32, f32, f32) -> f32'; the kernel derived from the CPU path's lowering is '(f32, index, f32) -> f32'}}
  func.func private @dsc_cuda_rms_factor(f32, f32, f32) -> f32
}

// -----

// A lane's step of the sum of squares over eight values: the GEMVs' lanes
// take four at a time.
module {
  // expected-error @below {{dsc-gpu-derive-kernels: dsc_cuda_rms_squares is declared as '(vector<8xf32>, vector<8xf32>) -> vector<8xf32>'}}
  func.func private @dsc_cuda_rms_squares(vector<8xf32>, vector<8xf32>) -> vector<8xf32>
}
