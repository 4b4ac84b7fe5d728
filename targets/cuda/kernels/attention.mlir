// Attention over the KV cache in device memory, for `rows` consecutive
// query positions first, first + 1, ... (decode: one; a prompt block:
// several, each seeing only the positions up to its own), first = at[0]
// read from device memory, so that a captured launch serves every
// position. For query row t and head h (a unit u = t * heads + h, of
// `heads`, sharing KV head h / (heads / kv_heads)),
//   out[t, h] = sum_p softmax_p(scale * q[t, h] . k[p]) v[p],  p <= first + t,
// q and out [rows, heads, head_dim], this layer's keys kc and values vc
// [kv_head, position, head_dim] (dsc/abi/kv_cache.h, the CPU's layout; C
// positions, their size over kv_heads x head_dim) holding the rows' own
// keys and values already (dsc_cuda_kv_store, or the RoPE launch's
// dsc_cuda_rope_kv). `scores` (rows x heads x P, P its size over the
// units, at least the positions seen) and `part` (rows x heads x W x
// head_dim: W, the block's warps, is its size over that) are scratch.
//
// One kernel, a block of W warps per unit, in four phases with a barrier
// between each (so that no thread walks a row alone: one thread per unit
// doing all of it took milliseconds a layer on an H200; and one launch
// where there were three, the decode step being bound by the number of
// kernels):
//   1. thread i of the block: the scores of positions i, i + 32 W, ...;
//   2. the scores' softmax in place (dsc_cuda_causal_softmax_block,
//      derived from the CPU's dsc.softmax: every warp finds the maximum
//      and the sum of the exponentials against it, lane l reading
//      positions l, l + 32, ..., the lanes combined by shuffles; then each
//      thread stores the weights exp(score - max) * (1 / sum) of its
//      positions i, i + 32 W, ...);
//   3. warp w, lane l: the weighted sum of values l, l + 32, ... over
//      positions w, w + W, ... (a warp reads 32 consecutive values of a
//      row at once) into part[u, w];
//   4. thread i: out[u, d] = the sum of part[u, 0 .. W - 1, d] for d = i,
//      i + 32 W, ...
// exp is dsc's polynomial (dsc-codegen-approximate-math), as on the CPU.

// Phase 2 for unit u's row of scores (u * P, P long) over its first
// at[0] + u / heads + 1 positions, in place, as thread `thread` of
// `threads`. Declared, not written: dsc-gpu-derive-kernels gives it the
// body the CPU path's lowering of dsc.softmax (lower::softmax) makes; the
// exponentials are computed again where the sum and the weights read
// them, so that they need no buffer. A helper: dsc-cuda-lower inlines it
// into the kernel.
func.func private @dsc_cuda_causal_softmax_block(%scores: memref<?xf32>,
                                                 %at: memref<?xi64>,
                                                 %u: index, %thread: index,
                                                 %threads: index,
                                                 %heads: index, %P: index)

