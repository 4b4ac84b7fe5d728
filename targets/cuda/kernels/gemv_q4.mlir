// Decode's quantized GEMV, 4-bit: y[n] = sum_k (q[n, k] * s[n, k / group]) * x[k]
// over dsc's plain layout (dsc/abi/quant_layout.h): q row-major, two
// signed 4-bit values per byte (low nibble first); s one scale per
// group, row-major over [n, k / group] (group = k is per-channel; f32 as
// written, f16 where the model stores f16: dsc-gpu-retype-scales retypes
// each {dsc.scales}). One
// GPU block per row, one warp (32 lanes) per block; lane l reads columns
// l, l + 32, ..., so that a warp's loads are consecutive bytes; the
// lanes' sums are added across the warp by shuffles (gpu.subgroup_reduce),
// and lane 0 writes the row's. The values are dequantized in registers.
func.func @dsc_cuda_gemv_q4(%q: memref<?xi8>, %s: memref<?xf32> {dsc.scales},
                            %x: memref<?xf32>, %y: memref<?xf32>,
                            %n: index, %k: index,
                            %group: index) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %c4i8 = arith.constant 4 : i8
  %groups = arith.divui %k, %group : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %row = arith.muli %r, %k : index
      %srow = arith.muli %r, %groups : index
      %acc = scf.for %c = %l to %k step %c32 iter_args(%a = %zero) -> f32 {
        // Value c of the row is nibble c % 2 of byte c / 2 (rows are a
        // whole number of bytes: k is even).
        %i = arith.addi %row, %c : index
        %byte = arith.shrui %i, %c1 : index
        %b = memref.load %q[%byte] : memref<?xi8>
        %odd = arith.andi %i, %c1 : index
        %odd8 = arith.index_cast %odd : index to i8
        %sh = arith.muli %odd8, %c4i8 : i8
        %up = arith.subi %c4i8, %sh : i8
        %hi = arith.shli %b, %up : i8
        %qv = arith.shrsi %hi, %c4i8 : i8
        %qf = arith.sitofp %qv : i8 to f32
        %g = arith.divui %c, %group : index
        %si = arith.addi %srow, %g : index
        %sv = memref.load %s[%si] : memref<?xf32>
        %xv = memref.load %x[%c] : memref<?xf32>
        %w = arith.mulf %qf, %sv : f32
        %a2 = math.fma %w, %xv, %a : f32
        scf.yield %a2 : f32
      }
      // The warp's 32 sums added by shuffles (every lane gets the row's
      // sum); lane 0 writes it.
      %sum = gpu.subgroup_reduce add %acc uniform : (f32) -> f32
      %first = arith.cmpi eq, %l, %c0 : index
      scf.if %first {
        memref.store %sum, %y[%r] : memref<?xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}

// The same over 32-bit words: lane l reads words l, l + 32, ... of the
// row, eight values each (value 8w + j is nibble j of word w, low first),
// so that a warp's load is 128 consecutive bytes instead of 32. For rows
// and groups of a whole number of words (k % 8 == 0, group % 8 == 0; the
// launch sequence takes the byte kernel otherwise). q is the same buffer
// seen as words.
func.func @dsc_cuda_gemv_q4w(%q: memref<?xi32>, %s: memref<?xf32> {dsc.scales},
                             %x: memref<?xf32>, %y: memref<?xf32>,
                            %n: index, %k: index,
                             %group: index) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %s4 = arith.constant 4 : i32
  %s28 = arith.constant 28 : i32
  %zero = arith.constant 0.0 : f32
  %groups = arith.divui %k, %group : index
  %words = arith.divui %k, %c8 : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %row = arith.muli %r, %words : index
      %srow = arith.muli %r, %groups : index
      %acc = scf.for %wi = %l to %words step %c32 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %wi : index
        %wd = memref.load %q[%i] : memref<?xi32>
        %c = arith.muli %wi, %c8 : index
        %g = arith.divui %c, %group : index
        %si = arith.addi %srow, %g : index
        %sv = memref.load %s[%si] : memref<?xf32>
        // Nibble j sign-extended: shifted to the top, then down by 28.
        %dot = scf.for %j = %c0 to %c8 step %c1 iter_args(%d = %zero) -> f32 {
          %j32 = arith.index_cast %j : index to i32
          %up = arith.muli %j32, %s4 : i32
          %left = arith.subi %s28, %up : i32
          %hi = arith.shli %wd, %left : i32
          %v = arith.shrsi %hi, %s28 : i32
          %f = arith.sitofp %v : i32 to f32
          %cj = arith.addi %c, %j : index
          %xv = memref.load %x[%cj] : memref<?xf32>
          %d2 = math.fma %f, %xv, %d : f32
          scf.yield %d2 : f32
        }
        %a2 = math.fma %dot, %sv, %a : f32
        scf.yield %a2 : f32
      }
      // The warp's 32 sums added by shuffles (every lane gets the row's
      // sum); lane 0 writes it.
      %sum = gpu.subgroup_reduce add %acc uniform : (f32) -> f32
      %first = arith.cmpi eq, %l, %c0 : index
      scf.if %first {
        memref.store %sum, %y[%r] : memref<?xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}

