// The prompt's matmuls on tensor cores (--prefill-precision f16): for a
// block of m prompt positions,
//   y[t, r] = sum_c w[r, c] * x[t, c],   t < m, r < n,
// x [m, k] and y [m, n] f32 row-major, w [n, k] in the GEMVs' plain layouts
// (f16; int8; int4 two values per byte, low nibble first; f32 scales
// [n, k / group]). One warp per 16x8 tile of y (16 positions, 8 weight
// rows), each step of 16 columns one mma.sync.m16n8k16 (sm_80 and later):
// x rounded to f16 in the A fragment, the weight values in the B fragment
// as f16 (int8 and int4 values are exact in f16), the sums f32. A quantized
// weight's group (a multiple of 16) is summed apart and scaled once, in
// f32. So the only rounding beyond f32's is x's to f16, which the numpy
// reference (test/lib/reference.py, f16_rows) repeats.
//
// The fragments as PTX's register layout for m16n8k16 places them (lane
// = 4 g + t; A = x's 16 rows, B = w's 8 rows transposed):
//   A regs {x[g][2t..2t+1]}, {x[g+8][2t..]}, {x[g][2t+8..]}, {x[g+8][2t+8..]}
//   B regs {w[g][2t..2t+1]}, {w[g][2t+8..]}
//   C      y[g][2t], y[g][2t+1], y[g+8][2t], y[g+8][2t+1]
// n is a multiple of 8 and k of 16 (the runtime checks, and takes the
// CUDA-core matmul otherwise); rows of the last tile past m load row m - 1
// and store nothing. The tiles of a row of positions are consecutive
// blocks, so that they read the same rows of x while those are in cache.

// x[i], x[i + 1] rounded to f16: two values of an A fragment.
func.func private @dsc_cuda_tc_x2(%x: memref<?xf32>, %i: index)
    -> vector<2xf16> {
  %c1 = arith.constant 1 : index
  %j = arith.addi %i, %c1 : index
  %a = memref.load %x[%i] : memref<?xf32>
  %b = memref.load %x[%j] : memref<?xf32>
  %ah = arith.truncf %a : f32 to f16
  %bh = arith.truncf %b : f32 to f16
  %v = vector.from_elements %ah, %bh : vector<2xf16>
  return %v : vector<2xf16>
}

// w[i], w[i + 1] of an F16 weight.
func.func private @dsc_cuda_tc_w2_f16(%w: memref<?xf16>, %i: index)
    -> vector<2xf16> {
  %c1 = arith.constant 1 : index
  %j = arith.addi %i, %c1 : index
  %a = memref.load %w[%i] : memref<?xf16>
  %b = memref.load %w[%j] : memref<?xf16>
  %v = vector.from_elements %a, %b : vector<2xf16>
  return %v : vector<2xf16>
}

// Values i, i + 1 of an int8 weight, as f16.
func.func private @dsc_cuda_tc_w2_q8(%q: memref<?xi8>, %i: index)
    -> vector<2xf16> {
  %c1 = arith.constant 1 : index
  %j = arith.addi %i, %c1 : index
  %a = memref.load %q[%i] : memref<?xi8>
  %b = memref.load %q[%j] : memref<?xi8>
  %ah = arith.sitofp %a : i8 to f16
  %bh = arith.sitofp %b : i8 to f16
  %v = vector.from_elements %ah, %bh : vector<2xf16>
  return %v : vector<2xf16>
}

// Values i, i + 1 of an int4 weight (i even): the two nibbles of byte
// i / 2, low first, sign-extended, as f16.
func.func private @dsc_cuda_tc_w2_q4(%q: memref<?xi8>, %i: index)
    -> vector<2xf16> {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : i8
  %at = arith.shrui %i, %c1 : index
  %byte = memref.load %q[%at] : memref<?xi8>
  %up = arith.shli %byte, %c4 : i8
  %lo = arith.shrsi %up, %c4 : i8
  %hi = arith.shrsi %byte, %c4 : i8
  %loh = arith.sitofp %lo : i8 to f16
  %hih = arith.sitofp %hi : i8 to f16
  %v = vector.from_elements %loh, %hih : vector<2xf16>
  return %v : vector<2xf16>
}

