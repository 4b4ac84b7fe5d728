// RUN: dsc-opt %s --split-input-file --dsc-gpu-derive-kernels | FileCheck %s

// The residual add and SwiGLU kernels a source declares, given the bodies
// dsc-codegen-lower's patterns make of dsc.add and dsc.swiglu: the CPU
// path's generic (maps, iterators, scalar body) on the kernel's buffers as
// [n, 1] rows, its output the kernel's third argument. Whatever else the
// module holds stays.
// CHECK-LABEL: func.func @dsc_cuda_argmax(
// CHECK-LABEL: func.func @dsc_cuda_add(
// CHECK-SAME: %[[A:[^:]*]]: memref<?xf32>, %[[B:[^:]*]]: memref<?xf32>, %[[Y:[^:]*]]: memref<?xf32>, %[[N:[^:]*]]: index)
// CHECK-SAME: attributes {dsc.derived_from = "dsc.add", llvm.emit_c_interface}
// CHECK-DAG: %[[A2:.*]] = memref.expand_shape %[[A]] {{\[}}[0, 1]] output_shape [%[[N]], 1] : memref<?xf32> into memref<?x1xf32>
// CHECK-DAG: %[[B2:.*]] = memref.expand_shape %[[B]] {{\[}}[0, 1]]
// CHECK-DAG: %[[Y2:.*]] = memref.expand_shape %[[Y]] {{\[}}[0, 1]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} ins(%[[A2]], %[[B2]] : memref<?x1xf32>, memref<?x1xf32>) outs(%[[Y2]] : memref<?x1xf32>)
// CHECK-NEXT: ^bb0(%[[X0:.*]]: f32, %[[X1:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[X0]], %[[X1]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK-LABEL: func.func @dsc_cuda_swiglu(
// CHECK: linalg.generic
// CHECK: ^bb0(%[[G:.*]]: f32, %[[U:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[NG:.*]] = arith.negf %[[G]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[NG]] : f32
// CHECK: %[[D:.*]] = arith.addf %{{.*}}, %[[E]] : f32
// CHECK-NEXT: %[[SILU:.*]] = arith.divf %[[G]], %[[D]] : f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[SILU]], %[[U]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
module {
  func.func @dsc_cuda_argmax(%x: memref<?xf32>) {
    return
  }
  func.func private @dsc_cuda_add(memref<?xf32>, memref<?xf32>, memref<?xf32>, index)
  func.func private @dsc_cuda_swiglu(memref<?xf32>, memref<?xf32>, memref<?xf32>, index)
}

// -----

