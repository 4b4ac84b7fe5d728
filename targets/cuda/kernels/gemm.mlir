// The prompt's matmuls on tensor cores (--prefill-precision f16): for a
// block of m prompt positions,
//   y[t, r] = sum_c w[r, c] * x[t, c],   t < m, r < n,
// x [m, k] and y [m, n] f32 row-major, w [n, k] in the GEMVs' plain layouts
// (f16; int8; int4 two values per byte, low nibble first; scales
// [n, k / group], f32 as written or f16: dsc-gpu-retype-scales). One
// warp per 16x32 tile of y (16 positions, 32 weight
// rows: four 16x8 tiles sharing the A fragment), each step of 16 columns
// four mma.sync.m16n8k16 (sm_80 and later), their accumulators a lane's
// vector<16xf32> (four per 8-row subtile j, at 4 j):
// x rounded to f16 in the A fragment, the weight values in the B fragment
// as f16 (int8 and int4 values are exact in f16), the sums f32. A quantized
// weight's group (a multiple of 16) is summed apart and scaled once, in
// f32. So what differs from f32 arithmetic is x's rounding to f16 (clamped
// to its range), which the numpy reference (test/lib/reference.py,
// f16_rows) repeats, and the tensor cores' own f32 accumulation (its
// order and rounding are the hardware's).
//
// The fragments as PTX's register layout for m16n8k16 places them (lane
// = 4 g + t; A = x's 16 rows, B = w's 8 rows transposed):
//   A regs {x[g][2t..2t+1]}, {x[g+8][2t..]}, {x[g][2t+8..]}, {x[g+8][2t+8..]}
//   B regs {w[g][2t..2t+1]}, {w[g][2t+8..]}
//   C      y[g][2t], y[g][2t+1], y[g+8][2t], y[g+8][2t+1]
// n is a multiple of 8 and k of 16 (the launch sequence checks, and takes
// the CUDA-core matmul otherwise); rows of the last tile past m load row m - 1
// and store nothing, subtiles past n load row n - 1 and store nothing. The
// tiles of a row of positions are consecutive blocks, so that they read
// the same rows of x while those are in cache.

// x[i], x[i + 1] rounded to f16: two values of an A fragment, one 8-byte
// load (i is even: a column 2t of a row of k, k even). Values past f16's
// range are clamped to its largest (65504), not made infinite (a NaN
// stays NaN, for the runtime's check of the logits).
func.func private @dsc_cuda_tc_x2(%x: memref<?xf32>, %i: index)
    -> vector<2xf16> {
  %hi = arith.constant dense<65504.0> : vector<2xf32>
  %lo = arith.constant dense<-65504.0> : vector<2xf32>
  %v0 = vector.load %x[%i] {alignment = 8} : memref<?xf32>, vector<2xf32>
  %v1 = arith.minimumf %v0, %hi : vector<2xf32>
  %v2 = arith.maximumf %v1, %lo : vector<2xf32>
  %v = arith.truncf %v2 : vector<2xf32> to vector<2xf16>
  return %v : vector<2xf16>
}

// w[i], w[i + 1] of an F16 weight (i even), one 4-byte load.
func.func private @dsc_cuda_tc_w2_f16(%w: memref<?xf16>, %i: index)
    -> vector<2xf16> {
  %v = vector.load %w[%i] {alignment = 4} : memref<?xf16>, vector<2xf16>
  return %v : vector<2xf16>
}

