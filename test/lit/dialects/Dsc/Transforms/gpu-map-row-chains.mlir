// RUN: dsc-opt %s --split-input-file --dsc-gpu-map-row-chains | FileCheck %s

// A row reduction (max from -inf), a map of the rows' values, and an
// element-wise generic reading the rows, a column vector, the row's value
// and a scalar: y[r, i] = (x[r, i] - max_r) * c[i] + s, a lane over the
// columns l, l + 32, ... of row r (at r * dim + i).
// CHECK-LABEL: func.func @shift_scale(
// CHECK-LABEL: func.func @shift_scale_rows(
// CHECK-SAME: %[[X:[^:]*]]: memref<?xf32>, %[[C:[^:]*]]: memref<?xf32>, %[[S:[^:]*]]: f32, %[[Y:[^:]*]]: memref<?xf32>, %[[ROWS:[^:]*]]: index, %[[DIM:[^:]*]]: index)
// CHECK: scf.parallel (%[[R:.*]]) = (%{{.*}}) to (%[[ROWS]])
// CHECK: scf.parallel (%[[L:.*]]) =
// CHECK: %[[BASE:.*]] = arith.muli %[[R]], %[[DIM]] : index
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[M:.*]] = scf.for %[[I:.*]] = %[[L]] to %[[DIM]] step %{{.*}} iter_args(%[[A:.*]] = %[[NINF]]) -> (f32)
// CHECK-NEXT: %[[J:.*]] = arith.addi %[[BASE]], %[[I]] : index
// CHECK-NEXT: %[[XV:.*]] = memref.load %[[X]][%[[J]]]
// CHECK-NEXT: %[[MX:.*]] = arith.maximumf %[[A]], %[[XV]] : f32
// CHECK-NEXT: scf.yield %[[MX]]
// CHECK: %[[ROWMAX:.*]] = gpu.subgroup_reduce maximumf %[[M]] uniform
// CHECK-NEXT: %[[NEG:.*]] = arith.negf %[[ROWMAX]] : f32
// CHECK: scf.for %[[I2:.*]] = %[[L]] to %[[DIM]]
// CHECK-NEXT: %[[J2:.*]] = arith.addi %[[BASE]], %[[I2]] : index
// CHECK-NEXT: %[[XV2:.*]] = memref.load %[[X]][%[[J2]]]
// CHECK-NEXT: %[[CV:.*]] = memref.load %[[C]][%[[I2]]]
// CHECK-NEXT: %[[D:.*]] = arith.addf %[[XV2]], %[[NEG]] : f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[D]], %[[CV]] : f32
// CHECK-NEXT: %[[O:.*]] = arith.addf %[[P]], %[[S]] : f32
// CHECK-NEXT: %[[J3:.*]] = arith.addi %[[BASE]], %[[I2]] : index
// CHECK-NEXT: memref.store %[[O]], %[[Y]][%[[J3]]]
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#row1 = affine_map<(d0) -> (d0)>
module {
  func.func @shift_scale(%x: tensor<?x?xf32>, %c: tensor<?xf32>, %s: f32)
      -> tensor<?x?xf32> attributes {dsc.warp_rows = 1} {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %x, %c0 : tensor<?x?xf32>
    %ninf = arith.constant 0xFF800000 : f32
    %e = tensor.empty(%n) : tensor<?xf32>
    %acc = linalg.fill ins(%ninf : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
    %m = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
        ins(%x : tensor<?x?xf32>) outs(%acc : tensor<?xf32>) {
    ^bb0(%v: f32, %a: f32):
      %r = arith.maximumf %a, %v : f32
      linalg.yield %r : f32
    } -> tensor<?xf32>
    %neg = linalg.generic {indexing_maps = [#row1], iterator_types = ["parallel"]}
        outs(%m : tensor<?xf32>) {
    ^bb0(%a: f32):
      %r = arith.negf %a : f32
      linalg.yield %r : f32
    } -> tensor<?xf32>
    %y = linalg.generic {indexing_maps = [#id, #row, #col, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x, %neg, %c : tensor<?x?xf32>, tensor<?xf32>, tensor<?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %mn: f32, %cv: f32, %o: f32):
      %d = arith.addf %v, %mn : f32
      %p = arith.mulf %d, %cv : f32
      %q = arith.addf %p, %s : f32
      linalg.yield %q : f32
    } -> tensor<?x?xf32>
    return %y : tensor<?x?xf32>
  }
}

// -----

// Four values a lane at a time: the element-wise body widened to vectors,
// the scalar and the row's value broadcast; an intermediate element-wise
// result (t = x * x) computed again where the last generic reads it.
// CHECK-LABEL: func.func @square_plus_rows(
// CHECK-SAME: %[[X:[^:]*]]: memref<?xf32>, %[[S:[^:]*]]: f32, %[[Y:[^:]*]]: memref<?xf32>, %[[ROWS:[^:]*]]: index, %[[DIM:[^:]*]]: index)
// CHECK: %[[BASE:.*]] = arith.muli %{{.*}}, %[[DIM]] : index
// CHECK: %[[NV:.*]] = arith.divui %[[DIM]], %{{.*}} : index
// CHECK-NEXT: scf.for %[[V:.*]] = %{{.*}} to %[[NV]] step
// CHECK: %[[I:.*]] = arith.muli %[[V]], %{{.*}} : index
// CHECK-NEXT: %[[J:.*]] = arith.addi %[[BASE]], %[[I]] : index
// CHECK-NEXT: %[[XV:.*]] = vector.load %[[X]][%[[J]]] {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[XV]], %[[XV]] : vector<4xf32>
// CHECK-NEXT: %[[SV:.*]] = vector.broadcast %[[S]] : f32 to vector<4xf32>
// CHECK-NEXT: %[[O:.*]] = arith.addf %[[SQ]], %[[SV]] : vector<4xf32>
// CHECK-NEXT: %[[J2:.*]] = arith.addi %[[BASE]], %[[I]] : index
// CHECK-NEXT: vector.store %[[O]], %[[Y]][%[[J2]]] {alignment = 16 : i64}
#id = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @square_plus(%x: tensor<?x?xf32>, %s: f32) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 4} {
    %t = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<?x?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %o: f32):
      %r = arith.mulf %v, %v : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%t : tensor<?x?xf32>) outs(%x : tensor<?x?xf32>) {
    ^bb0(%v: f32, %o: f32):
      %r = arith.addf %v, %s : f32
      linalg.yield %r : f32
    } -> tensor<?x?xf32>
    return %y : tensor<?x?xf32>
  }
}

// -----

// A body yielding a value from above (a constant; the scalar): mapped like
// its operands.
// CHECK-LABEL: func.func @fill_rows_rows(
// CHECK-SAME: %[[S:[^:]*]]: f32, %[[Y:[^:]*]]: memref<?xf32>
// CHECK: scf.for
// CHECK: memref.store %[[S]], %[[Y]]
#id = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @fill_rows(%x: tensor<?x?xf32>, %s: f32) -> tensor<?x?xf32>
      attributes {dsc.warp_rows = 1} {
    %y = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
        outs(%x : tensor<?x?xf32>) {
    ^bb0(%o: f32):
      linalg.yield %s : f32
    } -> tensor<?x?xf32>
    return %y : tensor<?x?xf32>
  }
}
