// RMSNorm of x [rows, dim]: y[r, i] = x[r, i] * w[i] / sqrt(mean(x[r]^2) + eps).
// One GPU block per row.
func.func @dsc_cuda_rms_norm(%x: memref<?xf32>, %w: memref<?xf32>,
                             %y: memref<?xf32>, %rows: index, %dim: index,
                             %eps: f32) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %dimi = arith.index_cast %dim : index to i64
  %dimf = arith.sitofp %dimi : i64 to f32
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    %base = arith.muli %r, %dim : index
    %ss = scf.for %i = %c0 to %dim step %c1 iter_args(%a = %zero) -> f32 {
      %j = arith.addi %base, %i : index
      %v = memref.load %x[%j] : memref<?xf32>
      %a2 = math.fma %v, %v, %a : f32
      scf.yield %a2 : f32
    }
    %mean = arith.divf %ss, %dimf : f32
    %me = arith.addf %mean, %eps : f32
    %root = math.sqrt %me : f32
    %inv = arith.divf %one, %root : f32
    scf.for %i = %c0 to %dim step %c1 {
      %j = arith.addi %base, %i : index
      %v = memref.load %x[%j] : memref<?xf32>
      %wv = memref.load %w[%i] : memref<?xf32>
      %n = arith.mulf %v, %inv : f32
      %o = arith.mulf %n, %wv : f32
      memref.store %o, %y[%j] : memref<?xf32>
    }
    scf.reduce
  }
  return
}
