// Decode's quantized GEMV, 8-bit: y[n] = sum_k (q[n, k] * s[n, k / group]) * x[k]
// over dsc's plain layout (dsc/abi/quant_layout.h): q row-major, one signed
// byte per value; s one scale per group, row-major over [n, k / group]
// (group = k is per-channel; f32 as written, f16 where the model stores
// f16: dsc-gpu-retype-scales retypes each {dsc.scales}). One GPU block
// per row, one warp (32 lanes) per block; lane l reads columns l, l + 32,
// ..., so that a warp's loads are consecutive bytes; the lanes' sums are
// added across the warp by shuffles (gpu.subgroup_reduce), and lane 0
// writes the row's. The values are dequantized in registers.
func.func @dsc_cuda_gemv_q8(%q: memref<?xi8>, %s: memref<?xf32> {dsc.scales},
                            %x: memref<?xf32>, %y: memref<?xf32>,
                            %n: index, %k: index,
                            %group: index) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %groups = arith.divui %k, %group : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %row = arith.muli %r, %k : index
      %srow = arith.muli %r, %groups : index
      %acc = scf.for %c = %l to %k step %c32 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %c : index
        %qv = memref.load %q[%i] : memref<?xi8>
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
// row, four values each (little-endian: value 4w + b is byte b of word
// w), so that a warp's load is 128 consecutive bytes instead of 32 (a
// byte a lane kept an H200 at 10% of its bandwidth). For rows of a whole
// number of words and groups of a whole number of words (k % 4 == 0,
// group % 4 == 0; the launch sequence takes the byte kernel otherwise). q
// is the same buffer seen as words.
func.func @dsc_cuda_gemv_q8w(%q: memref<?xi32>, %s: memref<?xf32> {dsc.scales},
                             %x: memref<?xf32>, %y: memref<?xf32>,
                            %n: index, %k: index,
                             %group: index) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %s8 = arith.constant 8 : i32
  %s16 = arith.constant 16 : i32
  %s24 = arith.constant 24 : i32
  %zero = arith.constant 0.0 : f32
  %groups = arith.divui %k, %group : index
  %words = arith.divui %k, %c4 : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %row = arith.muli %r, %words : index
      %srow = arith.muli %r, %groups : index
      %acc = scf.for %wi = %l to %words step %c32 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %wi : index
        %wd = memref.load %q[%i] : memref<?xi32>
        %c = arith.muli %wi, %c4 : index
        %g = arith.divui %c, %group : index
        %si = arith.addi %srow, %g : index
        %sv = memref.load %s[%si] : memref<?xf32>
        // Byte b sign-extended: shift it to the top, then back down.
        %t0 = arith.shli %wd, %s24 : i32
        %t1 = arith.shli %wd, %s16 : i32
        %t2 = arith.shli %wd, %s8 : i32
        %v0 = arith.shrsi %t0, %s24 : i32
        %v1 = arith.shrsi %t1, %s24 : i32
        %v2 = arith.shrsi %t2, %s24 : i32
        %v3 = arith.shrsi %wd, %s24 : i32
        %f0 = arith.sitofp %v0 : i32 to f32
        %f1 = arith.sitofp %v1 : i32 to f32
        %f2 = arith.sitofp %v2 : i32 to f32
        %f3 = arith.sitofp %v3 : i32 to f32
        %c1i = arith.addi %c, %c1 : index
        %c2i = arith.addi %c, %c2 : index
        %c3i = arith.addi %c, %c3 : index
        %x0 = memref.load %x[%c] : memref<?xf32>
        %x1 = memref.load %x[%c1i] : memref<?xf32>
        %x2 = memref.load %x[%c2i] : memref<?xf32>
        %x3 = memref.load %x[%c3i] : memref<?xf32>
        %p0 = arith.mulf %f0, %x0 : f32
        %p1 = math.fma %f1, %x1, %p0 : f32
        %p2 = math.fma %f2, %x2, %p1 : f32
        %p3 = math.fma %f3, %x3, %p2 : f32
        %a2 = math.fma %p3, %sv, %a : f32
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

// The activations of 4 values from column c (a 16-byte load of x), for
// the 16-byte GEMVs' lanes: with norm, times the norm's weight nw and x's
// squares added to t, as gemv_q4.mlir's dsc_cuda_q4v_x8.
func.func private @dsc_cuda_q8v_x4(%x: memref<?xf32>, %nw: memref<?xf32>,
                                   %norm: i1, %c: index, %t: vector<4xf32>)
    -> (vector<4xf32>, vector<4xf32>) {
  %xa0 = vector.load %x[%c] {alignment = 16} : memref<?xf32>, vector<4xf32>
  %xa, %t2 = scf.if %norm -> (vector<4xf32>, vector<4xf32>) {
    %ga = vector.load %nw[%c] {alignment = 16}
        : memref<?xf32>, vector<4xf32>
    %ta = func.call @dsc_cuda_rms_squares(%xa0, %t)
        : (vector<4xf32>, vector<4xf32>) -> vector<4xf32>
    %pa = arith.mulf %xa0, %ga : vector<4xf32>
    scf.yield %pa, %ta : vector<4xf32>, vector<4xf32>
  } else {
    scf.yield %xa0, %t : vector<4xf32>, vector<4xf32>
  }
  return %xa, %t2 : vector<4xf32>, vector<4xf32>
}

