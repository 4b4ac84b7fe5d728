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
// dsc_cuda_rope_kv). `scores` (rows x heads x P,
// P its size over the units, at least the positions seen) is scratch.
// Three kernels, so that no
// thread walks a row alone (one thread per unit doing all of it took
// milliseconds a layer on an H200):
//   1. a thread per unit and position: the score;
//   2. a warp a unit: the scores' softmax over the positions it sees, in
//      place (dsc_cuda_causal_softmax, derived from the CPU's dsc.softmax:
//      the maximum and the sum of the exponentials against it, lane l
//      reading positions l, l + 32, ..., the lanes' values combined by
//      shuffles; each score replaced by exp(score - max) * (1 / sum));
//   3. a warp per unit and value, its lanes splitting the positions: the
//      weighted sum of the values, the lanes' sums added by shuffles.
// exp is dsc's polynomial (dsc-codegen-approximate-math), as on the CPU.

// Softmax of each unit's scores (u * P, P long) over its first
// at[0] + u / heads + 1 positions, in place. Declared, not written:
// dsc-gpu-derive-kernels gives it the body the CPU path's lowering of
// dsc.softmax (lower::softmax) makes, a warp a unit; the exponentials are
// computed again where the sum and the weights read them, so that they
// need no buffer. A helper: dsc-cuda-lower inlines it into the kernel.
func.func private @dsc_cuda_causal_softmax(%scores: memref<?xf32>,
                                           %at: memref<?xi64>, %units: index,
                                           %heads: index, %P: index)

func.func @dsc_cuda_attention(%q: memref<?xf32>, %kc: memref<?xf32>,
                              %vc: memref<?xf32>, %scores: memref<?xf32>,
                              %out: memref<?xf32>,
                              %at: memref<?xi64>, %rows: index, %heads: index,
                              %kvheads: index, %hd: index, %scale: f32)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c7 = arith.constant 7 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %group = arith.divui %heads, %kvheads : index
  %units = arith.muli %rows, %heads : index
  %size = memref.dim %scores, %c0 : memref<?xf32>
  %P = arith.divui %size, %units : index
  // The cache's positions, from its own size: a key's row is kvh * C + p.
  %kvdim = arith.muli %kvheads, %hd : index
  %csize = memref.dim %kc, %c0 : memref<?xf32>
  %C = arith.divui %csize, %kvdim : index
  scf.parallel (%u, %p) = (%c0, %c0) to (%units, %P) step (%c1, %c1) {
    %first64 = memref.load %at[%c0] : memref<?xi64>
    %first = arith.index_cast %first64 : i64 to index
    %t = arith.divui %u, %heads : index
    %last = arith.addi %first, %t : index
    %seen = arith.cmpi ule, %p, %last : index
    scf.if %seen {
      %h = arith.remui %u, %heads : index
      %kvh = arith.divui %h, %group : index
      %qbase = arith.muli %u, %hd : index
      %kvrow = arith.muli %kvh, %C : index
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
      %sr = arith.muli %u, %P : index
      %si = arith.addi %sr, %p : index
      memref.store %s, %scores[%si] : memref<?xf32>
    }
    scf.reduce
  }
  // The weights, in place: dsc_cuda_causal_softmax (below).
  func.call @dsc_cuda_causal_softmax(%scores, %at, %units, %heads, %P)
      : (memref<?xf32>, memref<?xi64>, index, index, index) -> ()
  // A block per unit and 8 values, a warp per value (a tail block's spare
  // warps repeat the last value and store nothing), lane l summing
  // positions l, l + 32, ...: the warps of a block read the same 32-byte
  // pieces of the values' rows, and a lane's walk is a 32nd of the
  // positions.
  %hd7 = arith.addi %hd, %c7 : index
  %dgroups = arith.divui %hd7, %c8 : index
  %hdl = arith.subi %hd, %c1 : index
  scf.parallel (%u, %dg) = (%c0, %c0) to (%units, %dgroups) step (%c1, %c1) {
    scf.parallel (%l, %dw) = (%c0, %c0) to (%c32, %c8) step (%c1, %c1) {
      %first64 = memref.load %at[%c0] : memref<?xi64>
      %first = arith.index_cast %first64 : i64 to index
      %t = arith.divui %u, %heads : index
      %h = arith.remui %u, %heads : index
      %last = arith.addi %first, %t : index
      %npos = arith.addi %last, %c1 : index
      %kvh = arith.divui %h, %group : index
      %kvrow = arith.muli %kvh, %C : index
      %dg8 = arith.muli %dg, %c8 : index
      %d0 = arith.addi %dg8, %dw : index
      %inside = arith.cmpi ult, %d0, %hd : index
      %d = arith.select %inside, %d0, %hdl : index
      %sr = arith.muli %u, %P : index
      %acc = scf.for %p = %l to %npos step %c32 iter_args(%a = %zero) -> f32 {
        %si = arith.addi %sr, %p : index
        %w = memref.load %scores[%si] : memref<?xf32>
        %vrow = arith.addi %kvrow, %p : index
        %vbase = arith.muli %vrow, %hd : index
        %vi = arith.addi %vbase, %d : index
        %vv = memref.load %vc[%vi] : memref<?xf32>
        %a2 = math.fma %w, %vv, %a : f32
        scf.yield %a2 : f32
      }
      %o = gpu.subgroup_reduce add %acc uniform : (f32) -> f32
      %lane0 = arith.cmpi eq, %l, %c0 : index
      %store = arith.andi %lane0, %inside : i1
      scf.if %store {
        %qbase = arith.muli %u, %hd : index
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