// RMSNorm from the CPU path's chain (lower::rmsNorm): a warp a row (rows
// and lanes as nested parallel loops), the sum of squares over the lane's
// columns l, l + 32, ... with the CPU's combining body, the lanes' sums by
// gpu.subgroup_reduce, the rows' map (rsqrt(sum / dim + eps)) once, and the
// scaling over the same columns into y; x at row * dim + i, the weight at i.
// CHECK-LABEL: func.func @dsc_cuda_rms_norm(
// CHECK-SAME: %[[X:[^:]*]]: memref<?xf32>, %[[W:[^:]*]]: memref<?xf32>, %[[Y:[^:]*]]: memref<?xf32>, %[[ROWS:[^:]*]]: index, %[[DIM:[^:]*]]: index, %[[EPS:[^:]*]]: f32)
// CHECK-SAME: attributes {dsc.derived_from = "dsc.rms_norm", llvm.emit_c_interface}
// CHECK: %[[DI:.*]] = arith.index_cast %[[DIM]] : index to i64
// CHECK: %[[DF:.*]] = arith.sitofp %[[DI]] : i64 to f32
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: scf.parallel (%[[R:.*]]) = (%{{.*}}) to (%[[ROWS]])
// CHECK: scf.parallel (%[[L:.*]]) = (%{{.*}}) to (%[[C32]])
// CHECK: %[[BASE:.*]] = arith.muli %[[R]], %[[DIM]] : index
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[STEP:.*]] = arith.constant 32 : index
// CHECK: %[[PART:.*]] = scf.for %[[I:.*]] = %[[L]] to %[[DIM]] step %[[STEP]] iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (f32)
// CHECK-NEXT: %[[J:.*]] = arith.addi %[[BASE]], %[[I]] : index
// CHECK-NEXT: %[[V:.*]] = memref.load %[[X]][%[[J]]]
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[V]], %[[V]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[SQ]] fastmath<reassoc,contract> : f32
// CHECK-NEXT: scf.yield %[[NEXT]] : f32
// CHECK: %[[SUM:.*]] = gpu.subgroup_reduce add %[[PART]] uniform : (f32) -> f32
// CHECK-NEXT: %[[MEAN:.*]] = arith.divf %[[SUM]], %[[DF]] : f32
// CHECK-NEXT: %[[ME:.*]] = arith.addf %[[MEAN]], %[[EPS]] : f32
// CHECK-NEXT: %[[INV:.*]] = math.rsqrt %[[ME]] : f32
// CHECK: scf.for %[[I2:.*]] = %[[L]] to %[[DIM]] step
// CHECK-NEXT: %[[J2:.*]] = arith.addi %[[BASE]], %[[I2]] : index
// CHECK-NEXT: %[[XV:.*]] = memref.load %[[X]][%[[J2]]]
// CHECK-NEXT: %[[WV:.*]] = memref.load %[[W]][%[[I2]]]
// CHECK-NEXT: %[[N:.*]] = arith.mulf %[[XV]], %[[INV]] : f32
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[N]], %[[WV]] : f32
// CHECK-NEXT: %[[J3:.*]] = arith.addi %[[BASE]], %[[I2]] : index
// CHECK-NEXT: memref.store %[[O]], %[[Y]][%[[J3]]]
// The vector form: four values a lane at a time (vectors l, l + 32, ...
// of the dim / 4 in a row, at 4 * v), the lane's sums a vector added up by
// vector.reduction before the warp's.
// CHECK-LABEL: func.func @dsc_cuda_rms_norm_v(
// CHECK-SAME: %[[X:[^:]*]]: memref<?xf32>, %[[W:[^:]*]]: memref<?xf32>, %[[Y:[^:]*]]: memref<?xf32>, %[[ROWS:[^:]*]]: index, %[[DIM:[^:]*]]: index, %[[EPS:[^:]*]]: f32)
// CHECK: scf.parallel (%[[R:.*]]) = (%{{.*}}) to (%[[ROWS]])
// CHECK: scf.parallel (%[[L:.*]]) =
// CHECK: %[[BASE:.*]] = arith.muli %[[R]], %[[DIM]] : index
// CHECK: %[[ZERO:.*]] = vector.broadcast %{{.*}} : f32 to vector<4xf32>
// CHECK: %[[C4:.*]] = arith.constant 4 : index
// CHECK-NEXT: %[[NV:.*]] = arith.divui %[[DIM]], %[[C4]] : index
// CHECK-NEXT: %[[PART:.*]] = scf.for %[[V:.*]] = %[[L]] to %[[NV]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[ZERO]]) -> (vector<4xf32>)
// CHECK-NEXT: %[[C4B:.*]] = arith.constant 4 : index
// CHECK-NEXT: %[[I:.*]] = arith.muli %[[V]], %[[C4B]] : index
// CHECK-NEXT: %[[J:.*]] = arith.addi %[[BASE]], %[[I]] : index
// CHECK-NEXT: %[[XV:.*]] = vector.load %[[X]][%[[J]]] {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[XV]], %[[XV]] fastmath<reassoc,contract> : vector<4xf32>
// CHECK-NEXT: %[[NEXT:.*]] = arith.addf %[[ACC]], %[[SQ]] fastmath<reassoc,contract> : vector<4xf32>
// CHECK-NEXT: scf.yield %[[NEXT]] : vector<4xf32>
// CHECK: %[[LANE:.*]] = vector.reduction <add>, %[[PART]] : vector<4xf32> into f32
// CHECK-NEXT: %[[SUM:.*]] = gpu.subgroup_reduce add %[[LANE]] uniform
// CHECK: %[[INV:.*]] = math.rsqrt
// CHECK: %[[NV2:.*]] = arith.divui %[[DIM]], %{{.*}} : index
// CHECK-NEXT: scf.for %[[V2:.*]] = %[[L]] to %[[NV2]] step
// CHECK-NEXT: arith.constant 4 : index
// CHECK-NEXT: %[[I2:.*]] = arith.muli %[[V2]], %{{.*}} : index
// CHECK-NEXT: %[[J2:.*]] = arith.addi %[[BASE]], %[[I2]] : index
// CHECK-NEXT: %[[XV2:.*]] = vector.load %[[X]][%[[J2]]] {alignment = 16 : i64}
// CHECK-NEXT: %[[INVV:.*]] = vector.broadcast %[[INV]] : f32 to vector<4xf32>
// CHECK-NEXT: %[[WV:.*]] = vector.load %[[W]][%[[I2]]] {alignment = 16 : i64}
// CHECK-NEXT: %[[N:.*]] = arith.mulf %[[XV2]], %[[INVV]] : vector<4xf32>
// CHECK-NEXT: %[[O:.*]] = arith.mulf %[[N]], %[[WV]] : vector<4xf32>
// CHECK-NEXT: %[[J3:.*]] = arith.addi %[[BASE]], %[[I2]] : index
// CHECK-NEXT: vector.store %[[O]], %[[Y]][%[[J3]]] {alignment = 16 : i64} : memref<?xf32>, vector<4xf32>
module {
  func.func private @dsc_cuda_rms_norm(memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index, f32)
  func.func private @dsc_cuda_rms_norm_v(memref<?xf32>, memref<?xf32>, memref<?xf32>, index, index, f32)
}