// The activations of 8 values from column c (two 16-byte loads of x), for
// the 16-byte GEMVs' lanes: with norm, times the norm's weight nw (an
// RMSNorm fused into the GEMV: its 1 / rms is applied to the row's sum),
// and x's squares added to t, for that 1 / rms; nw is not read otherwise.
// norm is the same for every lane: the branch is uniform.
func.func private @dsc_cuda_q4v_x8(%x: memref<?xf32>, %nw: memref<?xf32>,
                                   %norm: i1, %c: index, %t: vector<4xf32>)
    -> (vector<4xf32>, vector<4xf32>, vector<4xf32>) {
  %c4 = arith.constant 4 : index
  %c4i = arith.addi %c, %c4 : index
  %xa0 = vector.load %x[%c] {alignment = 16}
      : memref<?xf32>, vector<4xf32>
  %xb0 = vector.load %x[%c4i] {alignment = 16}
      : memref<?xf32>, vector<4xf32>
  %xa, %xb, %t2 = scf.if %norm
      -> (vector<4xf32>, vector<4xf32>, vector<4xf32>) {
    %ga = vector.load %nw[%c] {alignment = 16}
        : memref<?xf32>, vector<4xf32>
    %gb = vector.load %nw[%c4i] {alignment = 16}
        : memref<?xf32>, vector<4xf32>
    %ta = func.call @dsc_cuda_rms_squares(%xa0, %t)
        : (vector<4xf32>, vector<4xf32>) -> vector<4xf32>
    %tb = func.call @dsc_cuda_rms_squares(%xb0, %ta)
        : (vector<4xf32>, vector<4xf32>) -> vector<4xf32>
    %pa = arith.mulf %xa0, %ga : vector<4xf32>
    %pb = arith.mulf %xb0, %gb : vector<4xf32>
    scf.yield %pa, %pb, %tb : vector<4xf32>, vector<4xf32>, vector<4xf32>
  } else {
    scf.yield %xa0, %xb0, %t : vector<4xf32>, vector<4xf32>, vector<4xf32>
  }
  return %xa, %xb, %t2 : vector<4xf32>, vector<4xf32>, vector<4xf32>
}

// acc + the eight values of word wd (nibble j sign-extended: shifted to the
// top, then down by 28; low nibble first) times xa's four, then xb's.
func.func private @dsc_cuda_q4_word(%wd: i32, %xa: vector<4xf32>,
                                    %xb: vector<4xf32>, %acc: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %s4 = arith.constant 4 : i32
  %s28 = arith.constant 28 : i32
  %d1 = scf.for %j = %c0 to %c4 step %c1 iter_args(%e = %acc) -> f32 {
    %j32 = arith.index_cast %j : index to i32
    %up = arith.muli %j32, %s4 : i32
    %left = arith.subi %s28, %up : i32
    %hi = arith.shli %wd, %left : i32
    %qv = arith.shrsi %hi, %s28 : i32
    %f = arith.sitofp %qv : i32 to f32
    %xv = vector.extract %xa[%j] : f32 from vector<4xf32>
    %e2 = math.fma %f, %xv, %e : f32
    scf.yield %e2 : f32
  }
  %d2 = scf.for %j = %c0 to %c4 step %c1 iter_args(%e = %d1) -> f32 {
    %j4 = arith.addi %j, %c4 : index
    %j32 = arith.index_cast %j4 : index to i32
    %up = arith.muli %j32, %s4 : i32
    %left = arith.subi %s28, %up : i32
    %hi = arith.shli %wd, %left : i32
    %qv = arith.shrsi %hi, %s28 : i32
    %f = arith.sitofp %qv : i32 to f32
    %xv = vector.extract %xb[%j] : f32 from vector<4xf32>
    %e2 = math.fma %f, %xv, %e : f32
    scf.yield %e2 : f32
  }
  return %d2 : f32
}

