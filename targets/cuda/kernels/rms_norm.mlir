// RMSNorm of x [rows, dim]: y[r, i] = x[r, i] * w[i] / sqrt(mean(x[r]^2) + eps).
// One warp (32 lanes) a row, in one kernel: lane l sums the squares of
// columns l, l + 32, ... (a warp's loads consecutive), the 32 sums are
// added across the warp by shuffles (gpu.subgroup_reduce: every lane gets
// the row's), and each lane scales the same columns. A thread per row
// summing its whole row alone took about a millisecond per call on an H200
// (2048 loads one after another); partial sums through global memory and
// a second kernel cost a launch and a thread's 32 loads in a row.
func.func @dsc_cuda_rms_norm(%x: memref<?xf32>, %w: memref<?xf32>,
                             %y: memref<?xf32>,
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
      %sum = gpu.subgroup_reduce add %ss uniform : (f32) -> f32
      %mean = arith.divf %sum, %dimf : f32
      %me = arith.addf %mean, %eps : f32
      %root = math.sqrt %me : f32
      %inv = arith.divf %one, %root : f32
      scf.for %i = %l to %dim step %c32 {
        %j = arith.addi %base, %i : index
        %v = memref.load %x[%j] : memref<?xf32>
        %wv = memref.load %w[%i] : memref<?xf32>
        %nv = arith.mulf %v, %inv : f32
        %o = arith.mulf %nv, %wv : f32
        memref.store %o, %y[%j] : memref<?xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}

// The same reading 16 bytes a lane: lane l takes the row's 4-value vectors
// l, l + 32, ..., so that a lane has a quarter of the loads in flight one
// after another (TinyLlama's 2048 values: 16 vectors a lane). For rows of
// whole vectors (dim % 4 == 0: every row starts 16-byte aligned).
func.func @dsc_cuda_rms_norm_v(%x: memref<?xf32>, %w: memref<?xf32>,
                               %y: memref<?xf32>,
                               %rows: index, %dim: index, %eps: f32)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %dimi = arith.index_cast %dim : index to i64
  %dimf = arith.sitofp %dimi : i64 to f32
  %vecs = arith.divui %dim, %c4 : index
  scf.parallel (%r) = (%c0) to (%rows) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %base = arith.muli %r, %dim : index
      %ss = scf.for %v = %l to %vecs step %c32 iter_args(%a = %zero) -> f32 {
        %i = arith.muli %v, %c4 : index
        %j = arith.addi %base, %i : index
        %xv = vector.load %x[%j] {alignment = 16} : memref<?xf32>, vector<4xf32>
        %sq = arith.mulf %xv, %xv : vector<4xf32>
        %s = vector.reduction <add>, %sq : vector<4xf32> into f32
        %a2 = arith.addf %a, %s : f32
        scf.yield %a2 : f32
      }
      %sum = gpu.subgroup_reduce add %ss uniform : (f32) -> f32
      %mean = arith.divf %sum, %dimf : f32
      %me = arith.addf %mean, %eps : f32
      %root = math.sqrt %me : f32
      %inv = arith.divf %one, %root : f32
      %invv = vector.broadcast %inv : f32 to vector<4xf32>
      scf.for %v = %l to %vecs step %c32 {
        %i = arith.muli %v, %c4 : index
        %j = arith.addi %base, %i : index
        %xv = vector.load %x[%j] {alignment = 16} : memref<?xf32>, vector<4xf32>
        %wv = vector.load %w[%i] {alignment = 16} : memref<?xf32>, vector<4xf32>
        %nv = arith.mulf %xv, %invv : vector<4xf32>
        %o = arith.mulf %nv, %wv : vector<4xf32>
        vector.store %o, %y[%j] {alignment = 16} : memref<?xf32>, vector<4xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}