// Values i, i + 1 of an int8 weight (i even), one 2-byte load, as f16.
func.func private @dsc_cuda_tc_w2_q8(%q: memref<?xi8>, %i: index)
    -> vector<2xf16> {
  %b = vector.load %q[%i] {alignment = 2} : memref<?xi8>, vector<2xi8>
  %v = arith.sitofp %b : vector<2xi8> to vector<2xf16>
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
// and xrow8.
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

// The lane's place in tile `tile`: x's element offsets of its rows g and
// g + 8 (clamped to m - 1), its weight row g of subtile 0, y's row of g,
// y's column 2t of subtile 0, and 2t.
func.func private @dsc_cuda_tc_place(%tile: index, %lane: index, %m: index,
                                     %n: index, %k: index)
    -> (index, index, index, index, index, index) {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %tiles_n = arith.ceildivui %n, %c32 : index
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
  %n0 = arith.muli %tn, %c32 : index
  %wbase = arith.addi %n0, %g : index
  %yc = arith.addi %n0, %t2 : index
  return %xrow, %xrow8, %wbase, %r, %yc, %t2 : index, index, index, index, index, index
}

// The element offset of the lane's weight row in subtile j (row n - 1
// past the last).
func.func private @dsc_cuda_tc_wrow(%wbase: index, %j: index, %n: index,
                                    %k: index) -> index {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %j8 = arith.muli %j, %c8 : index
  %wr = arith.addi %wbase, %j8 : index
  %last = arith.subi %n, %c1 : index
  %row = arith.minui %wr, %last : index
  %at = arith.muli %row, %k : index
  return %at : index
}

func.func private @dsc_cuda_tc_tiles(%m: index, %n: index) -> index {
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %tiles_n = arith.ceildivui %n, %c32 : index
  %tiles_m = arith.ceildivui %m, %c16 : index
  %tiles = arith.muli %tiles_n, %tiles_m : index
  return %tiles : index
}

// A group's sums p scaled into acc: in subtile j, values 4 j + e of
// columns 2t + e % 2, whose weight rows' scales for group gi they take.
func.func private @dsc_cuda_tc_scale(%s: memref<?xf32> {dsc.scales},
                                     %p: vector<16xf32>,
                                     %acc: vector<16xf32>, %yc: index,
                                     %gi: index, %groups: index, %n: index)
    -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %last = arith.subi %n, %c1 : index
  %out = scf.for %j = %c0 to %c4 step %c1
      iter_args(%v = %acc) -> (vector<16xf32>) {
    %j8 = arith.muli %j, %c8 : index
    %col = arith.addi %yc, %j8 : index
    %col1 = arith.addi %col, %c1 : index
    %r0 = arith.minui %col, %last : index
    %r1 = arith.minui %col1, %last : index
    %o0 = arith.muli %r0, %groups : index
    %o1 = arith.muli %r1, %groups : index
    %si0 = arith.addi %o0, %gi : index
    %si1 = arith.addi %o1, %gi : index
    %s0 = memref.load %s[%si0] : memref<?xf32>
    %s1 = memref.load %s[%si1] : memref<?xf32>
    %i0 = arith.muli %j, %c4 : index
    %i1 = arith.addi %i0, %c1 : index
    %i2 = arith.addi %i0, %c2 : index
    %i3 = arith.addi %i0, %c3 : index
    %p0 = vector.extract %p[%i0] : f32 from vector<16xf32>
    %p1 = vector.extract %p[%i1] : f32 from vector<16xf32>
    %p2 = vector.extract %p[%i2] : f32 from vector<16xf32>
    %p3 = vector.extract %p[%i3] : f32 from vector<16xf32>
    %a0 = vector.extract %v[%i0] : f32 from vector<16xf32>
    %a1 = vector.extract %v[%i1] : f32 from vector<16xf32>
    %a2 = vector.extract %v[%i2] : f32 from vector<16xf32>
    %a3 = vector.extract %v[%i3] : f32 from vector<16xf32>
    %n0 = math.fma %p0, %s0, %a0 : f32
    %n1 = math.fma %p1, %s1, %a1 : f32
    %n2 = math.fma %p2, %s0, %a2 : f32
    %n3 = math.fma %p3, %s1, %a3 : f32
    %v0 = vector.insert %n0, %v[%i0] : f32 into vector<16xf32>
    %v1 = vector.insert %n1, %v0[%i1] : f32 into vector<16xf32>
    %v2 = vector.insert %n2, %v1[%i2] : f32 into vector<16xf32>
    %v3 = vector.insert %n3, %v2[%i3] : f32 into vector<16xf32>
    scf.yield %v3 : vector<16xf32>
  }
  return %out : vector<16xf32>
}

// The lane's values of y's tile: in subtile j (columns yc + 8 j, + 1, those
// below n), rows r and r + 8 (those below m).
func.func private @dsc_cuda_tc_store(%y: memref<?xf32>, %acc: vector<16xf32>,
                                     %r: index, %yc: index, %m: index,
                                     %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %r8 = arith.addi %r, %c8 : index
  %in = arith.cmpi ult, %r, %m : index
  %in8 = arith.cmpi ult, %r8, %m : index
  %row = arith.muli %r, %n : index
  %row8 = arith.muli %r8, %n : index
  scf.for %j = %c0 to %c4 step %c1 {
    %j8 = arith.muli %j, %c8 : index
    %col = arith.addi %yc, %j8 : index
    %incol = arith.cmpi ult, %col, %n : index
    %i0 = arith.muli %j, %c4 : index
    %i1 = arith.addi %i0, %c1 : index
    %i2 = arith.addi %i0, %c2 : index
    %i3 = arith.addi %i0, %c3 : index
    %top = arith.andi %in, %incol : i1
    scf.if %top {
      %d0 = vector.extract %acc[%i0] : f32 from vector<16xf32>
      %d1 = vector.extract %acc[%i1] : f32 from vector<16xf32>
      %a = arith.addi %row, %col : index
      %b = arith.addi %a, %c1 : index
      memref.store %d0, %y[%a] : memref<?xf32>
      memref.store %d1, %y[%b] : memref<?xf32>
    }
    %bottom = arith.andi %in8, %incol : i1
    scf.if %bottom {
      %d2 = vector.extract %acc[%i2] : f32 from vector<16xf32>
      %d3 = vector.extract %acc[%i3] : f32 from vector<16xf32>
      %a = arith.addi %row8, %col : index
      %b = arith.addi %a, %c1 : index
      memref.store %d2, %y[%a] : memref<?xf32>
      memref.store %d3, %y[%b] : memref<?xf32>
    }
  }
  return
}