// Lane l's share of row r of gemv_q4v (and of its fused variants): the sum
// over the row's 16-byte vectors l, l + 32, ... of their 32 values times
// the activations (dsc_cuda_q4v_x8: with norm, x * nw), scaled by the
// vector's group scale; second, with norm, the lane's sum of squares of x
// (0 otherwise).
func.func private @dsc_cuda_q4v_lane(%q: memref<?xi32>,
                                     %s: memref<?xf32> {dsc.scales},
                                     %x: memref<?xf32>, %nw: memref<?xf32>,
                                     %norm: i1, %r: index, %l: index,
                                     %k: index, %group: index)
    -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %zero4 = arith.constant dense<0.0> : vector<4xf32>
  %groups = arith.divui %k, %group : index
  %vecs = arith.divui %k, %c32 : index
  %rowv = arith.muli %r, %vecs : index
  %srow = arith.muli %r, %groups : index
  %acc:2 = scf.for %vi = %l to %vecs step %c32
      iter_args(%a = %zero, %ss = %zero4) -> (f32, vector<4xf32>) {
    %iv = arith.addi %rowv, %vi : index
    %wi = arith.muli %iv, %c4 : index
    %v = vector.load %q[%wi] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %c = arith.muli %vi, %c32 : index
    %g = arith.divui %c, %group : index
    %si = arith.addi %srow, %g : index
    %sv = memref.load %s[%si] : memref<?xf32>
    %dot:2 = scf.for %w = %c0 to %c4 step %c1
        iter_args(%d = %zero, %t = %ss) -> (f32, vector<4xf32>) {
      %wd = vector.extract %v[%w] : i32 from vector<4xi32>
      %w8 = arith.muli %w, %c8 : index
      %cw = arith.addi %c, %w8 : index
      %xa, %xb, %t2 = func.call @dsc_cuda_q4v_x8(%x, %nw, %norm, %cw, %t)
          : (memref<?xf32>, memref<?xf32>, i1, index, vector<4xf32>)
          -> (vector<4xf32>, vector<4xf32>, vector<4xf32>)
      %d2 = func.call @dsc_cuda_q4_word(%wd, %xa, %xb, %d)
          : (i32, vector<4xf32>, vector<4xf32>, f32) -> f32
      scf.yield %d2, %t2 : f32, vector<4xf32>
    }
    %a2 = math.fma %dot#0, %sv, %a : f32
    scf.yield %a2, %dot#1 : f32, vector<4xf32>
  }
  %sq = vector.reduction <add>, %acc#1 : vector<4xf32> into f32
  return %acc#0, %sq : f32, f32
}

