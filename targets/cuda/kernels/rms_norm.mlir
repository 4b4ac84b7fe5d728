// RMSNorm of x [rows, dim]: y[r, i] = x[r, i] * w[i] / sqrt(mean(x[r]^2) + eps).
// Two kernels, as the GEMVs: 32 lanes a row sum the squares of columns
// l, l + 32, ... (a warp's loads consecutive) into `partial` (rows x 32);
// then one thread per value adds its row's 32 sums (the same addresses
// across the warp) and scales. A thread per row summing its whole row
// alone took about a millisecond per call on an H200 (2048 loads one
// after another), the decode step's largest cost.
func.func @dsc_cuda_rms_norm(%x: memref<?xf32>, %w: memref<?xf32>,
                             %partial: memref<?xf32>, %y: memref<?xf32>,
                             %rows: index, %dim: index, %eps: f32)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %dimi = arith.index_cast %dim : index to i64
  %dimf = arith.sitofp %dimi : i64 to f32
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %base = arith.muli %r, %dim : index
      %ss = scf.for %i = %l to %dim step %c32 iter_args(%a = %zero) -> f32 {
        %j = arith.addi %base, %i : index
        %v = memref.load %x[%j] : memref<?xf32>
        %a2 = math.fma %v, %v, %a : f32
        scf.yield %a2 : f32
      }
      %pr = arith.muli %r, %c32 : index
      %pi = arith.addi %pr, %l : index
      memref.store %ss, %partial[%pi] : memref<?xf32>
      scf.reduce
    }
    scf.reduce
  }
  %n = arith.muli %rows, %dim : index
  scf.parallel (%j) = (%c0) to (%n) step (%c1) {
    %r = arith.divui %j, %dim : index
    %i = arith.remui %j, %dim : index
    %pr = arith.muli %r, %c32 : index
    %ss = scf.for %l = %c0 to %c32 step %c1 iter_args(%a = %zero) -> f32 {
      %pi = arith.addi %pr, %l : index
      %p = memref.load %partial[%pi] : memref<?xf32>
      %a2 = arith.addf %a, %p : f32
      scf.yield %a2 : f32
    }
    %mean = arith.divf %ss, %dimf : f32
    %me = arith.addf %mean, %eps : f32
    %root = math.sqrt %me : f32
    %inv = arith.divf %one, %root : f32
    %v = memref.load %x[%j] : memref<?xf32>
    %wv = memref.load %w[%i] : memref<?xf32>
    %nv = arith.mulf %v, %inv : f32
    %o = arith.mulf %nv, %wv : f32
    memref.store %o, %y[%j] : memref<?xf32>
    scf.reduce
  }
  return
}