// One mma.sync into subtile j of the lane's accumulators acc (values
// 4 j .. 4 j + 3): A times the B fragment b0, b1.
func.func private @dsc_cuda_tc_mma(%a0: vector<2xf16>, %a1: vector<2xf16>,
                                   %a2: vector<2xf16>, %a3: vector<2xf16>,
                                   %b0: vector<2xf16>, %b1: vector<2xf16>,
                                   %acc: vector<16xf32>, %j: index)
    -> vector<16xf32> {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %i0 = arith.muli %j, %c4 : index
  %i1 = arith.addi %i0, %c1 : index
  %i2 = arith.addi %i0, %c2 : index
  %i3 = arith.addi %i0, %c3 : index
  %c0v = vector.extract %acc[%i0] : f32 from vector<16xf32>
  %c1v = vector.extract %acc[%i1] : f32 from vector<16xf32>
  %c2v = vector.extract %acc[%i2] : f32 from vector<16xf32>
  %c3v = vector.extract %acc[%i3] : f32 from vector<16xf32>
  %mma = nvvm.mma.sync A[%a0, %a1, %a2, %a3] B[%b0, %b1]
                       C[%c0v, %c1v, %c2v, %c3v]
      {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
       shape = #nvvm.shape<m = 16, n = 8, k = 16>}
      : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
  %d0 = llvm.extractvalue %mma[0] : !llvm.struct<(f32, f32, f32, f32)>
  %d1 = llvm.extractvalue %mma[1] : !llvm.struct<(f32, f32, f32, f32)>
  %d2 = llvm.extractvalue %mma[2] : !llvm.struct<(f32, f32, f32, f32)>
  %d3 = llvm.extractvalue %mma[3] : !llvm.struct<(f32, f32, f32, f32)>
  %u0 = vector.insert %d0, %acc[%i0] : f32 into vector<16xf32>
  %u1 = vector.insert %d1, %u0[%i1] : f32 into vector<16xf32>
  %u2 = vector.insert %d2, %u1[%i2] : f32 into vector<16xf32>
  %u3 = vector.insert %d3, %u2[%i3] : f32 into vector<16xf32>
  return %u3 : vector<16xf32>
}

// A step of 16 columns from col (2t past the step's first): the A
// fragment, then for each subtile j its B fragment (the weight's kind) and
// mma.sync.
func.func private @dsc_cuda_tc_step_f16(%w: memref<?xf16>, %x: memref<?xf32>,
                                       %xrow: index, %xrow8: index,
                                       %wbase: index, %col: index, %n: index,
                                       %k: index, %acc: vector<16xf32>)
    -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %a:4 = func.call @dsc_cuda_tc_a(%x, %xrow, %xrow8, %col)
      : (memref<?xf32>, index, index, index)
      -> (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>)
  %out = scf.for %j = %c0 to %c4 step %c1
      iter_args(%u = %acc) -> (vector<16xf32>) {
    %wrow = func.call @dsc_cuda_tc_wrow(%wbase, %j, %n, %k)
        : (index, index, index, index) -> index
    %wi = arith.addi %wrow, %col : index
    %wi8 = arith.addi %wi, %c8 : index
    %b0 = func.call @dsc_cuda_tc_w2_f16(%w, %wi) : (memref<?xf16>, index) -> vector<2xf16>
    %b1 = func.call @dsc_cuda_tc_w2_f16(%w, %wi8) : (memref<?xf16>, index) -> vector<2xf16>
    %u2 = func.call @dsc_cuda_tc_mma(%a#0, %a#1, %a#2, %a#3, %b0, %b1, %u, %j)
        : (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>,
           vector<2xf16>, vector<2xf16>, vector<16xf32>, index)
        -> vector<16xf32>
    scf.yield %u2 : vector<16xf32>
  }
  return %out : vector<16xf32>
}

func.func private @dsc_cuda_tc_step_q8(%w: memref<?xi8>, %x: memref<?xf32>,
                                       %xrow: index, %xrow8: index,
                                       %wbase: index, %col: index, %n: index,
                                       %k: index, %acc: vector<16xf32>)
    -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %a:4 = func.call @dsc_cuda_tc_a(%x, %xrow, %xrow8, %col)
      : (memref<?xf32>, index, index, index)
      -> (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>)
  %out = scf.for %j = %c0 to %c4 step %c1
      iter_args(%u = %acc) -> (vector<16xf32>) {
    %wrow = func.call @dsc_cuda_tc_wrow(%wbase, %j, %n, %k)
        : (index, index, index, index) -> index
    %wi = arith.addi %wrow, %col : index
    %wi8 = arith.addi %wi, %c8 : index
    %b0 = func.call @dsc_cuda_tc_w2_q8(%w, %wi) : (memref<?xi8>, index) -> vector<2xf16>
    %b1 = func.call @dsc_cuda_tc_w2_q8(%w, %wi8) : (memref<?xi8>, index) -> vector<2xf16>
    %u2 = func.call @dsc_cuda_tc_mma(%a#0, %a#1, %a#2, %a#3, %b0, %b1, %u, %j)
        : (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>,
           vector<2xf16>, vector<2xf16>, vector<16xf32>, index)
        -> vector<16xf32>
    scf.yield %u2 : vector<16xf32>
  }
  return %out : vector<16xf32>
}

func.func private @dsc_cuda_tc_step_q4(%w: memref<?xi8>, %x: memref<?xf32>,
                                       %xrow: index, %xrow8: index,
                                       %wbase: index, %col: index, %n: index,
                                       %k: index, %acc: vector<16xf32>)
    -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %a:4 = func.call @dsc_cuda_tc_a(%x, %xrow, %xrow8, %col)
      : (memref<?xf32>, index, index, index)
      -> (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>)
  %out = scf.for %j = %c0 to %c4 step %c1
      iter_args(%u = %acc) -> (vector<16xf32>) {
    %wrow = func.call @dsc_cuda_tc_wrow(%wbase, %j, %n, %k)
        : (index, index, index, index) -> index
    %wi = arith.addi %wrow, %col : index
    %wi8 = arith.addi %wi, %c8 : index
    %b0 = func.call @dsc_cuda_tc_w2_q4(%w, %wi) : (memref<?xi8>, index) -> vector<2xf16>
    %b1 = func.call @dsc_cuda_tc_w2_q4(%w, %wi8) : (memref<?xi8>, index) -> vector<2xf16>
    %u2 = func.call @dsc_cuda_tc_mma(%a#0, %a#1, %a#2, %a#3, %b0, %b1, %u, %j)
        : (vector<2xf16>, vector<2xf16>, vector<2xf16>, vector<2xf16>,
           vector<2xf16>, vector<2xf16>, vector<16xf32>, index)
        -> vector<16xf32>
    scf.yield %u2 : vector<16xf32>
  }
  return %out : vector<16xf32>
}

func.func @dsc_cuda_gemm_wf16(%w: memref<?xf16>, %x: memref<?xf32>,
                              %y: memref<?xf32>, %m: index, %n: index,
                              %k: index) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %zeros = arith.constant dense<0.0> : vector<16xf32>
  %tiles = func.call @dsc_cuda_tc_tiles(%m, %n) : (index, index) -> index
  scf.parallel (%tile) = (%c0) to (%tiles) step (%c1) {
    scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
      %xrow, %xrow8, %wbase, %r, %yc, %t2 = func.call @dsc_cuda_tc_place(
          %tile, %lane, %m, %n, %k)
          : (index, index, index, index, index)
          -> (index, index, index, index, index, index)
      %acc = scf.for %kk = %c0 to %k step %c16
          iter_args(%v = %zeros) -> (vector<16xf32>) {
        %col = arith.addi %kk, %t2 : index
        %v2 = func.call @dsc_cuda_tc_step_f16(%w, %x, %xrow, %xrow8, %wbase,
                                             %col, %n, %k, %v)
            : (memref<?xf16>, memref<?xf32>, index, index, index, index, index,
               index, vector<16xf32>) -> vector<16xf32>
        scf.yield %v2 : vector<16xf32>
      }
      func.call @dsc_cuda_tc_store(%y, %acc, %r, %yc, %m, %n)
          : (memref<?xf32>, vector<16xf32>, index, index, index, index) -> ()
      scf.reduce
    }
    scf.reduce
  }
  return
}