// The same over two weights of the same shape and group (SwiGLU's gate and
// up), the activations loaded (and normed) once for both: the sums of the
// two rows r, then the sum of squares.
func.func private @dsc_cuda_q4v_lane2(%q1: memref<?xi32>,
                                      %s1: memref<?xf32> {dsc.scales},
                                      %q2: memref<?xi32>,
                                      %s2: memref<?xf32> {dsc.scales},
                                      %x: memref<?xf32>, %nw: memref<?xf32>,
                                      %norm: i1, %r: index, %l: index,
                                      %k: index, %group: index)
    -> (f32, f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %zero4 = arith.constant dense<0.0> : vector<4xf32>
  %groups = arith.divui %k, %group : index
  %vecs = arith.divui %k, %c32 : index
  %rowv = arith.muli %r, %vecs : index
  %srow = arith.muli %r, %groups : index
  %acc:3 = scf.for %vi = %l to %vecs step %c32
      iter_args(%a = %zero, %b = %zero, %ss = %zero4)
      -> (f32, f32, vector<4xf32>) {
    %iv = arith.addi %rowv, %vi : index
    %wi = arith.muli %iv, %c4 : index
    %v1 = vector.load %q1[%wi] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %v2 = vector.load %q2[%wi] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %c = arith.muli %vi, %c32 : index
    %g = arith.divui %c, %group : index
    %si = arith.addi %srow, %g : index
    %sv1 = memref.load %s1[%si] : memref<?xf32>
    %sv2 = memref.load %s2[%si] : memref<?xf32>
    %dot:3 = scf.for %w = %c0 to %c4 step %c1
        iter_args(%d = %zero, %e = %zero, %t = %ss)
        -> (f32, f32, vector<4xf32>) {
      %wd1 = vector.extract %v1[%w] : i32 from vector<4xi32>
      %wd2 = vector.extract %v2[%w] : i32 from vector<4xi32>
      %w8 = arith.muli %w, %c8 : index
      %cw = arith.addi %c, %w8 : index
      %xa, %xb, %t2 = func.call @dsc_cuda_q4v_x8(%x, %nw, %norm, %cw, %t)
          : (memref<?xf32>, memref<?xf32>, i1, index, vector<4xf32>)
          -> (vector<4xf32>, vector<4xf32>, vector<4xf32>)
      %d2 = func.call @dsc_cuda_q4_word(%wd1, %xa, %xb, %d)
          : (i32, vector<4xf32>, vector<4xf32>, f32) -> f32
      %e2 = func.call @dsc_cuda_q4_word(%wd2, %xa, %xb, %e)
          : (i32, vector<4xf32>, vector<4xf32>, f32) -> f32
      scf.yield %d2, %e2, %t2 : f32, f32, vector<4xf32>
    }
    %a2 = math.fma %dot#0, %sv1, %a : f32
    %b2 = math.fma %dot#1, %sv2, %b : f32
    scf.yield %a2, %b2, %dot#2 : f32, f32, vector<4xf32>
  }
  %sq = vector.reduction <add>, %acc#2 : vector<4xf32> into f32
  return %acc#0, %acc#1, %sq : f32, f32, f32
}

// An RMSNorm fused into a GEMV (the norm before attention's q, k and v,
// or before the FFN's gate and up), as the CPU path computes it: a lane's
// step of the sum of x's squares over four values (dsc_cuda_rms_squares),
// and the row's factor 1 / sqrt(mean(x^2) + eps) from the lanes' sums
// (dsc_cuda_rms_factor: they are added across the warp, every lane gets
// the factor). Declared, not written: dsc-gpu-derive-kernels gives them
// the bodies of lower::rmsNorm's row reduction and of its map of the rows'
// sums. The kernels apply the factor to the row's sum, which is the
// normed activations' (the factor is the row's). A kernel without norm
// computes the factor too and takes 1: the kernels' host form (the fake
// driver, the semantic checks) takes no subgroup reduction in a branch.
func.func private @dsc_cuda_rms_squares(%x: vector<4xf32>,
                                        %acc: vector<4xf32>) -> vector<4xf32>
func.func private @dsc_cuda_rms_factor(%partial: f32, %dim: index,
                                       %eps: f32) -> f32

