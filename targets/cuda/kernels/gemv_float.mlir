// Decode's GEMV over float weights: y[n] = sum_k w[n, k] * x[k], w row-major
// f32 or f16 (widened in registers). As the quantized GEMVs: one GPU block
// per row, one warp (32 lanes) per block, lane l reading columns l, l + 32,
// ...; the lanes' sums are added across the warp by shuffles
// (gpu.subgroup_reduce), and lane 0 writes the row's.
func.func @dsc_cuda_gemv_f32(%w: memref<?xf32>, %x: memref<?xf32>,
                             %y: memref<?xf32>,
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
      // The warp's 32 sums added by shuffles (every lane gets the row's
      // sum); lane 0 writes it.
      %sum = gpu.subgroup_reduce add %acc uniform : (f32) -> f32
      %first = arith.cmpi eq, %l, %c0 : index
      scf.if %first {
        memref.store %sum, %y[%r] : memref<?xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}

func.func @dsc_cuda_gemv_f16(%w: memref<?xf16>, %x: memref<?xf32>,
                             %y: memref<?xf32>,
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
      // The warp's 32 sums added by shuffles (every lane gets the row's
      // sum); lane 0 writes it.
      %sum = gpu.subgroup_reduce add %acc uniform : (f32) -> f32
      %first = arith.cmpi eq, %l, %c0 : index
      scf.if %first {
        memref.store %sum, %y[%r] : memref<?xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}

// F16 over 32-bit words: lane l reads words l, l + 32, ... of the row, two
// values each (value 2w in the low half of word w), so that a warp's load
// is 128 consecutive bytes instead of 64, as the int8/int4 word GEMVs
// (which measured 1.5-2.5 times their byte kernels on an H200). For rows of
// a whole number of words (k even; the runtime takes gemv_f16 otherwise).
// w is the same buffer seen as words.
func.func @dsc_cuda_gemv_f16w(%w: memref<?xi32>, %x: memref<?xf32>,
                              %y: memref<?xf32>,
                              %n: index, %k: index)
    attributes {llvm.emit_c_interface} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c32 = arith.constant 32 : index
  %s16 = arith.constant 16 : i32
  %zero = arith.constant 0.0 : f32
  %words = arith.divui %k, %c2 : index
  scf.parallel (%r) = (%c0) to (%n) step (%c1) {
    scf.parallel (%l) = (%c0) to (%c32) step (%c1) {
      %row = arith.muli %r, %words : index
      %acc = scf.for %wi = %l to %words step %c32 iter_args(%a = %zero) -> f32 {
        %i = arith.addi %row, %wi : index
        %wd = memref.load %w[%i] : memref<?xi32>
        %lo16 = arith.trunci %wd : i32 to i16
        %up = arith.shrui %wd, %s16 : i32
        %hi16 = arith.trunci %up : i32 to i16
        %loh = arith.bitcast %lo16 : i16 to f16
        %hih = arith.bitcast %hi16 : i16 to f16
        %lo = arith.extf %loh : f16 to f32
        %hi = arith.extf %hih : f16 to f32
        %c = arith.muli %wi, %c2 : index
        %c1i = arith.addi %c, %c1 : index
        %x0 = memref.load %x[%c] : memref<?xf32>
        %x1 = memref.load %x[%c1i] : memref<?xf32>
        %a1 = math.fma %lo, %x0, %a : f32
        %a2 = math.fma %hi, %x1, %a1 : f32
        scf.yield %a2 : f32
      }
      // The warp's 32 sums added by shuffles (every lane gets the row's
      // sum); lane 0 writes it.
      %sum = gpu.subgroup_reduce add %acc uniform : (f32) -> f32
      %first = arith.cmpi eq, %l, %c0 : index
      scf.if %first {
        memref.store %sum, %y[%r] : memref<?xf32>
      }
      scf.reduce
    }
    scf.reduce
  }
  return
}
