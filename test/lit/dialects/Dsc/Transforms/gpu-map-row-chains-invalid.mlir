// RUN: dsc-opt %s --split-input-file --dsc-gpu-map-row-chains -verify-diagnostics

#id = affine_map<(d0, d1) -> (d0, d1)>
module {
  // expected-error @below {{'dsc.warp_rows' must be 1 or 4}}
  func.func @width(%x: tensor<?x?xf32>) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 8} {
    return %x : tensor<?x?xf32>
  }
}

// -----

module {
  // expected-error @below {{argument 0 is 'tensor<4x?xf32>', not a [rows, dim] or [dim] f32 tensor or an f32}}
  func.func @static(%x: tensor<4x?xf32>) -> tensor<4x?xf32>
      attributes {dsc.warp_rows = 1} {
    return %x : tensor<4x?xf32>
  }
}

// -----

// The result must be what the last element-wise generic writes.
module {
  // expected-error @below {{not a chain a warp a row can run: a result that is not the last element-wise generic's}}
  func.func @passthrough(%x: tensor<?x?xf32>) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 1} {
    return %x : tensor<?x?xf32>
  }
}

// -----

// A reduction whose accumulator does not start at its identity: each lane
// would add it once.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
module {
  // expected-error @below {{a reduction that is not an add, mul, maximumf or minimumf of the output into a [rows] tensor filled with its identity}}
  func.func @sum_from_one(%x: tensor<?x?xf32>) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 1} {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %x, %c0 : tensor<?x?xf32>
    %one = arith.constant 1.0 : f32
    %e = tensor.empty(%n) : tensor<?xf32>
    %acc = linalg.fill ins(%one : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
    %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
        ins(%x : tensor<?x?xf32>) outs(%acc : tensor<?xf32>) {
    ^bb0(%v: f32, %a: f32):
      %r = arith.addf %a, %v : f32
      linalg.yield %r : f32
    } -> tensor<?xf32>
    %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x, %s : tensor<?x?xf32>, tensor<?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %t: f32, %o: f32):
      %r = arith.divf %v, %t : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    return %y : tensor<?x?xf32>
  }
}

// -----

// A reduction that combines by subtraction has no warp-wide combination.
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
module {
  // expected-error @below {{a reduction that is not an add, mul, maximumf or minimumf}}
  func.func @subtract(%x: tensor<?x?xf32>) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 1} {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %x, %c0 : tensor<?x?xf32>
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty(%n) : tensor<?xf32>
    %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
    %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
        ins(%x : tensor<?x?xf32>) outs(%acc : tensor<?xf32>) {
    ^bb0(%v: f32, %a: f32):
      %r = arith.subf %a, %v : f32
      linalg.yield %r : f32
    } -> tensor<?xf32>
    %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x, %s : tensor<?x?xf32>, tensor<?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %t: f32, %o: f32):
      %r = arith.mulf %v, %t : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    return %y : tensor<?x?xf32>
  }
}

// -----

// An element-wise generic that reads its output (accumulates into x).
#id = affine_map<(d0, d1) -> (d0, d1)>
module {
  // expected-error @below {{an element-wise generic reading its output or writing other than [rows, dim]}}
  func.func @reads_output(%x: tensor<?x?xf32>) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 1} {
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<?x?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %o: f32):
      %r = arith.addf %v, %o : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    return %y : tensor<?x?xf32>
  }
}

// -----

// A column's index (a causal mask written with linalg.index) is not placed.
#id = affine_map<(d0, d1) -> (d0, d1)>
module {
  // expected-error @below {{a body with linalg.index, which the mapping does not place (an index or a region)}}
  func.func @mask(%x: tensor<?x?xf32>) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 1} {
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<?x?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %o: f32):
      %i = linalg.index 1 : index
      %c = arith.index_cast %i : index to i64
      %f = arith.sitofp %c : i64 to f32
      %r = arith.addf %v, %f : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    return %y : tensor<?x?xf32>
  }
}

// -----

// A row's value read by a map that no reduction computed (the input's
// first column, as a [rows] tensor: not a row value of the chain).
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
module {
  // expected-error @below {{an operand read once a row that is not a row's value an earlier reduction or map computes}}
  func.func @row_arg(%x: tensor<?x?xf32>, %c: tensor<?xf32>) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 1} {
    %y = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x, %c : tensor<?x?xf32>, tensor<?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %t: f32, %o: f32):
      %r = arith.mulf %v, %t : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    return %y : tensor<?x?xf32>
  }
}

// -----

// A generic after the one that writes the result.
#id = affine_map<(d0, d1) -> (d0, d1)>
module {
  // expected-error @below {{a generic after the element-wise one that writes the result}}
  func.func @after(%x: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xf32>)
      attributes {dsc.warp_rows = 1} {
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<?x?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %o: f32):
      %r = arith.negf %v : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%y : tensor<?x?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %o: f32):
      %r = arith.negf %v : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    return %y, %z : tensor<?x?xf32>, tensor<?x?xf32>
  }
}

// -----

// Ops outside a generic other than fills, empties, dims and constants.
module {
  // expected-error @below {{a tensor.extract_slice, where a chain has generics with one result}}
  func.func @slice(%x: tensor<?x?xf32>) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 1} {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %x, %c0 : tensor<?x?xf32>
    %s = tensor.extract_slice %x[0, 0] [%n, %n] [1, 1] : tensor<?x?xf32> to tensor<?x?xf32>
    return %s : tensor<?x?xf32>
  }
}