// The A fragment of columns col.. of x's rows at element offsets xrow
// and xrow8. (The mma.sync itself is in each kernel: the inliner does not
// move NVVM operations.)
func.func private @dsc_cuda_tc_a(%x: memref<?xf32>, %xrow: index,
                                 %xrow8: index, %col: index)
    -> (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>) {
  %c8 = arith.constant 8 : index
  %col8 = arith.addi %col, %c8 : index
  %i0 = arith.addi %xrow, %col : index
  %i1 = arith.addi %xrow8, %col : index
  %i2 = arith.addi %xrow, %col8 : index
  %i3 = arith.addi %xrow8, %col8 : index
  %a0 = func.call @dsc_cuda_tc_x2(%x, %i0) : (memref<?xf32>, index) -> vector<2xf16>
  %a1 = func.call @dsc_cuda_tc_x2(%x, %i1) : (memref<?xf32>, index) -> vector<2xf16>
  %a2 = func.call @dsc_cuda_tc_x2(%x, %i2) : (memref<?xf32>, index) -> vector<2xf16>
  %a3 = func.call @dsc_cuda_tc_x2(%x, %i3) : (memref<?xf32>, index) -> vector<2xf16>
  return %a0, %a1, %a2, %a3 : vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>
}

// The lane's four values of y's tile: rows r, r + 8 (those below m),
// columns c, c + 1.
func.func private @dsc_cuda_tc_store(%y: memref<?xf32>, %d0: f32, %d1: f32,
                                     %d2: f32, %d3: f32, %r: index,
                                     %c: index, %m: index, %n: index) {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %r8 = arith.addi %r, %c8 : index
  %in = arith.cmpi ult, %r, %m : index
  scf.if %in {
    %row = arith.muli %r, %n : index
    %i0 = arith.addi %row, %c : index
    %i1 = arith.addi %i0, %c1 : index
    memref.store %d0, %y[%i0] : memref<?xf32>
    memref.store %d1, %y[%i1] : memref<?xf32>
  }
  %in8 = arith.cmpi ult, %r8, %m : index
  scf.if %in8 {
    %row = arith.muli %r8, %n : index
    %i2 = arith.addi %row, %c : index
    %i3 = arith.addi %i2, %c1 : index
    memref.store %d2, %y[%i2] : memref<?xf32>
    memref.store %d3, %y[%i3] : memref<?xf32>
  }
  return
}

// The lane's place in tile `tile`: x's element offsets of its rows g and
// g + 8 (clamped to m - 1), the weight's of its row g, y's row of g and
// column 2t, and 2t.
func.func private @dsc_cuda_tc_place(%tile: index, %lane: index, %m: index,
                                     %n: index, %k: index)
    -> (index, index, index, index, index, index) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %tiles_n = arith.divui %n, %c8 : index
  %tn = arith.remui %tile, %tiles_n : index
  %tm = arith.divui %tile, %tiles_n : index
  %g = arith.divui %lane, %c4 : index
  %t = arith.remui %lane, %c4 : index
  %t2 = arith.muli %t, %c2 : index
  %r0 = arith.muli %tm, %c16 : index
  %r = arith.addi %r0, %g : index
  %r8 = arith.addi %r, %c8 : index
  %last = arith.subi %m, %c1 : index
  %ra = arith.minui %r, %last : index
  %ra8 = arith.minui %r8, %last : index
  %xrow = arith.muli %ra, %k : index
  %xrow8 = arith.muli %ra8, %k : index
  %n0 = arith.muli %tn, %c8 : index
  %wr = arith.addi %n0, %g : index
  %wrow = arith.muli %wr, %k : index
  %yc = arith.addi %n0, %t2 : index
  return %xrow, %xrow8, %wrow, %r, %yc, %t2 : index, index, index, index, index, index
}

func.func private @dsc_cuda_tc_tiles(%m: index, %n: index) -> index {
  %c8 = arith.constant 8 : index
  %c15 = arith.constant 15 : index
  %c16 = arith.constant 16 : index
  %tiles_n = arith.divui %n, %c8 : index
  %m15 = arith.addi %m, %c15 : index
  %tiles_m = arith.divui %m15, %c16 : index
  %tiles = arith.muli %tiles_n, %tiles_m : index
  return %tiles : index
}

