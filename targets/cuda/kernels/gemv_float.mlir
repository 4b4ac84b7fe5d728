// Decode's GEMV over float weights: y[n] = sum_k w[n, k] * x[k], w row-major
// f32 or f16 (widened in registers). As the quantized GEMVs: one GPU block
// per row, one warp (32 lanes) per block, lane l reading columns l, l + 32,
// ...; the lanes' sums are added across the warp by shuffles
// (gpu.subgroup_reduce), and lane 0 writes the row's.
func.func @dsc_cuda_gemv_f32(%w: memref<?xf32>, %x: memref<?xf32>,
                             %y: memref<?xf32>,
                             %n: index, %k: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %row = arith.muli %r, %k : index
      %acc = scf.for %c = %l to %k step %c32 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %c : index
        %wv = memref.load %w[%i] : memref<?xf32>
        %xv = memref.load %x[%c] : memref<?xf32>
        %a2 = math.fma %wv, %xv, %a : f32
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

func.func @dsc_cuda_gemv_f16(%w: memref<?xf16>, %x: memref<?xf32>,
                             %y: memref<?xf32>,
                             %n: index, %k: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %row = arith.muli %r, %k : index
      %acc = scf.for %c = %l to %k step %c32 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %c : index
        %wh = memref.load %w[%i] : memref<?xf16>
        %wv = arith.extf %wh : f16 to f32
        %xv = memref.load %x[%c] : memref<?xf32>
        %a2 = math.fma %wv, %xv, %a : f32
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

// F16 over 32-bit words: lane l reads words l, l + 32, ... of the row, two
// values each (value 2w in the low half of word w), so that a warp's load
// is 128 consecutive bytes instead of 64, as the int8/int4 word GEMVs
// (which measured 1.5-2.5 times their byte kernels on an H200). For rows of
// a whole number of words (k even; the launch sequence takes gemv_f16
// otherwise).
// w is the same buffer seen as words.
func.func @dsc_cuda_gemv_f16w(%w: memref<?xi32>, %x: memref<?xf32>,
                              %y: memref<?xf32>,
                              %n: index, %k: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  %s16 = arith.constant 16 : i32
  %zero = arith.constant 0.0 : f32
  %words = arith.divui %k, %c2 : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %row = arith.muli %r, %words : index
      %acc = scf.for %wi = %l to %words step %c32 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %wi : index
        %wd = memref.load %w[%i] : memref<?xi32>
        %lo16 = arith.trunci %wd : i32 to i16
        %up = arith.shrui %wd, %s16 : i32
        %hi16 = arith.trunci %up : i32 to i16
        %loh = arith.bitcast %lo16 : i16 to f16
        %hih = arith.bitcast %hi16 : i16 to f16
        %lo = arith.extf %loh : f16 to f32
        %hi = arith.extf %hih : f16 to f32
        %c = arith.muli %wi, %c2 : index
        %c1i = arith.addi %c, %c1 : index
        %x0 = memref.load %x[%c] : memref<?xf32>
        %x1 = memref.load %x[%c1i] : memref<?xf32>
        %a1 = math.fma %lo, %x0, %a : f32
        %a2 = math.fma %hi, %x1, %a1 : f32
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
// the 16-byte GEMVs' lanes: with norm, times the norm's weight nw and x's
// squares added to t, as gemv_q4.mlir's dsc_cuda_q4v_x8.
func.func private @dsc_cuda_f16v_x8(%x: memref<?xf32>, %nw: memref<?xf32>,
                                    %norm: i1, %c: index, %t: vector<4xf32>)
    -> (vector<4xf32>, vector<4xf32>, vector<4xf32>) {
  %c4 = arith.constant 4 : index
  %c4i = arith.addi %c, %c4 : index
  %xa0 = vector.load %x[%c] {alignment = 16} : memref<?xf32>, vector<4xf32>
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

// acc + the eight values v (widened from F16) times xa's four, then xb's.
func.func private @dsc_cuda_f16_vec(%v: vector<8xf32>, %xa: vector<4xf32>,
                                    %xb: vector<4xf32>, %acc: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %d1 = scf.for %j = %c0 to %c4 step %c1 iter_args(%e = %acc) -> f32 {
    %wv = vector.extract %v[%j] : f32 from vector<8xf32>
    %xv = vector.extract %xa[%j] : f32 from vector<4xf32>
    %e2 = math.fma %wv, %xv, %e : f32
    scf.yield %e2 : f32
  }
  %d2 = scf.for %j = %c0 to %c4 step %c1 iter_args(%e = %d1) -> f32 {
    %j4 = arith.addi %j, %c4 : index
    %wv = vector.extract %v[%j4] : f32 from vector<8xf32>
    %xv = vector.extract %xb[%j] : f32 from vector<4xf32>
    %e2 = math.fma %wv, %xv, %e : f32
    scf.yield %e2 : f32
  }
  return %d2 : f32
}

// Lane l's share of row r of gemv_f16v (and of its fused variants): the
// sum over the row's 16-byte vectors l, l + 32, ... of their eight values
// times the activations (dsc_cuda_f16v_x8: with norm, x * nw); second,
// with norm, the lane's sum of squares of x (0 otherwise).
func.func private @dsc_cuda_f16v_lane(%w: memref<?xf16>, %x: memref<?xf32>,
                                      %nw: memref<?xf32>, %norm: i1,
                                      %r: index, %l: index, %k: index)
    -> (f32, f32) {
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %zero4 = arith.constant dense<0.0> : vector<4xf32>
  %vecs = arith.divui %k, %c8 : index
  %row = arith.muli %r, %k : index
  %acc:2 = scf.for %vi = %l to %vecs step %c32
      iter_args(%a = %zero, %ss = %zero4) -> (f32, vector<4xf32>) {
    %c = arith.muli %vi, %c8 : index
    %i = arith.addi %row, %c : index
    %h = vector.load %w[%i] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %v = arith.extf %h : vector<8xf16> to vector<8xf32>
    %xa, %xb, %t2 = func.call @dsc_cuda_f16v_x8(%x, %nw, %norm, %c, %ss)
        : (memref<?xf32>, memref<?xf32>, i1, index, vector<4xf32>)
        -> (vector<4xf32>, vector<4xf32>, vector<4xf32>)
    %d = func.call @dsc_cuda_f16_vec(%v, %xa, %xb, %a)
        : (vector<8xf32>, vector<4xf32>, vector<4xf32>, f32) -> f32
    scf.yield %d, %t2 : f32, vector<4xf32>
  }
  %sq = vector.reduction <add>, %acc#1 : vector<4xf32> into f32
  return %acc#0, %sq : f32, f32
}

// The same over two weights of the same shape (SwiGLU's gate and up), the
// activations loaded (and normed) once for both: the sums of the two rows
// r, then the sum of squares.
func.func private @dsc_cuda_f16v_lane2(%w1: memref<?xf16>,
                                       %w2: memref<?xf16>, %x: memref<?xf32>,
                                       %nw: memref<?xf32>, %norm: i1,
                                       %r: index, %l: index, %k: index)
    -> (f32, f32, f32) {
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %zero4 = arith.constant dense<0.0> : vector<4xf32>
  %vecs = arith.divui %k, %c8 : index
  %row = arith.muli %r, %k : index
  %acc:3 = scf.for %vi = %l to %vecs step %c32
      iter_args(%a = %zero, %b = %zero, %ss = %zero4)
      -> (f32, f32, vector<4xf32>) {
    %c = arith.muli %vi, %c8 : index
    %i = arith.addi %row, %c : index
    %h1 = vector.load %w1[%i] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %h2 = vector.load %w2[%i] {alignment = 16} : memref<?xf16>, vector<8xf16>
    %v1 = arith.extf %h1 : vector<8xf16> to vector<8xf32>
    %v2 = arith.extf %h2 : vector<8xf16> to vector<8xf32>
    %xa, %xb, %t2 = func.call @dsc_cuda_f16v_x8(%x, %nw, %norm, %c, %ss)
        : (memref<?xf32>, memref<?xf32>, i1, index, vector<4xf32>)
        -> (vector<4xf32>, vector<4xf32>, vector<4xf32>)
    %d = func.call @dsc_cuda_f16_vec(%v1, %xa, %xb, %a)
        : (vector<8xf32>, vector<4xf32>, vector<4xf32>, f32) -> f32
    %e = func.call @dsc_cuda_f16_vec(%v2, %xa, %xb, %b)
        : (vector<8xf32>, vector<4xf32>, vector<4xf32>, f32) -> f32
    scf.yield %d, %e, %t2 : f32, f32, vector<4xf32>
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

// F16 with 16-byte loads and four rows a block, as gemv_q4v: warp w of
// block b takes row 4b + w (spare warps of the last block repeat row n - 1
// and store nothing), lane l reads 16-byte vectors l, l + 32, ... of the
// row (eight values, widened in registers) and the eight activations as
// two 16-byte loads. For rows of whole vectors (k % 8 == 0) and buffers
// 16-byte aligned. With radd != 0, res[r] is added as y[r] is stored.
func.func @dsc_cuda_gemv_f16v(%w: memref<?xf16>, %x: memref<?xf32>,
                              %res: memref<?xf32>, %y: memref<?xf32>,
                              %n: index, %k: index, %radd: index)
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
      %acc:2 = func.call @dsc_cuda_f16v_lane(%w, %x, %x, %false, %r, %l, %k)
          : (memref<?xf16>, memref<?xf32>, memref<?xf32>, i1, index, index,
             index) -> (f32, f32)
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
// gemv_q4v_swiglu: y[r] = silu(g[r]) * u[r] over two F16 weights of the
// same shape; with norm != 0 of RMSNorm(x) (weight nw, eps), as
// gemv_q4v_swiglu.
func.func @dsc_cuda_gemv_f16v_swiglu(%wg: memref<?xf16>, %wu: memref<?xf16>,
                                     %x: memref<?xf32>, %nw: memref<?xf32>,
                                     %y: memref<?xf32>, %n: index, %k: index,
                                     %eps: f32, %norm: index)
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
      %a:3 = func.call @dsc_cuda_f16v_lane2(%wg, %wu, %x, %nw, %normed, %r,
                                            %l, %k)
          : (memref<?xf16>, memref<?xf16>, memref<?xf32>, memref<?xf32>, i1,
             index, index, index) -> (f32, f32, f32)
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
// second and n3 of the third, as gemv_f16v (16 bytes a lane, four rows a
// block; a warp's row is in one matrix, so its branch is uniform). For
// F16 weights alike in k and group, rows and groups of whole vectors.
// With norm != 0, of RMSNorm(x) (weight nw, eps), as gemv_q4v3.
func.func @dsc_cuda_gemv_f16v3(%w1: memref<?xf16>, %w2: memref<?xf16>,
                               %w3: memref<?xf16>, %x: memref<?xf32>,
                               %nw: memref<?xf32>,
                               %y1: memref<?xf32>, %y2: memref<?xf32>,
                               %y3: memref<?xf32>, %n1: index, %n2: index,
                               %n3: index, %k: index, %eps: f32,
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
        %a:2 = func.call @dsc_cuda_f16v_lane(%w1, %x, %nw, %normed, %r, %l, %k)
            : (memref<?xf16>, memref<?xf32>, memref<?xf32>, i1, index, index,
               index) -> (f32, f32)
        scf.yield %a#0, %a#1 : f32, f32
      } else {
        %a23:2 = scf.if %in2 -> (f32, f32) {
          %a:2 = func.call @dsc_cuda_f16v_lane(%w2, %x, %nw, %normed,
              %r2, %l, %k)
              : (memref<?xf16>, memref<?xf32>, memref<?xf32>, i1, index, index,
                 index) -> (f32, f32)
          scf.yield %a#0, %a#1 : f32, f32
        } else {
          %a:2 = func.call @dsc_cuda_f16v_lane(%w3, %x, %nw, %normed,
              %r3, %l, %k)
              : (memref<?xf16>, memref<?xf32>, memref<?xf32>, i1, index, index,
                 index) -> (f32, f32)
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