// -----

// Attention's softmax from dsc.softmax's CPU chain (lower::softmax), for
// thread i of a block of `threads` on unit u's P-long row at u * P, over
// the positions it sees (at[0] + u / heads + 1): every warp finds the
// maximum from -inf and the sum of exp(x - max) from 0, lane i % 32 over
// positions l, l + 32, ... (the exponentials computed where they are
// read: no buffer for them), the sum's inverse once; then, after a
// barrier (the weights overwrite scores other warps read), thread i
// stores exp(x - max) * inverse at u * P + i, i + threads, ... A helper the
// attention kernel's threads call: it stays private, and has no loops of
// blocks or threads of its own.
// CHECK-LABEL: func.func private @dsc_cuda_causal_softmax_block(
// CHECK-SAME: %[[S:[^:]*]]: memref<?xf32>, %[[AT:[^:]*]]: memref<?xi64>, %[[U:[^:]*]]: index, %[[TH:[^:]*]]: index, %[[THREADS:[^:]*]]: index, %[[HEADS:[^:]*]]: index, %[[P:[^:]*]]: index)
// CHECK-SAME: attributes {dsc.derived_from = "dsc.softmax"} {
// CHECK-NOT: scf.parallel
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: %[[C32:.*]] = arith.constant 32 : index
// CHECK: %[[F:.*]] = memref.load %[[AT]]
// CHECK: %[[FI:.*]] = arith.index_cast %[[F]] : i64 to index
// CHECK: %[[T:.*]] = arith.divui %[[U]], %[[HEADS]] : index
// CHECK: %[[LAST:.*]] = arith.addi %[[FI]], %[[T]] : index
// CHECK: %[[SEEN:.*]] = arith.addi %[[LAST]], %[[ONE]] : index
// CHECK: %[[BASE:.*]] = arith.muli %[[U]], %[[P]] : index
// CHECK: %[[L:.*]] = arith.remui %[[TH]], %[[C32]] : index
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[M:.*]] = scf.for %[[I:.*]] = %[[L]] to %[[SEEN]] step %{{.*}} iter_args(%[[A:.*]] = %[[NINF]]) -> (f32)
// CHECK-NEXT: %[[J:.*]] = arith.addi %[[BASE]], %[[I]] : index
// CHECK-NEXT: %[[SV:.*]] = memref.load %[[S]][%[[J]]]
// CHECK-NEXT: arith.maximumf %[[A]], %[[SV]] : f32
// CHECK: %[[MX:.*]] = gpu.subgroup_reduce maximumf %[[M]] uniform
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[PS:.*]] = scf.for %[[I2:.*]] = %[[L]] to %[[SEEN]] step %{{.*}} iter_args(%[[A2:.*]] = %[[ZERO]]) -> (f32)
// CHECK-NEXT: %[[J2:.*]] = arith.addi %[[BASE]], %[[I2]] : index
// CHECK-NEXT: %[[SV2:.*]] = memref.load %[[S]][%[[J2]]]
// CHECK-NEXT: %[[D:.*]] = arith.subf %[[SV2]], %[[MX]] : f32
// CHECK-NEXT: %[[E:.*]] = math.exp %[[D]] : f32
// CHECK-NEXT: arith.addf %[[A2]], %[[E]] fastmath<reassoc,contract> : f32
// CHECK: %[[SUM:.*]] = gpu.subgroup_reduce add %[[PS]] uniform
// CHECK-NEXT: %[[ONEF:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-NEXT: %[[INV:.*]] = arith.divf %[[ONEF]], %[[SUM]] : f32
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: scf.for %[[I3:.*]] = %[[TH]] to %[[SEEN]] step %[[THREADS]] {
// CHECK-NEXT: %[[J3:.*]] = arith.addi %[[BASE]], %[[I3]] : index
// CHECK-NEXT: %[[SV3:.*]] = memref.load %[[S]][%[[J3]]]
// CHECK-NEXT: %[[D3:.*]] = arith.subf %[[SV3]], %[[MX]] : f32
// CHECK-NEXT: %[[E3:.*]] = math.exp %[[D3]] : f32
// CHECK-NEXT: %[[W:.*]] = arith.mulf %[[E3]], %[[INV]] : f32
// CHECK-NEXT: %[[J4:.*]] = arith.addi %[[BASE]], %[[I3]] : index
// CHECK-NEXT: memref.store %[[W]], %[[S]][%[[J4]]]
module {
  func.func private @dsc_cuda_causal_softmax_block(memref<?xf32>, memref<?xi64>, index, index, index, index, index)
}

// -----

// A kernel derived already (dsc.derived_from: dsc-cuda-lower runs the pass
// again after tests that transform the derived loops first) stays as it
// is; a declaration beside it is derived.
// CHECK-LABEL: func.func @dsc_cuda_add(
// CHECK-NEXT: return
// CHECK-LABEL: func.func @dsc_cuda_swiglu(
// CHECK-SAME: dsc.derived_from = "dsc.swiglu"
// CHECK: linalg.generic
module {
  func.func @dsc_cuda_add(%a: memref<?xf32>, %b: memref<?xf32>,
                          %y: memref<?xf32>, %n: index)
      attributes {dsc.derived_from = "dsc.add"} {
    return
  }
  func.func private @dsc_cuda_swiglu(memref<?xf32>, memref<?xf32>, memref<?xf32>, index)
}

// -----

// RoPE from the CPU's generic (lower::ropeRotate, over [rows, heads,
// dim / 2, 2]): a thread a pair p of x's units and then x2's (u = p / half,
// j = p % half; h the unit within its buffer, t = h / its heads), the
// pair's two values at h * dim + 2j + 0 and + 1 and the tables' entry at
// (at[0] + t) * half + j loaded once, the CPU's body once for each of the
// pair's values (linalg.index 3 as 0 and 1), then both stored.
// CHECK-LABEL: func.func @dsc_cuda_rope(
// CHECK-SAME: %[[X:[^:]*]]: memref<?xf32>, %[[X2:[^:]*]]: memref<?xf32>, %[[COS:[^:]*]]: memref<?xf32>, %[[SIN:[^:]*]]: memref<?xf32>, %[[AT:[^:]*]]: memref<?xi64>, %[[ROWS:[^:]*]]: index, %[[HEADS:[^:]*]]: index, %[[HEADS2:[^:]*]]: index, %[[DIM:[^:]*]]: index)
// CHECK-SAME: attributes {dsc.derived_from = "dsc.rope", llvm.emit_c_interface}
// CHECK: %[[HALF:.*]] = arith.divui %[[DIM]], %{{.*}} : index
// CHECK: %[[U1:.*]] = arith.muli %[[ROWS]], %[[HEADS]] : index
// CHECK: %[[U2:.*]] = arith.muli %[[ROWS]], %[[HEADS2]] : index
// CHECK: %[[UNITS:.*]] = arith.addi %[[U1]], %[[U2]] : index
// CHECK: %[[PAIRS:.*]] = arith.muli %[[UNITS]], %[[HALF]] : index
// CHECK: scf.parallel (%[[P:.*]]) = (%{{.*}}) to (%[[PAIRS]])
// CHECK: %[[F:.*]] = memref.load %[[AT]]
// CHECK: %[[FIRST:.*]] = arith.index_cast %[[F]] : i64 to index
// CHECK: %[[U:.*]] = arith.divui %[[P]], %[[HALF]] : index
// CHECK: %[[J:.*]] = arith.remui %[[P]], %[[HALF]] : index
// CHECK: %[[INX:.*]] = arith.cmpi ult, %[[U]], %[[U1]] : index
// CHECK: %[[UX2:.*]] = arith.subi %[[U]], %[[U1]] : index
// CHECK: %[[H:.*]] = arith.select %[[INX]], %[[U]], %[[UX2]] : index
// CHECK: %[[HN:.*]] = arith.select %[[INX]], %[[HEADS]], %[[HEADS2]] : index
// CHECK: %[[T:.*]] = arith.divui %[[H]], %[[HN]] : index
// CHECK: %[[HB:.*]] = arith.muli %[[H]], %[[DIM]] : index
// CHECK: %[[J2:.*]] = arith.muli %[[J]], %{{.*}} : index
// CHECK: %[[BASE:.*]] = arith.addi %[[HB]], %[[J2]] : index
// CHECK: %[[POS:.*]] = arith.addi %[[FIRST]], %[[T]] : index
// CHECK: %[[TR:.*]] = arith.muli %[[POS]], %[[HALF]] : index
// CHECK: %[[TI:.*]] = arith.addi %[[TR]], %[[J]] : index
// CHECK: %[[I0:.*]] = arith.addi %[[BASE]], %{{.*}} : index
// CHECK: %[[X0:.*]] = scf.if %[[INX]] -> (f32) {
// CHECK-NEXT: memref.load %[[X]][%[[I0]]]
// CHECK: memref.load %[[X2]][%[[I0]]]
// CHECK: %[[X1:.*]] = scf.if %[[INX]] -> (f32) {
// CHECK: %[[CS:.*]] = memref.load %[[COS]][%[[TI]]]
// CHECK-NEXT: %[[SN:.*]] = memref.load %[[SIN]][%[[TI]]]
// CHECK-NEXT: %[[A:.*]] = arith.mulf %[[X0]], %[[CS]] : f32
// CHECK-NEXT: %[[B:.*]] = arith.mulf %[[X1]], %[[SN]] : f32
// CHECK-NEXT: %[[R0:.*]] = arith.subf %[[A]], %[[B]] : f32
// CHECK-NEXT: %[[C:.*]] = arith.mulf %[[X0]], %[[SN]] : f32
// CHECK-NEXT: %[[D:.*]] = arith.mulf %[[X1]], %[[CS]] : f32
// CHECK-NEXT: %[[R1:.*]] = arith.addf %[[C]], %[[D]] : f32
// CHECK: %[[E0:.*]] = arith.select %{{.*}}, %[[R0]], %[[R1]] : f32
// CHECK: %[[E1:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: scf.if %[[INX]] {
// CHECK: memref.store %[[E0]], %[[X]]
// CHECK: memref.store %[[E1]], %[[X]]
// CHECK: } else {
// CHECK: memref.store %[[E0]], %[[X2]]
// CHECK: memref.store %[[E1]], %[[X2]]
module {
  func.func private @dsc_cuda_rope(memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xi64>, index, index, index, index)
}

// -----

// RoPE with attention's cache store (dsc_cuda_rope_kv): dsc_cuda_rope's
// thread a pair, and in x2's branch (the keys: heads2 the KV heads, dim
// the head dim), once the rotated pair is stored back, the KV-cache
// store's body (lower::kvRows, as dsc_cuda_kv_store below) for each of the
// pair's places d = 2j + e: the key read back from x2 and the value from v
// at t * kvdim + kvh * dim + d (kvh = h % heads2), stored into kc and vc
// at (kvh * P + at[0] + t) * dim + d, P the cache's positions (kc's size
// over kvdim, computed once).
// CHECK-LABEL: func.func @dsc_cuda_rope_kv(
// CHECK-SAME: %[[X:[^:]*]]: memref<?xf32>, %[[X2:[^:]*]]: memref<?xf32>, %{{[^:]*}}: memref<?xf32>, %{{[^:]*}}: memref<?xf32>, %[[AT:[^:]*]]: memref<?xi64>, %[[ROWS:[^:]*]]: index, %[[HEADS:[^:]*]]: index, %[[HEADS2:[^:]*]]: index, %[[DIM:[^:]*]]: index, %[[V:[^:]*]]: memref<?xf32>, %[[KC:[^:]*]]: memref<?xf32>, %[[VC:[^:]*]]: memref<?xf32>)
// CHECK-SAME: attributes {dsc.derived_from = "dsc.rope", llvm.emit_c_interface}
// CHECK: %[[KVDIM:.*]] = arith.muli %[[HEADS2]], %[[DIM]] : index
// CHECK: %[[SIZE:.*]] = memref.dim %[[KC]]
// CHECK: %[[P:.*]] = arith.divui %[[SIZE]], %[[KVDIM]] : index
// CHECK: scf.parallel
// CHECK: %[[FIRST:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[H:.*]] = arith.select
// CHECK: %[[T:.*]] = arith.divui %[[H]], %{{.*}} : index
// CHECK: } else {
// CHECK: memref.store %{{.*}}, %[[X2]]
// CHECK: memref.store %{{.*}}, %[[X2]]
// CHECK-NEXT: %[[KVH:.*]] = arith.remui %[[H]], %[[HEADS2]] : index
// CHECK: %[[D0:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %[[GP:.*]] = arith.muli %[[KVH]], %[[P]] : index
// CHECK-NEXT: %[[FT:.*]] = arith.addi %[[FIRST]], %[[T]] : index
// CHECK-NEXT: %[[ROW:.*]] = arith.addi %[[GP]], %[[FT]] : index
// CHECK-NEXT: %[[ROWHD:.*]] = arith.muli %[[ROW]], %[[DIM]] : index
// CHECK-NEXT: %[[SLOT:.*]] = arith.addi %[[ROWHD]], %[[D0]] : index
// CHECK-NEXT: %[[GHD:.*]] = arith.muli %[[KVH]], %[[DIM]] : index
// CHECK-NEXT: %[[COL:.*]] = arith.addi %[[GHD]], %[[D0]] : index
// CHECK-NEXT: %[[TK:.*]] = arith.muli %[[T]], %[[KVDIM]] : index
// CHECK-NEXT: %[[KAT:.*]] = arith.addi %[[TK]], %[[COL]] : index
// CHECK-NEXT: %[[KX:.*]] = memref.load %[[X2]][%[[KAT]]] : memref<?xf32>
// CHECK-NEXT: memref.store %[[KX]], %[[KC]][%[[SLOT]]] : memref<?xf32>
// CHECK: %[[VX:.*]] = memref.load %[[V]][%{{.*}}] : memref<?xf32>
// CHECK-NEXT: memref.store %[[VX]], %[[VC]][%[[SLOT]]] : memref<?xf32>
// CHECK: memref.load %[[X2]]
// CHECK-NEXT: memref.store %{{.*}}, %[[KC]]
// CHECK: memref.load %[[V]]
// CHECK-NEXT: memref.store %{{.*}}, %[[VC]]
module {
  func.func private @dsc_cuda_rope_kv(memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xi64>, index, index, index, index, memref<?xf32>, memref<?xf32>, memref<?xf32>)
}

// -----

// The float embeddings from dsc.embedding's CPU gather (lower::embedRows):
// a thread a value i = t * dim + c, the row's id from tok[t], the CPU's
// body with linalg.index 0 and 1 as t and c and its tensor.extract from the
// table as a load of w at id * dim + c (widened from f16 as on the CPU).
// CHECK-LABEL: func.func @dsc_cuda_embed_f32(
// CHECK-SAME: attributes {dsc.derived_from = "dsc.embedding", llvm.emit_c_interface}
// CHECK-LABEL: func.func @dsc_cuda_embed_f16(
// CHECK-SAME: %[[W:[^:]*]]: memref<?xf16>, %[[TOK:[^:]*]]: memref<?xi32>, %[[Y:[^:]*]]: memref<?xf32>, %[[ROWS:[^:]*]]: index, %[[DIM:[^:]*]]: index)
// CHECK: %[[N:.*]] = arith.muli %[[ROWS]], %[[DIM]] : index
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[N]])
// CHECK-NEXT: %[[T:.*]] = arith.divui %[[I]], %[[DIM]] : index
// CHECK-NEXT: %[[C:.*]] = arith.remui %[[I]], %[[DIM]] : index
// CHECK-NEXT: %[[ID32:.*]] = memref.load %[[TOK]][%[[T]]] : memref<?xi32>
// CHECK-NEXT: %[[ID:.*]] = arith.index_cast %[[ID32]] : i32 to index
// CHECK-NEXT: %[[ROW:.*]] = arith.muli %[[ID]], %[[DIM]] : index
// CHECK-NEXT: %[[AT:.*]] = arith.addi %[[ROW]], %[[C]] : index
// CHECK-NEXT: %[[H:.*]] = memref.load %[[W]][%[[AT]]] : memref<?xf16>
// CHECK-NEXT: %[[V:.*]] = arith.extf %[[H]] : f16 to f32
// CHECK-NEXT: memref.store %[[V]], %[[Y]][%[[I]]] : memref<?xf32>
module {
  func.func private @dsc_cuda_embed_f32(memref<?xf32>, memref<?xi32>, memref<?xf32>, index, index)
  func.func private @dsc_cuda_embed_f16(memref<?xf16>, memref<?xi32>, memref<?xf32>, index, index)
}