func.func @dsc_cuda_attention(%q: memref<?xf32>, %kc: memref<?xf32>,
                              %vc: memref<?xf32>, %scores: memref<?xf32>,
                              %part: memref<?xf32>, %out: memref<?xf32>,
                              %at: memref<?xi64>, %rows: index, %heads: index,
                              %kvheads: index, %hd: index, %scale: f32)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %group = arith.divui %heads, %kvheads : index
  %units = arith.muli %rows, %heads : index
  %size = memref.dim %scores, %c0 : memref<?xf32>
  %P = arith.divui %size, %units : index
  // The block's warps, from the partial sums' size.
  %psize = memref.dim %part, %c0 : memref<?xf32>
  %perwarp = arith.muli %units, %hd : index
  %W = arith.divui %psize, %perwarp : index
  %threads = arith.muli %W, %c32 : index
  // The cache's positions, from its own size: a key's row is kvh * C + p.
  %kvdim = arith.muli %kvheads, %hd : index
  %csize = memref.dim %kc, %c0 : memref<?xf32>
  %C = arith.divui %csize, %kvdim : index
  scf.parallel (%u) = (%c0) to (%units) step (%c1) {
    scf.parallel (%i) = (%c0) to (%threads) step (%c1) {
      %first64 = memref.load %at[%c0] : memref<?xi64>
      %first = arith.index_cast %first64 : i64 to index
      %t = arith.divui %u, %heads : index
      %h = arith.remui %u, %heads : index
      %last = arith.addi %first, %t : index
      %npos = arith.addi %last, %c1 : index
      %kvh = arith.divui %h, %group : index
      %kvrow = arith.muli %kvh, %C : index
      %qbase = arith.muli %u, %hd : index
      %sr = arith.muli %u, %P : index
      // 1. The scores of positions i, i + threads, ...
      scf.for %p = %i to %npos step %threads {
        %krow = arith.addi %kvrow, %p : index
        %kbase = arith.muli %krow, %hd : index
        %dot = scf.for %d = %c0 to %hd step %c1 iter_args(%a = %zero) -> f32 {
          %qi = arith.addi %qbase, %d : index
          %ki = arith.addi %kbase, %d : index
          %qv = memref.load %q[%qi] : memref<?xf32>
          %kv = memref.load %kc[%ki] : memref<?xf32>
          %a2 = math.fma %qv, %kv, %a : f32
          scf.yield %a2 : f32
        }
        %s = arith.mulf %dot, %scale : f32
        %si = arith.addi %sr, %p : index
        memref.store %s, %scores[%si] : memref<?xf32>
      }
      gpu.barrier
      // 2. The weights, in place.
      func.call @dsc_cuda_causal_softmax_block(%scores, %at, %u, %i,
                                               %threads, %heads, %P)
          : (memref<?xf32>, memref<?xi64>, index, index, index, index,
             index) -> ()
      gpu.barrier
      // 3. Warp w's weighted sums of values l, l + 32, ... over positions
      // w, w + W, ...
      %w = arith.divui %i, %c32 : index
      %l = arith.remui %i, %c32 : index
      %uw = arith.muli %u, %W : index
      %uww = arith.addi %uw, %w : index
      %pbase = arith.muli %uww, %hd : index
      scf.for %d = %l to %hd step %c32 {
        %acc = scf.for %p = %w to %npos step %W
            iter_args(%a = %zero) -> f32 {
          %si = arith.addi %sr, %p : index
          %wt = memref.load %scores[%si] : memref<?xf32>
          %vrow = arith.addi %kvrow, %p : index
          %vbase = arith.muli %vrow, %hd : index
          %vi = arith.addi %vbase, %d : index
          %vv = memref.load %vc[%vi] : memref<?xf32>
          %a2 = math.fma %wt, %vv, %a : f32
          scf.yield %a2 : f32
        }
        %pi = arith.addi %pbase, %d : index
        memref.store %acc, %part[%pi] : memref<?xf32>
      }
      gpu.barrier
      // 4. The warps' sums added: values i, i + threads, ...
      scf.for %d = %i to %hd step %threads {
        %o = scf.for %v = %c0 to %W step %c1 iter_args(%a = %zero) -> f32 {
          %uv = arith.addi %uw, %v : index
          %vb = arith.muli %uv, %hd : index
          %pi = arith.addi %vb, %d : index
          %pv = memref.load %part[%pi] : memref<?xf32>
          %a2 = arith.addf %a, %pv : f32
          scf.yield %a2 : f32
        }
        %oi = arith.addi %qbase, %d : index
        memref.store %o, %out[%oi] : memref<?xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}

// The keys k and values v [rows, kv_heads * head_dim] of `rows` positions
// from at[0] into this layer's blocks kc and vc of the cache ([kv_heads,
// position, head_dim], dsc/abi/kv_cache.h, as on the CPU). A kernel rather
// than a copy so that the slot is read from device memory when the launch
// replays. Declared, not written: dsc-gpu-derive-kernels gives it the body
// the CPU path's store (lower::kvRows, dsc.attention's lowering) makes, a
// thread a value.
func.func private @dsc_cuda_kv_store(%k: memref<?xf32>, %v: memref<?xf32>,
                                     %kc: memref<?xf32>, %vc: memref<?xf32>,
                                     %at: memref<?xi64>, %rows: index,
                                     %kvheads: index, %hd: index)
