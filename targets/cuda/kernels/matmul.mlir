// The prompt's matmuls on CUDA cores: for a block of m prompt positions,
//   y[t, r] = sum_c w[r, c] * x[t, c],   t < m, r < n,
// x [m, k] and y [m, n] row-major, w in the GEMVs' plain layouts (int8,
// int4 two values per byte low nibble first, with scales [n, k / group],
// f32 or f16: dsc-gpu-retype-scales; f32; f16). One GPU block per weight
// row, one thread per position: the
// block's threads load the same weight element together, which the GPU
// serves with one load for the warp, so a weight is read from memory once
// per block of positions where decode's GEMV reads it once per position.
// The values are dequantized in registers; each sum is f32 in the order of
// k (decode's GEMV adds 32 strided partial sums instead, so the two can
// differ in the last bits).

func.func @dsc_cuda_matmul_q8(%q: memref<?xi8>, %s: memref<?xf32> {dsc.scales},
                              %x: memref<?xf32>, %y: memref<?xf32>,
                              %m: index, %n: index, %k: index, %group: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %groups = arith.divui %k, %group : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%t) = (%c0) to (%m) step (%c1) {
      %row = arith.muli %r, %k : index
      %srow = arith.muli %r, %groups : index
      %xrow = arith.muli %t, %k : index
      %acc = scf.for %c = %c0 to %k step %c1 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %c : index
        %qv = memref.load %q[%i] : memref<?xi8>
        %qf = arith.sitofp %qv : i8 to f32
        %g = arith.divui %c, %group : index
        %si = arith.addi %srow, %g : index
        %sv = memref.load %s[%si] : memref<?xf32>
        %xi = arith.addi %xrow, %c : index
        %xv = memref.load %x[%xi] : memref<?xf32>
        %w = arith.mulf %qf, %sv : f32
        %a2 = math.fma %w, %xv, %a : f32
        scf.yield %a2 : f32
      }
      %yr = arith.muli %t, %n : index
      %yi = arith.addi %yr, %r : index
      memref.store %acc, %y[%yi] : memref<?xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

func.func @dsc_cuda_matmul_q4(%q: memref<?xi8>, %s: memref<?xf32> {dsc.scales},
                              %x: memref<?xf32>, %y: memref<?xf32>,
                              %m: index, %n: index, %k: index, %group: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %c4i8 = arith.constant 4 : i8
  %groups = arith.divui %k, %group : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%t) = (%c0) to (%m) step (%c1) {
      %row = arith.muli %r, %k : index
      %srow = arith.muli %r, %groups : index
      %xrow = arith.muli %t, %k : index
      %acc = scf.for %c = %c0 to %k step %c1 iter_args(%a = %zero) -> f32 {
        // Value c of the row is nibble c % 2 of byte c / 2 (k is even).
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
        %xi = arith.addi %xrow, %c : index
        %xv = memref.load %x[%xi] : memref<?xf32>
        %w = arith.mulf %qf, %sv : f32
        %a2 = math.fma %w, %xv, %a : f32
        scf.yield %a2 : f32
      }
      %yr = arith.muli %t, %n : index
      %yi = arith.addi %yr, %r : index
      memref.store %acc, %y[%yi] : memref<?xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

func.func @dsc_cuda_matmul_f32(%w: memref<?xf32>, %x: memref<?xf32>,
                               %y: memref<?xf32>, %m: index, %n: index,
                               %k: index) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%t) = (%c0) to (%m) step (%c1) {
      %row = arith.muli %r, %k : index
      %xrow = arith.muli %t, %k : index
      %acc = scf.for %c = %c0 to %k step %c1 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %c : index
        %wv = memref.load %w[%i] : memref<?xf32>
        %xi = arith.addi %xrow, %c : index
        %xv = memref.load %x[%xi] : memref<?xf32>
        %a2 = math.fma %wv, %xv, %a : f32
        scf.yield %a2 : f32
      }
      %yr = arith.muli %t, %n : index
      %yi = arith.addi %yr, %r : index
      memref.store %acc, %y[%yi] : memref<?xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}

func.func @dsc_cuda_matmul_f16(%w: memref<?xf16>, %x: memref<?xf32>,
                               %y: memref<?xf32>, %m: index, %n: index,
                               %k: index) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%t) = (%c0) to (%m) step (%c1) {
      %row = arith.muli %r, %k : index
      %xrow = arith.muli %t, %k : index
      %acc = scf.for %c = %c0 to %k step %c1 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %c : index
        %wh = memref.load %w[%i] : memref<?xf16>
        %wv = arith.extf %wh : f16 to f32
        %xi = arith.addi %xrow, %c : index
        %xv = memref.load %x[%xi] : memref<?xf32>
        %a2 = math.fma %wv, %xv, %a : f32
        scf.yield %a2 : f32
      }
      %yr = arith.muli %t, %n : index
      %yi = arith.addi %yr, %r : index
      memref.store %acc, %y[%yi] : memref<?xf32>
      scf.reduce
    }
    scf.reduce
  }
  return
}
