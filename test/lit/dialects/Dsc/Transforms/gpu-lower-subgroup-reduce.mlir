// RUN: dsc-opt %s --split-input-file --pass-pipeline='builtin.module(gpu.module(dsc-gpu-lower-subgroup-reduce))' | FileCheck %s

// A warp sum: five butterfly shuffles over 32 lanes, offsets 1 to 16, each
// lane's value added to its partner's.
// CHECK-LABEL: gpu.func @sum
// CHECK: %[[S1:.*]], %{{.*}} = gpu.shuffle xor %[[V:.*]], %c1_i32, %c32_i32 : f32
// CHECK: %[[A1:.*]] = arith.addf %[[V]], %[[S1]] : f32
// CHECK: %[[S2:.*]], %{{.*}} = gpu.shuffle xor %[[A1]], %c2_i32, %c32_i32 : f32
// CHECK: %[[A2:.*]] = arith.addf %[[A1]], %[[S2]] : f32
// CHECK: gpu.shuffle xor %{{.*}}, %c4_i32, %c32_i32
// CHECK: gpu.shuffle xor %{{.*}}, %c8_i32, %c32_i32
// CHECK: %[[S16:.*]], %{{.*}} = gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK: %[[R:.*]] = arith.addf %{{.*}}, %[[S16]] : f32
// CHECK-NOT: gpu.shuffle
// CHECK-NOT: gpu.subgroup_reduce
// CHECK: memref.store %[[R]]
gpu.module @m {
  gpu.func @sum(%a: memref<32xf32>) kernel {
    %t = gpu.thread_id x
    %v = memref.load %a[%t] : memref<32xf32>
    %s = gpu.subgroup_reduce add %v uniform : (f32) -> f32
    memref.store %s, %a[%t] : memref<32xf32>
    gpu.return
  }
}

// -----

// A maximum (attention's softmax) combines with arith.maximumf.
// CHECK-LABEL: gpu.func @max
// CHECK-COUNT-5: arith.maximumf
// CHECK-NOT: gpu.subgroup_reduce
gpu.module @m {
  gpu.func @max(%a: memref<32xf32>) kernel {
    %t = gpu.thread_id x
    %v = memref.load %a[%t] : memref<32xf32>
    %s = gpu.subgroup_reduce maximumf %v uniform : (f32) -> f32
    memref.store %s, %a[%t] : memref<32xf32>
    gpu.return
  }
}