func.func @dsc_cuda_gemm_wf16(%w: memref<?xf16>, %x: memref<?xf32>,
                              %y: memref<?xf32>, %m: index, %n: index,
                              %k: index) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %tiles = func.call @dsc_cuda_tc_tiles(%m, %n) : (index, index) -> index
  scf.parallel (%tile) = (%c0) to (%tiles) step (%c1) {
    scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
      %xrow, %xrow8, %wrow, %r, %yc, %t2 = func.call @dsc_cuda_tc_place(
          %tile, %lane, %m, %n, %k)
          : (index, index, index, index, index)
          -> (index, index, index, index, index, index)
      %acc:4 = scf.for %kk = %c0 to %k step %c16
          iter_args(%a0 = %zero, %a1 = %zero, %a2 = %zero, %a3 = %zero)
          -> (f32, f32, f32, f32) {
        %col = arith.addi %kk, %t2 : index
        %wi = arith.addi %wrow, %col : index
        %wi8 = arith.addi %wi, %c8 : index
        %b0 = func.call @dsc_cuda_tc_w2_f16(%w, %wi) : (memref<?xf16>, index) -> vector<2xf16>
        %b1 = func.call @dsc_cuda_tc_w2_f16(%w, %wi8) : (memref<?xf16>, index) -> vector<2xf16>
        %a:4 = func.call @dsc_cuda_tc_a(%x, %xrow, %xrow8, %col)
            : (memref<?xf32>, index, index, index)
            -> (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>)
        %mma = nvvm.mma.sync A[%a#0, %a#1, %a#2, %a#3] B[%b0, %b1]
                             C[%a0, %a1, %a2, %a3]
            {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
             shape = #nvvm.shape<m = 16, n = 8, k = 16>}
            : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
        %d0 = llvm.extractvalue %mma[0] : !llvm.struct<(f32, f32, f32, f32)>
        %d1 = llvm.extractvalue %mma[1] : !llvm.struct<(f32, f32, f32, f32)>
        %d2 = llvm.extractvalue %mma[2] : !llvm.struct<(f32, f32, f32, f32)>
        %d3 = llvm.extractvalue %mma[3] : !llvm.struct<(f32, f32, f32, f32)>
        scf.yield %d0, %d1, %d2, %d3 : f32, f32, f32, f32
      }
      func.call @dsc_cuda_tc_store(%y, %acc#0, %acc#1, %acc#2, %acc#3, %r,
                                   %yc, %m, %n)
          : (memref<?xf32>, f32, f32, f32, f32, index, index, index,
             index) -> ()
      scf.reduce
    }
    scf.reduce
  }
  return
}

