// The element-wise kernels. The residual add and SwiGLU are declared here
// and not written: dsc-gpu-derive-kernels gives them the body the CPU
// path's lowering makes of dsc.add and dsc.swiglu (one linalg.generic).
// RoPE is written by hand. One parallel loop each, as linalg's parallel
// lowering makes them; dsc-cuda-lower tiles it into blocks of threads.

// y = a + b over n values.
func.func private @dsc_cuda_add(%a: memref<?xf32>, %b: memref<?xf32>,
                                %y: memref<?xf32>, %n: index)

// y = silu(a) * b over n values (the FFN's gate and up projections).
func.func private @dsc_cuda_swiglu(%a: memref<?xf32>, %b: memref<?xf32>,
                                   %y: memref<?xf32>, %n: index)

// RoPE on x [rows, heads, dim] in place, and on x2 [rows, heads2, dim]
// in the same launch (attention's q and k; heads2 = 0: x alone), row t at
// position at[0] + t (at: one i64 in device memory, so that a captured
// launch serves every position): pair (2j, 2j + 1) of every head of row t
// rotated by the angle whose cosine and sine are cos[p, j] and sin[p, j]
// (the RoPE tables [positions, dim / 2], as the CPU path computes them).
func.func @dsc_cuda_rope(%x: memref<?xf32>, %x2: memref<?xf32>,
                         %cos: memref<?xf32>, %sin: memref<?xf32>,
                         %at: memref<?xi64>, %rows: index, %heads: index,
                         %heads2: index, %dim: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %half = arith.divui %dim, %c2 : index
  %units1 = arith.muli %rows, %heads : index
  %units2 = arith.muli %rows, %heads2 : index
  %units = arith.addi %units1, %units2 : index
  %pairs = arith.muli %units, %half : index
  scf.parallel (%p) = (%c0) to (%pairs) step (%c1) {
    %first64 = memref.load %at[%c0] : memref<?xi64>
    %first = arith.index_cast %first64 : i64 to index
    %u = arith.divui %p, %half : index
    %j = arith.remui %p, %half : index
    // Unit u: head h of x, or head h of x2 past x's units.
    %inx = arith.cmpi ult, %u, %units1 : index
    %u2 = arith.subi %u, %units1 : index
    %h = arith.select %inx, %u, %u2 : index
    %hn = arith.select %inx, %heads, %heads2 : index
    %t = arith.divui %h, %hn : index
    %pos = arith.addi %first, %t : index
    %trow = arith.muli %pos, %half : index
    %ti = arith.addi %trow, %j : index
    %j2 = arith.muli %j, %c2 : index
    %cv = memref.load %cos[%ti] : memref<?xf32>
    %sv = memref.load %sin[%ti] : memref<?xf32>
    %base = arith.muli %h, %dim : index
    %i0 = arith.addi %base, %j2 : index
    %i1 = arith.addi %i0, %c1 : index
    %x0, %x1 = scf.if %inx -> (f32, f32) {
      %v0 = memref.load %x[%i0] : memref<?xf32>
      %v1 = memref.load %x[%i1] : memref<?xf32>
      scf.yield %v0, %v1 : f32, f32
    } else {
      %v0 = memref.load %x2[%i0] : memref<?xf32>
      %v1 = memref.load %x2[%i1] : memref<?xf32>
      scf.yield %v0, %v1 : f32, f32
    }
    %a = arith.mulf %x0, %cv : f32
    %b = arith.mulf %x1, %sv : f32
    %r0 = arith.subf %a, %b : f32
    %c = arith.mulf %x0, %sv : f32
    %d = arith.mulf %x1, %cv : f32
    %r1 = arith.addf %c, %d : f32
    scf.if %inx {
      memref.store %r0, %x[%i0] : memref<?xf32>
      memref.store %r1, %x[%i1] : memref<?xf32>
    } else {
      memref.store %r0, %x2[%i0] : memref<?xf32>
      memref.store %r1, %x2[%i1] : memref<?xf32>
    }
    scf.reduce
  }
  return
}
