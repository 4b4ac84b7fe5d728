// The element-wise kernels, declared here and not written:
// dsc-gpu-derive-kernels (dsc-cuda-lower's first step) gives them the body
// the CPU path's lowering makes of dsc.add, dsc.swiglu and dsc.rope (one
// linalg.generic each). One parallel loop each; dsc-cuda-lower tiles it
// into blocks of threads.

// y = a + b over n values.
func.func private @dsc_cuda_add(%a: memref<?xf32>, %b: memref<?xf32>,
                                %y: memref<?xf32>, %n: index)

// y = silu(a) * b over n values (the FFN's gate and up projections).
func.func private @dsc_cuda_swiglu(%a: memref<?xf32>, %b: memref<?xf32>,
                                   %y: memref<?xf32>, %n: index)

// RoPE on x [rows, heads, dim] in place, and on x2 [rows, heads2, dim]
// in the same launch (attention's q and k; heads2 = 0: x alone), row t at
// position at[0] + t (at: one i64 in device memory, so that a captured
// launch serves every position): pair (2j, 2j + 1) of every head of row t
// rotated by the angle whose cosine and sine are cos[p, j] and sin[p, j]
// (the RoPE tables [positions, dim / 2], as the CPU path computes them).
// A thread a pair runs the CPU's generic (lower::ropeRotate) for both of
// the pair's values, both loads before either store.
func.func private @dsc_cuda_rope(%x: memref<?xf32>, %x2: memref<?xf32>,
                                 %cos: memref<?xf32>, %sin: memref<?xf32>,
                                 %at: memref<?xi64>, %rows: index,
                                 %heads: index, %heads2: index, %dim: index)

// dsc_cuda_rope, with x2 a block's keys k [rows, heads2 * dim] (heads2 the
// KV heads, dim the head dim), and the keys and values v into this layer's
// blocks kc and vc of the KV cache as dsc_cuda_kv_store (attention.mlir)
// stores them: attention's cache store in the RoPE launch. The thread of
// a key's pair stores the pair into the cache once rotated, and the values
// at the same two places.
func.func private @dsc_cuda_rope_kv(%x: memref<?xf32>, %x2: memref<?xf32>,
                                    %cos: memref<?xf32>, %sin: memref<?xf32>,
                                    %at: memref<?xi64>, %rows: index,
                                    %heads: index, %heads2: index,
                                    %dim: index, %v: memref<?xf32>,
                                    %kc: memref<?xf32>, %vc: memref<?xf32>)
