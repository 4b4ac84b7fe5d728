// Greedy sampling on the device: the index of the largest of n logits (the
// first one on ties, as numpy's argmax), so that only the token id crosses
// the bus. 256 lanes each scan a strided slice into `pvals`/`pidx`; one
// more kernel picks among them.
func.func @dsc_cuda_argmax(%logits: memref<?xf32>, %pvals: memref<?xf32>,
                           %pidx: memref<?xi32>, %out: memref<?xi32>,
                           %n: index) attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %ninf = arith.constant 0xFF800000 : f32
  %none = arith.constant -1 : i32
  scf.parallel (%b) = (%c0) to (%c1) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c256) step (%c1) {
      %r:2 = scf.for %i = %l to %n step %c256
          iter_args(%bv = %ninf, %bi = %none) -> (f32, i32) {
        %v = memref.load %logits[%i] : memref<?xf32>
        // Strictly greater: the first of equal values (or the first value
        // when all are -inf) wins.
        %gt = arith.cmpf ogt, %v, %bv : f32
        %first = arith.cmpi eq, %bi, %none : i32
        %take = arith.ori %gt, %first : i1
        %ii = arith.index_cast %i : index to i32
        %nv = arith.select %take, %v, %bv : f32
        %ni = arith.select %take, %ii, %bi : i32
        scf.yield %nv, %ni : f32, i32
      }
      memref.store %r#0, %pvals[%l] : memref<?xf32>
      memref.store %r#1, %pidx[%l] : memref<?xi32>
      scf.reduce
    }
    scf.reduce
  }
  scf.parallel (%b) = (%c0) to (%c1) step (%c1) {
    %r:2 = scf.for %l = %c0 to %c256 step %c1
        iter_args(%bv = %ninf, %bi = %none) -> (f32, i32) {
      %v = memref.load %pvals[%l] : memref<?xf32>
      %i = memref.load %pidx[%l] : memref<?xi32>
      %valid = arith.cmpi ne, %i, %none : i32
      %gt = arith.cmpf ogt, %v, %bv : f32
      %eq = arith.cmpf oeq, %v, %bv : f32
      %lower = arith.cmpi slt, %i, %bi : i32
      %tie = arith.andi %eq, %lower : i1
      %first = arith.cmpi eq, %bi, %none : i32
      %better = arith.ori %gt, %tie : i1
      %b2 = arith.ori %better, %first : i1
      %take = arith.andi %valid, %b2 : i1
      %nv = arith.select %take, %v, %bv : f32
      %ni = arith.select %take, %i, %bi : i32
      scf.yield %nv, %ni : f32, i32
    }
    memref.store %r#1, %out[%c0] : memref<?xi32>
    scf.reduce
  }
  return
}