// -----

// The KV-cache store from dsc.attention's CPU store (lower::kvRows): a
// thread a value i = s * kvdim + g * hd + d of the rows (kvdim = kvheads *
// hd), the CPU's body with linalg.index 0, 1 and 2 as g, s and d, its
// tensor.extract of the row's column g * hd + d a load of the keys (then of
// the values) at s * kvdim + column, stored where the CPU's view of the
// layer's block puts [g, s, d]: (g * P + at[0] + s) * hd + d, P the block's
// positions (its size over kvdim).
// CHECK-LABEL: func.func @dsc_cuda_kv_store(
// CHECK-SAME: %[[K:[^:]*]]: memref<?xf32>, %[[V:[^:]*]]: memref<?xf32>, %[[KC:[^:]*]]: memref<?xf32>, %[[VC:[^:]*]]: memref<?xf32>, %[[AT:[^:]*]]: memref<?xi64>, %[[ROWS:[^:]*]]: index, %[[KVH:[^:]*]]: index, %[[HD:[^:]*]]: index)
// CHECK-SAME: attributes {dsc.derived_from = "dsc.attention", llvm.emit_c_interface}
// CHECK: %[[KVDIM:.*]] = arith.muli %[[KVH]], %[[HD]] : index
// CHECK: %[[N:.*]] = arith.muli %[[ROWS]], %[[KVDIM]] : index
// CHECK: %[[SIZE:.*]] = memref.dim %[[KC]]
// CHECK: %[[P:.*]] = arith.divui %[[SIZE]], %[[KVDIM]] : index
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[N]])
// CHECK-NEXT: %[[S:.*]] = arith.divui %[[I]], %[[KVDIM]] : index
// CHECK-NEXT: %[[R:.*]] = arith.remui %[[I]], %[[KVDIM]] : index
// CHECK-NEXT: %[[G:.*]] = arith.divui %[[R]], %[[HD]] : index
// CHECK-NEXT: %[[D:.*]] = arith.remui %[[R]], %[[HD]] : index
// CHECK-NEXT: %[[F64:.*]] = memref.load %[[AT]][%{{.*}}] : memref<?xi64>
// CHECK-NEXT: %[[F:.*]] = arith.index_cast %[[F64]] : i64 to index
// CHECK-NEXT: %[[GP:.*]] = arith.muli %[[G]], %[[P]] : index
// CHECK-NEXT: %[[FS:.*]] = arith.addi %[[F]], %[[S]] : index
// CHECK-NEXT: %[[ROW:.*]] = arith.addi %[[GP]], %[[FS]] : index
// CHECK-NEXT: %[[ROWHD:.*]] = arith.muli %[[ROW]], %[[HD]] : index
// CHECK-NEXT: %[[SLOT:.*]] = arith.addi %[[ROWHD]], %[[D]] : index
// CHECK-NEXT: %[[GHD:.*]] = arith.muli %[[G]], %[[HD]] : index
// CHECK-NEXT: %[[COL:.*]] = arith.addi %[[GHD]], %[[D]] : index
// CHECK-NEXT: %[[SK:.*]] = arith.muli %[[S]], %[[KVDIM]] : index
// CHECK-NEXT: %[[KAT:.*]] = arith.addi %[[SK]], %[[COL]] : index
// CHECK-NEXT: %[[KX:.*]] = memref.load %[[K]][%[[KAT]]] : memref<?xf32>
// CHECK-NEXT: memref.store %[[KX]], %[[KC]][%[[SLOT]]] : memref<?xf32>
// CHECK: %[[VX:.*]] = memref.load %[[V]][%{{.*}}] : memref<?xf32>
// CHECK-NEXT: memref.store %[[VX]], %[[VC]][%[[SLOT]]] : memref<?xf32>
module {
  func.func private @dsc_cuda_kv_store(memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xf32>, memref<?xi64>, index, index, index)
}

