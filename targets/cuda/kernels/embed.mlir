// The embedding rows of `rows` tokens, on the device: y[t, c] =
// table[tok[t], c], dequantized from the GEMVs' plain layouts (int8, int4
// two values per byte low nibble first, with scales [vocab, dim / group];
// f32; f16). The scales are written f32 and marked {dsc.scales}: f16 where
// the model stores f16 (dsc-gpu-retype-scales), as in every kernel here.
// The token ids are read from device memory, so that
// greedy decoding feeds the argmax's token to the next position without
// the host, and a captured launch serves every token. One GPU thread per
// value.

func.func @dsc_cuda_embed_q8(%q: memref<?xi8>, %s: memref<?xf32> {dsc.scales},
                             %tok: memref<?xi32>, %y: memref<?xf32>,
                             %rows: index, %dim: index, %group: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %groups = arith.divui %dim, %group : index
  %n = arith.muli %rows, %dim : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %t = arith.divui %i, %dim : index
    %c = arith.remui %i, %dim : index
    %id32 = memref.load %tok[%t] : memref<?xi32>
    %id = arith.index_cast %id32 : i32 to index
    %row = arith.muli %id, %dim : index
    %qi = arith.addi %row, %c : index
    %qv = memref.load %q[%qi] : memref<?xi8>
    %qf = arith.sitofp %qv : i8 to f32
    %srow = arith.muli %id, %groups : index
    %g = arith.divui %c, %group : index
    %si = arith.addi %srow, %g : index
    %sv = memref.load %s[%si] : memref<?xf32>
    %v = arith.mulf %qf, %sv : f32
    memref.store %v, %y[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

func.func @dsc_cuda_embed_q4(%q: memref<?xi8>, %s: memref<?xf32> {dsc.scales},
                             %tok: memref<?xi32>, %y: memref<?xf32>,
                             %rows: index, %dim: index, %group: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4i8 = arith.constant 4 : i8
  %groups = arith.divui %dim, %group : index
  %n = arith.muli %rows, %dim : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %t = arith.divui %i, %dim : index
    %c = arith.remui %i, %dim : index
    %id32 = memref.load %tok[%t] : memref<?xi32>
    %id = arith.index_cast %id32 : i32 to index
    %row = arith.muli %id, %dim : index
    // Value c of the row is nibble c % 2 of byte c / 2 (dim is even).
    %qi = arith.addi %row, %c : index
    %byte = arith.shrui %qi, %c1 : index
    %b = memref.load %q[%byte] : memref<?xi8>
    %odd = arith.andi %qi, %c1 : index
    %odd8 = arith.index_cast %odd : index to i8
    %sh = arith.muli %odd8, %c4i8 : i8
    %up = arith.subi %c4i8, %sh : i8
    %hi = arith.shli %b, %up : i8
    %qv = arith.shrsi %hi, %c4i8 : i8
    %qf = arith.sitofp %qv : i8 to f32
    %srow = arith.muli %id, %groups : index
    %g = arith.divui %c, %group : index
    %si = arith.addi %srow, %g : index
    %sv = memref.load %s[%si] : memref<?xf32>
    %v = arith.mulf %qf, %sv : f32
    memref.store %v, %y[%i] : memref<?xf32>
    scf.reduce
  }
  return
}

// The float tables (f32; f16 widened), declared and not written:
// dsc-gpu-derive-kernels (dsc-cuda-lower's first step) gives them the body
// of dsc.embedding's CPU lowering (lower::embedRows' gather), a thread a
// value.
func.func private @dsc_cuda_embed_f32(%w: memref<?xf32>, %tok: memref<?xi32>,
                                      %y: memref<?xf32>, %rows: index,
                                      %dim: index)
func.func private @dsc_cuda_embed_f16(%w: memref<?xf16>, %tok: memref<?xi32>,
                                      %y: memref<?xf32>, %rows: index,
                                      %dim: index)