// A quantized weight's kernels sum each group's steps from zero, then
// scale them by the group's scales (dsc_cuda_tc_scale) and add.
func.func @dsc_cuda_gemm_q8(%w: memref<?xi8>, %s: memref<?xf32> {dsc.scales},
                            %x: memref<?xf32>, %y: memref<?xf32>,
                            %m: index, %n: index, %k: index, %group: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %zeros = arith.constant dense<0.0> : vector<16xf32>
  %groups = arith.divui %k, %group : index
  %tiles = func.call @dsc_cuda_tc_tiles(%m, %n) : (index, index) -> index
  scf.parallel (%tile) = (%c0) to (%tiles) step (%c1) {
    scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
      %xrow, %xrow8, %wbase, %r, %yc, %t2 = func.call @dsc_cuda_tc_place(
          %tile, %lane, %m, %n, %k)
          : (index, index, index, index, index)
          -> (index, index, index, index, index, index)
      %acc = scf.for %gi = %c0 to %groups step %c1
          iter_args(%g = %zeros) -> (vector<16xf32>) {
        %base = arith.muli %gi, %group : index
        %end = arith.addi %base, %group : index
        %p = scf.for %kk = %base to %end step %c16
            iter_args(%v = %zeros) -> (vector<16xf32>) {
          %col = arith.addi %kk, %t2 : index
          %v2 = func.call @dsc_cuda_tc_step_q8(%w, %x, %xrow, %xrow8, %wbase,
                                               %col, %n, %k, %v)
              : (memref<?xi8>, memref<?xf32>, index, index, index, index, index,
                 index, vector<16xf32>) -> vector<16xf32>
          scf.yield %v2 : vector<16xf32>
        }
        %g2 = func.call @dsc_cuda_tc_scale(%s, %p, %g, %yc, %gi, %groups, %n)
            : (memref<?xf32>, vector<16xf32>, vector<16xf32>, index, index,
               index, index) -> vector<16xf32>
        scf.yield %g2 : vector<16xf32>
      }
      func.call @dsc_cuda_tc_store(%y, %acc, %r, %yc, %m, %n)
          : (memref<?xf32>, vector<16xf32>, index, index, index, index) -> ()
      scf.reduce
    }
    scf.reduce
  }
  return
}