// -----

// The RMSNorm a GEMV computes before it (its lanes read the activations
// anyway): a lane's step of the sum of squares, lower::rmsNorm's reduction
// body widened to four values, and the row's factor, the lanes' partials
// added across the warp, then the CPU's map 1 / sqrt(sum / dim + eps).
// CHECK-LABEL: func.func private @dsc_cuda_rms_squares(
// CHECK-SAME: %[[X:.*]]: vector<4xf32>, %[[ACC:.*]]: vector<4xf32>) -> vector<4xf32>
// CHECK-SAME: attributes {dsc.derived_from = "dsc.rms_norm"}
// CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] fastmath<reassoc,contract> : vector<4xf32>
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[ACC]], %[[SQ]] fastmath<reassoc,contract> : vector<4xf32>
// CHECK-NEXT: return %[[SUM]] : vector<4xf32>
// CHECK-LABEL: func.func private @dsc_cuda_rms_factor(
// CHECK-SAME: %[[P:.*]]: f32, %[[DIM:.*]]: index, %[[EPS:.*]]: f32) -> f32
// CHECK-SAME: attributes {dsc.derived_from = "dsc.rms_norm"}
// CHECK-NEXT: %[[D64:.*]] = arith.index_cast %[[DIM]] : index to i64
// CHECK-NEXT: %[[DF:.*]] = arith.sitofp %[[D64]] : i64 to f32
// CHECK-NEXT: %[[ROW:.*]] = gpu.subgroup_reduce add %[[P]] uniform : (f32) -> f32
// CHECK-NEXT: %[[MEAN:.*]] = arith.divf %[[ROW]], %[[DF]] : f32
// CHECK-NEXT: %[[ME:.*]] = arith.addf %[[MEAN]], %[[EPS]] : f32
// CHECK-NEXT: %[[R:.*]] = math.rsqrt %[[ME]] : f32
// CHECK-NEXT: return %[[R]] : f32
module {
  func.func private @dsc_cuda_rms_squares(vector<4xf32>, vector<4xf32>) -> vector<4xf32>
  func.func private @dsc_cuda_rms_factor(f32, index, f32) -> f32
}

// -----

// A module that declares none is left as it is.
// CHECK-LABEL: func.func @dsc_cuda_argmax(
// CHECK-NOT: func.func
// CHECK-NOT: dsc_derive_scratch
module {
  func.func @dsc_cuda_argmax(%x: memref<?xf32>) {
    return
  }
}
