// Prefill's GEMM on tensor cores: y[m, n] = sum_k x[m, k] * w[n, k], x and w
// f16 (w row-major [out, in], as dsc stores weights), y f32. One warp per
// 16x8 tile of y; each step of 16 columns is one mma.sync.m16n8k16 (sm_80
// and later), the fragments loaded as PTX's register layout for that shape
// places them (lane = 4 * g + t):
//   A regs {x[g][2t..2t+1]}, {x[g+8][2t..]}, {x[g][2t+8..]}, {x[g+8][2t+8..]}
//   B regs {w[g][2t..2t+1]}, {w[g][2t+8..]}       (B = w^T, column-major)
//   C      y[g][2t], y[g][2t+1], y[g+8][2t], y[g+8][2t+1]
// m is a multiple of 16, n of 8 and k of 16 (the caller pads).
module attributes {gpu.container_module} {
func.func @dsc_cuda_gemm_f16(%x: memref<?xf16>, %w: memref<?xf16>,
                             %y: memref<?xf32>, %m: index, %n: index,
                             %k: index) attributes {llvm.emit_c_interface} {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %tiles_n = arith.divui %n, %c8 : index
  %tiles_m = arith.divui %m, %c16 : index
  gpu.launch_func @dsc_cuda_gemm_f16_kernel::@dsc_cuda_gemm_f16_kernel
      blocks in (%tiles_n, %tiles_m, %c1) threads in (%c32, %c1, %c1)
      args(%x : memref<?xf16>, %w : memref<?xf16>, %y : memref<?xf32>,
           %m : index, %n : index, %k : index)
  return
}

gpu.module @dsc_cuda_gemm_f16_kernel {
  gpu.func @dsc_cuda_gemm_f16_kernel(%x: memref<?xf16>, %w: memref<?xf16>,
                              %y: memref<?xf32>, %m: index, %n: index,
                              %k: index) kernel {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c4 = arith.constant 4 : index
    %c8 = arith.constant 8 : index
    %c16 = arith.constant 16 : index
    %zero = arith.constant 0.0 : f32
    %lane = gpu.thread_id x
    %g = arith.divui %lane, %c4 : index
    %t = arith.remui %lane, %c4 : index
    %t2 = arith.muli %t, %c2 : index
    %bx = gpu.block_id x
    %by = gpu.block_id y
    %row0 = arith.muli %by, %c16 : index
    %col0 = arith.muli %bx, %c8 : index
    %r = arith.addi %row0, %g : index
    %r8 = arith.addi %r, %c8 : index
    %wr = arith.addi %col0, %g : index
    %xrow = arith.muli %r, %k : index
    %xrow8 = arith.muli %r8, %k : index
    %wrow = arith.muli %wr, %k : index
    %acc:4 = scf.for %kk = %c0 to %k step %c16
        iter_args(%a0 = %zero, %a1 = %zero, %a2 = %zero, %a3 = %zero)
        -> (f32, f32, f32, f32) {
      %col = arith.addi %kk, %t2 : index
      %col8 = arith.addi %col, %c8 : index
      %fa0i = arith.addi %xrow, %col : index
      %fa0j = arith.addi %fa0i, %c1 : index
      %fa0l = memref.load %x[%fa0i] : memref<?xf16>
      %fa0h = memref.load %x[%fa0j] : memref<?xf16>
      %fa0 = vector.from_elements %fa0l, %fa0h : vector<2xf16>
      %fa1i = arith.addi %xrow8, %col : index
      %fa1j = arith.addi %fa1i, %c1 : index
      %fa1l = memref.load %x[%fa1i] : memref<?xf16>
      %fa1h = memref.load %x[%fa1j] : memref<?xf16>
      %fa1 = vector.from_elements %fa1l, %fa1h : vector<2xf16>
      %fa2i = arith.addi %xrow, %col8 : index
      %fa2j = arith.addi %fa2i, %c1 : index
      %fa2l = memref.load %x[%fa2i] : memref<?xf16>
      %fa2h = memref.load %x[%fa2j] : memref<?xf16>
      %fa2 = vector.from_elements %fa2l, %fa2h : vector<2xf16>
      %fa3i = arith.addi %xrow8, %col8 : index
      %fa3j = arith.addi %fa3i, %c1 : index
      %fa3l = memref.load %x[%fa3i] : memref<?xf16>
      %fa3h = memref.load %x[%fa3j] : memref<?xf16>
      %fa3 = vector.from_elements %fa3l, %fa3h : vector<2xf16>
      %fb0i = arith.addi %wrow, %col : index
      %fb0j = arith.addi %fb0i, %c1 : index
      %fb0l = memref.load %w[%fb0i] : memref<?xf16>
      %fb0h = memref.load %w[%fb0j] : memref<?xf16>
      %fb0 = vector.from_elements %fb0l, %fb0h : vector<2xf16>
      %fb1i = arith.addi %wrow, %col8 : index
      %fb1j = arith.addi %fb1i, %c1 : index
      %fb1l = memref.load %w[%fb1i] : memref<?xf16>
      %fb1h = memref.load %w[%fb1j] : memref<?xf16>
      %fb1 = vector.from_elements %fb1l, %fb1h : vector<2xf16>
      %d = nvvm.mma.sync A[%fa0, %fa1, %fa2, %fa3] B[%fb0, %fb1]
                         C[%a0, %a1, %a2, %a3]
          {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>,
           shape = #nvvm.shape<m = 16, n = 8, k = 16>}
          : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
      %d0 = llvm.extractvalue %d[0] : !llvm.struct<(f32, f32, f32, f32)>
      %d1 = llvm.extractvalue %d[1] : !llvm.struct<(f32, f32, f32, f32)>
      %d2 = llvm.extractvalue %d[2] : !llvm.struct<(f32, f32, f32, f32)>
      %d3 = llvm.extractvalue %d[3] : !llvm.struct<(f32, f32, f32, f32)>
      scf.yield %d0, %d1, %d2, %d3 : f32, f32, f32, f32
    }
    %yc = arith.addi %col0, %t2 : index
    %yc1 = arith.addi %yc, %c1 : index
    %yrow = arith.muli %r, %n : index
    %yrow8 = arith.muli %r8, %n : index
    %i0 = arith.addi %yrow, %yc : index
    %i1 = arith.addi %yrow, %yc1 : index
    %i2 = arith.addi %yrow8, %yc : index
    %i3 = arith.addi %yrow8, %yc1 : index
    memref.store %acc#0, %y[%i0] : memref<?xf32>
    memref.store %acc#1, %y[%i1] : memref<?xf32>
    memref.store %acc#2, %y[%i2] : memref<?xf32>
    memref.store %acc#3, %y[%i3] : memref<?xf32>
    gpu.return
  }
}
}