func.func @dsc_cuda_gemm_q4(%w: memref<?xi8>, %s: memref<?xf32> {dsc.scales},
                            %x: memref<?xf32>, %y: memref<?xf32>,
                            %m: index, %n: index, %k: index, %group: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %zeros = arith.constant dense<0.0> : vector<16xf32>
  %groups = arith.divui %k, %group : index
  %tiles = func.call @dsc_cuda_tc_tiles(%m, %n) : (index, index) -> index
  scf.parallel (%tile) = (%c0) to (%tiles) step (%c1) {
    scf.parallel (%lane) = (%c0) to (%c32) step (%c1) {
      %xrow, %xrow8, %wbase, %r, %yc, %t2 = func.call @dsc_cuda_tc_place(
          %tile, %lane, %m, %n, %k)
          : (index, index, index, index, index)
          -> (index, index, index, index, index, index)
      %acc = scf.for %gi = %c0 to %groups step %c1
          iter_args(%g = %zeros) -> (vector<16xf32>) {
        %base = arith.muli %gi, %group : index
        %end = arith.addi %base, %group : index
        %p = scf.for %kk = %base to %end step %c16
            iter_args(%v = %zeros) -> (vector<16xf32>) {
          %col = arith.addi %kk, %t2 : index
          %v2 = func.call @dsc_cuda_tc_step_q4(%w, %x, %xrow, %xrow8, %wbase,
                                               %col, %n, %k, %v)
              : (memref<?xi8>, memref<?xf32>, index, index, index, index, index,
                 index, vector<16xf32>) -> vector<16xf32>
          scf.yield %v2 : vector<16xf32>
        }
        %g2 = func.call @dsc_cuda_tc_scale(%s, %p, %g, %yc, %gi, %groups, %n)
            : (memref<?xf32>, vector<16xf32>, vector<16xf32>, index, index,
               index, index) -> vector<16xf32>
        scf.yield %g2 : vector<16xf32>
      }
      func.call @dsc_cuda_tc_store(%y, %acc, %r, %yc, %m, %n)
          : (memref<?xf32>, vector<16xf32>, index, index, index, index) -> ()
      scf.reduce
    }
    scf.reduce
  }
  return
}