// The same with 16-byte loads and four rows a block: warp w of block b
// takes row 4b + w (the last block's spare warps repeat row n - 1 and
// store nothing), lane l reads 16-byte vectors l, l + 32, ... of the row
// (32 values each, four words low nibble first), the 32 activations as
// eight 16-byte loads, so that a lane has a quarter of the load
// instructions of the word kernel in flight for the same bytes. For rows
// and groups of whole vectors (k % 32 == 0, group % 32 == 0: a vector is in
// one group) and buffers 16-byte aligned (the launch sequence takes the
// word kernel otherwise). With radd != 0 the row's value res[r] is added as it is
// stored: the residual add after a projection, fused into it (no kernel
// of its own); res is not read otherwise. The q8 and F16 kernels below
// do the same.
func.func @dsc_cuda_gemv_q4v(%q: memref<?xi32>, %s: memref<?xf32> {dsc.scales},
                             %x: memref<?xf32>, %res: memref<?xf32>,
                             %y: memref<?xf32>, %n: index, %k: index,
                             %group: index, %radd: index)
    attributes {llvm.emit_c_interface} {
  %false = arith.constant false
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %n3 = arith.addi %n, %c3 : index
  %blocks = arith.divui %n3, %c4 : index
  %last = arith.subi %n, %c1 : index
  scf.parallel (%b) = (%c0) to (%blocks) step (%c1) {
    scf.parallel (%l, %wp) = (%c0, %c0) to (%c32, %c4) step (%c1, %c1) {
      %b4 = arith.muli %b, %c4 : index
      %r0 = arith.addi %b4, %wp : index
      %inside = arith.cmpi ult, %r0, %n : index
      %r = arith.select %inside, %r0, %last : index
      %acc:2 = func.call @dsc_cuda_q4v_lane(%q, %s, %x, %x, %false, %r, %l,
                                            %k, %group)
          : (memref<?xi32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, i1,
             index, index, index, index) -> (f32, f32)
      %sum = gpu.subgroup_reduce add %acc#0 uniform : (f32) -> f32
      %lane0 = arith.cmpi eq, %l, %c0 : index
      %store = arith.andi %lane0, %inside : i1
      scf.if %store {
        // The residual, when an add is fused into the GEMV (radd != 0).
        %hasres = arith.cmpi ne, %radd, %c0 : index
        %o = scf.if %hasres -> f32 {
          %rv = memref.load %res[%r] : memref<?xf32>
          %t = arith.addf %sum, %rv : f32
          scf.yield %t : f32
        } else {
          scf.yield %sum : f32
        }
        memref.store %o, %y[%r] : memref<?xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}

// The FFN's gate and up projections and SwiGLU in one kernel:
// y[r] = silu(g[r]) * u[r], g and u the rows r of two GEMVs over the same
// activations (as gemv_q4v: 16 bytes a lane, four rows a block; a lane
// loads each of its activations once for both rows: dsc_cuda_q4v_lane2),
// silu(g) = g / (1 + exp(-g)) as the CPU path computes it. For two weights
// of the
// same shape and group, rows and groups of whole vectors. With norm != 0,
// g and u are of RMSNorm(x) with weight nw and eps (the norm before the
// FFN, fused: dsc_cuda_q4v_x8, dsc_cuda_rms_factor); nw and eps are not
// read otherwise. The v3 kernel below takes the norm the same way.
func.func @dsc_cuda_gemv_q4v_swiglu(%qg: memref<?xi32>,
                                    %sg: memref<?xf32> {dsc.scales},
                                    %qu: memref<?xi32>,
                                    %su: memref<?xf32> {dsc.scales},
                                    %x: memref<?xf32>, %nw: memref<?xf32>,
                                    %y: memref<?xf32>, %n: index, %k: index,
                                    %group: index, %eps: f32, %norm: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %one = arith.constant 1.0 : f32
  %normed = arith.cmpi ne, %norm, %c0 : index
  %n3 = arith.addi %n, %c3 : index
  %blocks = arith.divui %n3, %c4 : index
  %last = arith.subi %n, %c1 : index
  scf.parallel (%b) = (%c0) to (%blocks) step (%c1) {
    scf.parallel (%l, %wp) = (%c0, %c0) to (%c32, %c4) step (%c1, %c1) {
      %b4 = arith.muli %b, %c4 : index
      %r0 = arith.addi %b4, %wp : index
      %inside = arith.cmpi ult, %r0, %n : index
      %r = arith.select %inside, %r0, %last : index
      %a:3 = func.call @dsc_cuda_q4v_lane2(%qg, %sg, %qu, %su, %x, %nw,
                                           %normed, %r, %l, %k, %group)
          : (memref<?xi32>, memref<?xf32>, memref<?xi32>, memref<?xf32>,
             memref<?xf32>, memref<?xf32>, i1, index, index, index, index)
          -> (f32, f32, f32)
      %rms = func.call @dsc_cuda_rms_factor(%a#2, %k, %eps)
          : (f32, index, f32) -> f32
      %inv = arith.select %normed, %rms, %one : f32
      %gs = gpu.subgroup_reduce add %a#0 uniform : (f32) -> f32
      %us = gpu.subgroup_reduce add %a#1 uniform : (f32) -> f32
      %g = arith.mulf %gs, %inv : f32
      %u = arith.mulf %us, %inv : f32
      %lane0 = arith.cmpi eq, %l, %c0 : index
      %store = arith.andi %lane0, %inside : i1
      scf.if %store {
        %ng = arith.negf %g : f32
        %e = math.exp %ng : f32
        %den = arith.addf %one, %e : f32
        %sg1 = arith.divf %g, %den : f32
        %o = arith.mulf %sg1, %u : f32
        memref.store %o, %y[%r] : memref<?xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}

// Three GEMVs over the same activations in one kernel (attention's q, k
// and v projections): rows 0 .. n1 of the first weight, then n2 of the
// second and n3 of the third, as gemv_q4v (16 bytes a lane, four rows a
// block; a warp's row is in one matrix, so its branch is uniform). For
// int4 weights alike in k and group, rows and groups of whole vectors.
// With norm != 0, of RMSNorm(x) (weight nw, eps: the norm before attention,
// fused), as the SwiGLU kernel above. n2 and n3 may be 0: the classifier
// after the final norm is this kernel given one weight (passed thrice),
// so that gemv_q4v, which the output and down projections take, has no
// norm's loads or shuffles.
func.func @dsc_cuda_gemv_q4v3(%q1: memref<?xi32>,
                              %s1: memref<?xf32> {dsc.scales},
                              %q2: memref<?xi32>,
                              %s2: memref<?xf32> {dsc.scales},
                              %q3: memref<?xi32>,
                              %s3: memref<?xf32> {dsc.scales},
                              %x: memref<?xf32>, %nw: memref<?xf32>,
                              %y1: memref<?xf32>,
                              %y2: memref<?xf32>, %y3: memref<?xf32>,
                              %n1: index, %n2: index, %n3: index,
                              %k: index, %group: index, %eps: f32,
                              %norm: index)
    attributes {llvm.emit_c_interface} {
  %one = arith.constant 1.0 : f32
  %c0 = arith.constant 0 : index
  %normed = arith.cmpi ne, %norm, %c0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %n12 = arith.addi %n1, %n2 : index
  %n = arith.addi %n12, %n3 : index
  %n3p = arith.addi %n, %c3 : index
  %blocks = arith.divui %n3p, %c4 : index
  %last = arith.subi %n, %c1 : index
  scf.parallel (%b) = (%c0) to (%blocks) step (%c1) {
    scf.parallel (%l, %wp) = (%c0, %c0) to (%c32, %c4) step (%c1, %c1) {
      %b4 = arith.muli %b, %c4 : index
      %r0 = arith.addi %b4, %wp : index
      %inside = arith.cmpi ult, %r0, %n : index
      %r = arith.select %inside, %r0, %last : index
      %in1 = arith.cmpi ult, %r, %n1 : index
      %in2 = arith.cmpi ult, %r, %n12 : index
      %r2 = arith.subi %r, %n1 : index
      %r3 = arith.subi %r, %n12 : index
      %acc:2 = scf.if %in1 -> (f32, f32) {
        %a:2 = func.call @dsc_cuda_q4v_lane(%q1, %s1, %x, %nw, %normed, %r,
                                               %l, %k, %group)
            : (memref<?xi32>, memref<?xf32>, memref<?xf32>, memref<?xf32>,
               i1, index, index, index, index) -> (f32, f32)
        scf.yield %a#0, %a#1 : f32, f32
      } else {
        %a23:2 = scf.if %in2 -> (f32, f32) {
          %a:2 = func.call @dsc_cuda_q4v_lane(%q2, %s2, %x, %nw, %normed, %r2,
                                                 %l, %k, %group)
              : (memref<?xi32>, memref<?xf32>, memref<?xf32>, memref<?xf32>,
                 i1, index, index, index, index) -> (f32, f32)
          scf.yield %a#0, %a#1 : f32, f32
        } else {
          %a:2 = func.call @dsc_cuda_q4v_lane(%q3, %s3, %x, %nw, %normed, %r3,
                                                 %l, %k, %group)
              : (memref<?xi32>, memref<?xf32>, memref<?xf32>, memref<?xf32>,
                 i1, index, index, index, index) -> (f32, f32)
          scf.yield %a#0, %a#1 : f32, f32
        }
        scf.yield %a23#0, %a23#1 : f32, f32
      }
      %rms = func.call @dsc_cuda_rms_factor(%acc#1, %k, %eps)
          : (f32, index, f32) -> f32
      %inv = arith.select %normed, %rms, %one : f32
      %dot = gpu.subgroup_reduce add %acc#0 uniform : (f32) -> f32
      %sum = arith.mulf %dot, %inv : f32
      %lane0 = arith.cmpi eq, %l, %c0 : index
      %store = arith.andi %lane0, %inside : i1
      scf.if %store {
        scf.if %in1 {
          memref.store %sum, %y1[%r] : memref<?xf32>
        } else {
          scf.if %in2 {
            memref.store %sum, %y2[%r2] : memref<?xf32>
          } else {
            memref.store %sum, %y3[%r3] : memref<?xf32>
          }
        }
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}
