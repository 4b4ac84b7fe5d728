// Decode's quantized GEMV, 4-bit: y[n] = sum_k (q[n, k] * s[n, k / group]) * x[k]
// over dsc's plain layout (dsc/abi/quant_layout.h): q row-major, two
// signed 4-bit values per byte (low nibble first); s one f32 scale per
// group, row-major over [n, k / group] (group = k is per-channel). One GPU block per row, one warp (32 lanes)
// per block; lane l reads columns l, l + 32, ..., so that a warp's loads
// are consecutive bytes; `partial` (n x 32) holds the lanes' sums, which a
// second loop adds. The values are dequantized in registers.
func.func @dsc_cuda_gemv_q4(%q: memref<?xi8>, %s: memref<?xf32>,
                            %x: memref<?xf32>, %partial: memref<?xf32>,
                            %y: memref<?xf32>, %n: index, %k: index,
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
      %pr = arith.muli %r, %c32 : index
      %pi = arith.addi %pr, %l : index
      memref.store %acc, %partial[%pi] : memref<?xf32>
      scf.reduce
    }
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    %pr = arith.muli %r, %c32 : index
    %sum = scf.for %l = %c0 to %c32 step %c1 iter_args(%a = %zero) -> f32 {
      %pi = arith.addi %pr, %l : index
      %v = memref.load %partial[%pi] : memref<?xf32>
      %a2 = arith.addf %a, %v : f32
      scf.yield %a2 : f32
    }
    memref.store %sum, %y[%r] : memref<?xf32>
    scf.reduce
  }
  return
}
