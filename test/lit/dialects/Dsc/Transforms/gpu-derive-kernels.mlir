// RUN: dsc-opt %s --split-input-file --dsc-gpu-derive-kernels | FileCheck %s

// The residual add and SwiGLU kernels, made by dsc-codegen-lower's
// patterns for dsc.add and dsc.swiglu: the CPU path's generic (maps,
// iterators, scalar body) on the kernel's buffers as [n, 1] rows, its
// output the kernel's third argument. Whatever the module holds stays.
// CHECK-LABEL: func.func @dsc_cuda_rope(
// CHECK-LABEL: func.func @dsc_cuda_add(
// CHECK-SAME: %[[A:[^:]*]]: memref<?xf32>, %[[B:[^:]*]]: memref<?xf32>, %[[Y:[^:]*]]: memref<?xf32>, %[[N:[^:]*]]: index)
// CHECK-SAME: attributes {llvm.emit_c_interface}
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
  func.func @dsc_cuda_rope(%x: memref<?xf32>) {
    return
  }
}

// -----

// An empty module gets both.
// CHECK-LABEL: func.func @dsc_cuda_add(
// CHECK-LABEL: func.func @dsc_cuda_swiglu(
// CHECK-NOT: dsc_derive_scratch
module {
}
