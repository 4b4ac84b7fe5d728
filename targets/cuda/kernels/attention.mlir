// Attention over the KV cache in device memory, for `rows` consecutive
// query positions first, first + 1, ... (decode: one; a prompt block:
// several, each seeing only the positions up to its own), first = at[0]
// read from device memory, so that a captured launch serves every
// position. For query row t
// and head h (of `heads`, sharing KV head h / (heads / kv_heads)),
//   out[t, h] = sum_p softmax_p(scale * q[t, h] . k[p]) v[p],  p <= first + t,
// q and out [rows, heads, head_dim], the cache [position, kv_head,
// head_dim] holding the rows' own keys and values already
// (dsc_cuda_kv_store). `scores` (rows x heads x (first + rows)) is
// scratch. One GPU thread per row and
// head; exp is dsc's polynomial (dsc-codegen-approximate-math), as on the
// CPU.
func.func @dsc_cuda_attention(%q: memref<?xf32>, %kc: memref<?xf32>,
                              %vc: memref<?xf32>, %scores: memref<?xf32>,
                              %out: memref<?xf32>, %at: memref<?xi64>,
                              %rows: index, %heads: index, %kvheads: index,
                              %hd: index, %scale: f32)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %group = arith.divui %heads, %kvheads : index
  %stride = arith.muli %kvheads, %hd : index
  %units = arith.muli %rows, %heads : index
  scf.parallel (%u) = (%c0) to (%units) step (%c1) {
    %first64 = memref.load %at[%c0] : memref<?xi64>
    %first = arith.index_cast %first64 : i64 to index
    %span = arith.addi %first, %rows : index
    %t = arith.divui %u, %heads : index
    %h = arith.remui %u, %heads : index
    %last = arith.addi %first, %t : index
    %npos = arith.addi %last, %c1 : index
    %kvh = arith.divui %h, %group : index
    %qbase = arith.muli %u, %hd : index
    %kvoff = arith.muli %kvh, %hd : index
    %sbase = arith.muli %u, %span : index
    %max = scf.for %p = %c0 to %npos step %c1 iter_args(%m = %ninf) -> f32 {
      %prow = arith.muli %p, %stride : index
      %kbase = arith.addi %prow, %kvoff : index
      %dot = scf.for %d = %c0 to %hd step %c1 iter_args(%a = %zero) -> f32 {
        %qi = arith.addi %qbase, %d : index
        %ki = arith.addi %kbase, %d : index
        %qv = memref.load %q[%qi] : memref<?xf32>
        %kv = memref.load %kc[%ki] : memref<?xf32>
        %a2 = math.fma %qv, %kv, %a : f32
        scf.yield %a2 : f32
      }
      %s = arith.mulf %dot, %scale : f32
      %si = arith.addi %sbase, %p : index
      memref.store %s, %scores[%si] : memref<?xf32>
      %m2 = arith.maximumf %m, %s : f32
      scf.yield %m2 : f32
    }
    %sum = scf.for %p = %c0 to %npos step %c1 iter_args(%a = %zero) -> f32 {
      %si = arith.addi %sbase, %p : index
      %s = memref.load %scores[%si] : memref<?xf32>
      %sm = arith.subf %s, %max : f32
      %e = math.exp %sm : f32
      memref.store %e, %scores[%si] : memref<?xf32>
      %a2 = arith.addf %a, %e : f32
      scf.yield %a2 : f32
    }
    scf.for %d = %c0 to %hd step %c1 {
      %acc = scf.for %p = %c0 to %npos step %c1 iter_args(%a = %zero) -> f32 {
        %si = arith.addi %sbase, %p : index
        %w = memref.load %scores[%si] : memref<?xf32>
        %prow = arith.muli %p, %stride : index
        %vbase = arith.addi %prow, %kvoff : index
        %vi = arith.addi %vbase, %d : index
        %vv = memref.load %vc[%vi] : memref<?xf32>
        %a2 = math.fma %w, %vv, %a : f32
        scf.yield %a2 : f32
      }
      %o = arith.divf %acc, %sum : f32
      %oi = arith.addi %qbase, %d : index
      memref.store %o, %out[%oi] : memref<?xf32>
    }
    scf.reduce
  }
  return
}

// The keys and values of `rows` positions from at[0] into the cache:
// kc[at[0] + t] = k[t], vc[at[0] + t] = v[t], each [kvdim] (kv_heads x
// head_dim). A kernel rather than a copy so that the slot is read from
// device memory when the launch replays.
func.func @dsc_cuda_kv_store(%k: memref<?xf32>, %v: memref<?xf32>,
                             %kc: memref<?xf32>, %vc: memref<?xf32>,
                             %at: memref<?xi64>, %rows: index,
                             %kvdim: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.muli %rows, %kvdim : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %first64 = memref.load %at[%c0] : memref<?xi64>
    %first = arith.index_cast %first64 : i64 to index
    %off = arith.muli %first, %kvdim : index
    %dst = arith.addi %off, %i : index
    %kv = memref.load %k[%i] : memref<?xf32>
    %vv = memref.load %v[%i] : memref<?xf32>
    memref.store %kv, %kc[%dst] : memref<?xf32>
    memref.store %vv, %vc[%dst] : memref<?xf32>
    scf.reduce
  }
  return
}
