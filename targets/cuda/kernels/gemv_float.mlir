// Decode's GEMV over float weights: y[n] = sum_k w[n, k] * x[k], w row-major
// f32 or f16 (widened in registers). As the quantized GEMVs: one GPU block
// per row, one warp (32 lanes) per block, lane l reading columns l, l + 32,
// ...; `partial` (n x 32) holds the lanes' sums, which a second loop adds.
func.func @dsc_cuda_gemv_f32(%w: memref<?xf32>, %x: memref<?xf32>,
                             %partial: memref<?xf32>, %y: memref<?xf32>,
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

func.func @dsc_cuda_gemv_f16(%w: memref<?xf16>, %x: memref<?xf32>,
                             %partial: memref<?xf32>, %y: memref<?xf32>,
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