// acc + the four values of word wd (byte j sign-extended: shifted to the
// top, then down by 24; low byte first) times xa's four.
func.func private @dsc_cuda_q8_word(%wd: i32, %xa: vector<4xf32>, %acc: f32)
    -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %s8 = arith.constant 8 : i32
  %s24 = arith.constant 24 : i32
  %d1 = scf.for %j = %c0 to %c4 step %c1 iter_args(%e = %acc) -> f32 {
    %j32 = arith.index_cast %j : index to i32
    %up = arith.muli %j32, %s8 : i32
    %left = arith.subi %s24, %up : i32
    %hi = arith.shli %wd, %left : i32
    %qv = arith.shrsi %hi, %s24 : i32
    %f = arith.sitofp %qv : i32 to f32
    %xv = vector.extract %xa[%j] : f32 from vector<4xf32>
    %e2 = math.fma %f, %xv, %e : f32
    scf.yield %e2 : f32
  }
  return %d1 : f32
}

// Lane l's share of row r of gemv_q8v (and of its fused variants): the
// sum over the row's 16-byte vectors l, l + 32, ... of their 16 values
// times the activations (dsc_cuda_q8v_x4: with norm, x * nw), scaled by
// the vector's group scale; second, with norm, the lane's sum of squares
// of x (0 otherwise).
func.func private @dsc_cuda_q8v_lane(%q: memref<?xi32>,
                                     %s: memref<?xf32> {dsc.scales},
                                     %x: memref<?xf32>, %nw: memref<?xf32>,
                                     %norm: i1, %r: index, %l: index,
                                     %k: index, %group: index)
    -> (f32, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %zero4 = arith.constant dense<0.0> : vector<4xf32>
  %groups = arith.divui %k, %group : index
  %vecs = arith.divui %k, %c16 : index
  %rowv = arith.muli %r, %vecs : index
  %srow = arith.muli %r, %groups : index
  %acc:2 = scf.for %vi = %l to %vecs step %c32
      iter_args(%a = %zero, %ss = %zero4) -> (f32, vector<4xf32>) {
    %iv = arith.addi %rowv, %vi : index
    %wi = arith.muli %iv, %c4 : index
    %v = vector.load %q[%wi] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %c = arith.muli %vi, %c16 : index
    %g = arith.divui %c, %group : index
    %si = arith.addi %srow, %g : index
    %sv = memref.load %s[%si] : memref<?xf32>
    %dot:2 = scf.for %w = %c0 to %c4 step %c1
        iter_args(%d = %zero, %t = %ss) -> (f32, vector<4xf32>) {
      %wd = vector.extract %v[%w] : i32 from vector<4xi32>
      %w4 = arith.muli %w, %c4 : index
      %cw = arith.addi %c, %w4 : index
      %xa, %t2 = func.call @dsc_cuda_q8v_x4(%x, %nw, %norm, %cw, %t)
          : (memref<?xf32>, memref<?xf32>, i1, index, vector<4xf32>)
          -> (vector<4xf32>, vector<4xf32>)
      %d1 = func.call @dsc_cuda_q8_word(%wd, %xa, %d)
          : (i32, vector<4xf32>, f32) -> f32
      scf.yield %d1, %t2 : f32, vector<4xf32>
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
func.func private @dsc_cuda_q8v_lane2(%q1: memref<?xi32>,
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
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %zero4 = arith.constant dense<0.0> : vector<4xf32>
  %groups = arith.divui %k, %group : index
  %vecs = arith.divui %k, %c16 : index
  %rowv = arith.muli %r, %vecs : index
  %srow = arith.muli %r, %groups : index
  %acc:3 = scf.for %vi = %l to %vecs step %c32
      iter_args(%a = %zero, %b = %zero, %ss = %zero4)
      -> (f32, f32, vector<4xf32>) {
    %iv = arith.addi %rowv, %vi : index
    %wi = arith.muli %iv, %c4 : index
    %v1 = vector.load %q1[%wi] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %v2 = vector.load %q2[%wi] {alignment = 16} : memref<?xi32>, vector<4xi32>
    %c = arith.muli %vi, %c16 : index
    %g = arith.divui %c, %group : index
    %si = arith.addi %srow, %g : index
    %sv1 = memref.load %s1[%si] : memref<?xf32>
    %sv2 = memref.load %s2[%si] : memref<?xf32>
    %dot:3 = scf.for %w = %c0 to %c4 step %c1
        iter_args(%d = %zero, %e = %zero, %t = %ss)
        -> (f32, f32, vector<4xf32>) {
      %wd1 = vector.extract %v1[%w] : i32 from vector<4xi32>
      %wd2 = vector.extract %v2[%w] : i32 from vector<4xi32>
      %w4 = arith.muli %w, %c4 : index
      %cw = arith.addi %c, %w4 : index
      %xa, %t2 = func.call @dsc_cuda_q8v_x4(%x, %nw, %norm, %cw, %t)
          : (memref<?xf32>, memref<?xf32>, i1, index, vector<4xf32>)
          -> (vector<4xf32>, vector<4xf32>)
      %d1 = func.call @dsc_cuda_q8_word(%wd1, %xa, %d)
          : (i32, vector<4xf32>, f32) -> f32
      %e1 = func.call @dsc_cuda_q8_word(%wd2, %xa, %e)
          : (i32, vector<4xf32>, f32) -> f32
      scf.yield %d1, %e1, %t2 : f32, f32, vector<4xf32>
    }
    %a2 = math.fma %dot#0, %sv1, %a : f32
    %b2 = math.fma %dot#1, %sv2, %b : f32
    scf.yield %a2, %b2, %dot#2 : f32, f32, vector<4xf32>
  }
  %sq = vector.reduction <add>, %acc#2 : vector<4xf32> into f32
  return %acc#0, %acc#1, %sq : f32, f32, f32
}

// An RMSNorm fused into a GEMV, as gemv_q4.mlir says: derived from the
// CPU path's lower::rmsNorm by dsc-gpu-derive-kernels.
func.func private @dsc_cuda_rms_squares(%x: vector<4xf32>,
                                        %acc: vector<4xf32>) -> vector<4xf32>
func.func private @dsc_cuda_rms_factor(%partial: f32, %dim: index,
                                       %eps: f32) -> f32

// The same with 16-byte loads and four rows a block, as gemv_q4v: warp w
// of block b takes row 4b + w (spare warps of the last block repeat row
// n - 1 and store nothing), lane l reads 16-byte vectors l, l + 32, ... of
// the row (16 values, four words low byte first) and the 16 activations as
// four 16-byte loads. For rows and groups of whole vectors (k % 16 == 0,
// group % 16 == 0) and buffers 16-byte aligned. With radd != 0, res[r] is
// added as y[r] is stored.
func.func @dsc_cuda_gemv_q8v(%q: memref<?xi32>, %s: memref<?xf32> {dsc.scales},
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
      %acc:2 = func.call @dsc_cuda_q8v_lane(%q, %s, %x, %x, %false, %r,
                                            %l, %k, %group)
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

// The FFN's gate and up projections and SwiGLU in one kernel, as
// gemv_q4v_swiglu: y[r] = silu(g[r]) * u[r] over two int8 weights of the
// same shape and group; with norm != 0 of RMSNorm(x) (weight nw, eps), as
// gemv_q4v_swiglu.
func.func @dsc_cuda_gemv_q8v_swiglu(%qg: memref<?xi32>,
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
      %a:3 = func.call @dsc_cuda_q8v_lane2(%qg, %sg, %qu, %su, %x, %nw,
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
// second and n3 of the third, as gemv_q8v (16 bytes a lane, four rows a
// block; a warp's row is in one matrix, so its branch is uniform). For
// int8 weights alike in k and group, rows and groups of whole vectors.
// With norm != 0, of RMSNorm(x) (weight nw, eps), as gemv_q4v3.
func.func @dsc_cuda_gemv_q8v3(%q1: memref<?xi32>,
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
        %a:2 = func.call @dsc_cuda_q8v_lane(%q1, %s1, %x, %nw, %normed, %r,
                                            %l, %k, %group)
            : (memref<?xi32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, i1,
               index, index, index, index) -> (f32, f32)
        scf.yield %a#0, %a#1 : f32, f32
      } else {
        %a23:2 = scf.if %in2 -> (f32, f32) {
          %a:2 = func.call @dsc_cuda_q8v_lane(%q2, %s2, %x, %nw, %normed, %r2,
                                              %l, %k, %group)
              : (memref<?xi32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, i1,
                 index, index, index, index) -> (f32, f32)
          scf.yield %a#0, %a#1 : f32, f32
        } else {
          %a:2 = func.call @dsc_cuda_q8v_lane(%q3, %s3, %x, %nw, %normed, %r3,
                                              %l, %k, %group)
              : (memref<?xi32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, i1,
                 index, index, index, index) -> (f32, f32)
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