// A quantized weight: each group's steps summed from zero, then scaled by
// the group's scales of the lane's two weight rows (columns 2t and 2t + 1
// of the tile) and added.
func.func @dsc_cuda_gemm_q8(%q: memref<?xi8>, %s: memref<?xf32>,
                            %x: memref<?xf32>, %y: memref<?xf32>,
                            %m: index, %n: index, %k: index, %group: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %groups = arith.divui %k, %group : index
  %tiles = func.call @dsc_cuda_tc_tiles(%m, %n) : (index, index) -> index
  scf.parallel (%tile) = (%c0) to (%tiles) step (%c1) {
    scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
      %xrow, %xrow8, %wrow, %r, %yc, %t2 = func.call @dsc_cuda_tc_place(
          %tile, %lane, %m, %n, %k)
          : (index, index, index, index, index)
          -> (index, index, index, index, index, index)
      %srow0 = arith.muli %yc, %groups : index
      %srow1 = arith.addi %srow0, %groups : index
      %acc:4 = scf.for %gi = %c0 to %groups step %c1
          iter_args(%a0 = %zero, %a1 = %zero, %a2 = %zero, %a3 = %zero)
          -> (f32, f32, f32, f32) {
        %base = arith.muli %gi, %group : index
        %end = arith.addi %base, %group : index
        %p:4 = scf.for %kk = %base to %end step %c16
            iter_args(%p0 = %zero, %p1 = %zero, %p2 = %zero, %p3 = %zero)
            -> (f32, f32, f32, f32) {
          %col = arith.addi %kk, %t2 : index
          %wi = arith.addi %wrow, %col : index
          %wi8 = arith.addi %wi, %c8 : index
          %b0 = func.call @dsc_cuda_tc_w2_q8(%q, %wi) : (memref<?xi8>, index) -> vector<2xf16>
          %b1 = func.call @dsc_cuda_tc_w2_q8(%q, %wi8) : (memref<?xi8>, index) -> vector<2xf16>
          %a:4 = func.call @dsc_cuda_tc_a(%x, %xrow, %xrow8, %col)
              : (memref<?xf32>, index, index, index)
              -> (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>)
          %mma = nvvm.mma.sync A[%a#0, %a#1, %a#2, %a#3] B[%b0, %b1]
                               C[%p0, %p1, %p2, %p3]
              {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
               shape = #nvvm.shape<m = 16, n = 8, k = 16>}
              : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
          %d0 = llvm.extractvalue %mma[0] : !llvm.struct<(f32, f32, f32, f32)>
          %d1 = llvm.extractvalue %mma[1] : !llvm.struct<(f32, f32, f32, f32)>
          %d2 = llvm.extractvalue %mma[2] : !llvm.struct<(f32, f32, f32, f32)>
          %d3 = llvm.extractvalue %mma[3] : !llvm.struct<(f32, f32, f32, f32)>
          scf.yield %d0, %d1, %d2, %d3 : f32, f32, f32, f32
        }
        %si0 = arith.addi %srow0, %gi : index
        %si1 = arith.addi %srow1, %gi : index
        %s0 = memref.load %s[%si0] : memref<?xf32>
        %s1 = memref.load %s[%si1] : memref<?xf32>
        %n0 = math.fma %p#0, %s0, %a0 : f32
        %n1 = math.fma %p#1, %s1, %a1 : f32
        %n2 = math.fma %p#2, %s0, %a2 : f32
        %n3 = math.fma %p#3, %s1, %a3 : f32
        scf.yield %n0, %n1, %n2, %n3 : f32, f32, f32, f32
      }
      func.call @dsc_cuda_tc_store(%y, %acc#0, %acc#1, %acc#2, %acc#3, %r,
                                   %yc, %m, %n)
          : (memref<?xf32>, f32, f32, f32, f32, index, index, index,
             index) -> ()
      scf.reduce
    }
    scf.reduce
  }
  return
}

func.func @dsc_cuda_gemm_q4(%q: memref<?xi8>, %s: memref<?xf32>,
                            %x: memref<?xf32>, %y: memref<?xf32>,
                            %m: index, %n: index, %k: index, %group: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %groups = arith.divui %k, %group : index
  %tiles = func.call @dsc_cuda_tc_tiles(%m, %n) : (index, index) -> index
  scf.parallel (%tile) = (%c0) to (%tiles) step (%c1) {
    scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
      %xrow, %xrow8, %wrow, %r, %yc, %t2 = func.call @dsc_cuda_tc_place(
          %tile, %lane, %m, %n, %k)
          : (index, index, index, index, index)
          -> (index, index, index, index, index, index)
      %srow0 = arith.muli %yc, %groups : index
      %srow1 = arith.addi %srow0, %groups : index
      %acc:4 = scf.for %gi = %c0 to %groups step %c1
          iter_args(%a0 = %zero, %a1 = %zero, %a2 = %zero, %a3 = %zero)
          -> (f32, f32, f32, f32) {
        %base = arith.muli %gi, %group : index
        %end = arith.addi %base, %group : index
        %p:4 = scf.for %kk = %base to %end step %c16
            iter_args(%p0 = %zero, %p1 = %zero, %p2 = %zero, %p3 = %zero)
            -> (f32, f32, f32, f32) {
          %col = arith.addi %kk, %t2 : index
          %wi = arith.addi %wrow, %col : index
          %wi8 = arith.addi %wi, %c8 : index
          %b0 = func.call @dsc_cuda_tc_w2_q4(%q, %wi) : (memref<?xi8>, index) -> vector<2xf16>
          %b1 = func.call @dsc_cuda_tc_w2_q4(%q, %wi8) : (memref<?xi8>, index) -> vector<2xf16>
          %a:4 = func.call @dsc_cuda_tc_a(%x, %xrow, %xrow8, %col)
              : (memref<?xf32>, index, index, index)
              -> (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>)
          %mma = nvvm.mma.sync A[%a#0, %a#1, %a#2, %a#3] B[%b0, %b1]
                               C[%p0, %p1, %p2, %p3]
              {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
               shape = #nvvm.shape<m = 16, n = 8, k = 16>}
              : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
          %d0 = llvm.extractvalue %mma[0] : !llvm.struct<(f32, f32, f32, f32)>
          %d1 = llvm.extractvalue %mma[1] : !llvm.struct<(f32, f32, f32, f32)>
          %d2 = llvm.extractvalue %mma[2] : !llvm.struct<(f32, f32, f32, f32)>
          %d3 = llvm.extractvalue %mma[3] : !llvm.struct<(f32, f32, f32, f32)>
          scf.yield %d0, %d1, %d2, %d3 : f32, f32, f32, f32
        }
        %si0 = arith.addi %srow0, %gi : index
        %si1 = arith.addi %srow1, %gi : index
        %s0 = memref.load %s[%si0] : memref<?xf32>
        %s1 = memref.load %s[%si1] : memref<?xf32>
        %n0 = math.fma %p#0, %s0, %a0 : f32
        %n1 = math.fma %p#1, %s1, %a1 : f32
        %n2 = math.fma %p#2, %s0, %a2 : f32
        %n3 = math.fma %p#3, %s1, %a3 : f32
        scf.yield %n0, %n1, %n2, %n3 : f32, f32, f32, f32
      }
      func.call @dsc_cuda_tc_store(%y, %acc#0, %acc#1, %acc#2, %acc#3, %r,
                                   %yc, %m, %n)
          : (memref<?xf32>, f32, f32, f32, f32, index, index, index,
             index) -> ()
      scf.reduce
    }
    scf.reduce
  }
  return
}
