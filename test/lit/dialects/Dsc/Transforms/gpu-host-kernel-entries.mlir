// RUN: dsc-opt %s --split-input-file --dsc-gpu-host-kernel-entries | FileCheck %s

// <name>_dsc_launch(params, dims) loads each parameter through the pointer
// params[i] holds (cuLaunchKernel's kernelParams) and the six sizes from
// dims, and calls the host kernel.
// CHECK-LABEL: llvm.func @k_dsc_launch
// CHECK-SAME: (%[[P:.*]]: !llvm.ptr, %[[D:.*]]: !llvm.ptr)
// CHECK: %[[A0:.*]] = llvm.getelementptr %[[P]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[P0:.*]] = llvm.load %[[A0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[V0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[A1:.*]] = llvm.getelementptr %[[P]][1]
// CHECK: %[[P1:.*]] = llvm.load %[[A1]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[V1:.*]] = llvm.load %[[P1]] : !llvm.ptr -> f32
// CHECK: llvm.getelementptr %[[D]][0] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK-COUNT-5: llvm.getelementptr %[[D]]
// CHECK: llvm.call @k(%[[V0]], %[[V1]],
// Beside it, each parameter's byte size then 0, for a driver that records
// the launch (a CUDA graph) and must copy the values:
// CHECK: llvm.mlir.global external constant @k_dsc_param_bytes(dense<[8, 4, 0]> : tensor<3xi32>)
// CHECK-NOT: @plain_dsc_launch
module {
  llvm.func @k(%a: !llvm.ptr, %s: f32, %gx: i64, %gy: i64, %gz: i64,
               %bx: i64, %by: i64, %bz: i64) attributes {dsc.host_kernel} {
    llvm.return
  }
  llvm.func @plain(%a: !llvm.ptr) {
    llvm.return
  }
}

// -----

// An i8 parameter is one byte, an i64 eight.
// CHECK-LABEL: llvm.func @narrow_dsc_launch
// CHECK: llvm.mlir.global external constant @narrow_dsc_param_bytes(dense<[1, 8, 0]> : tensor<3xi32>)
module {
  llvm.func @narrow(%a: i8, %b: i64, %gx: i64, %gy: i64, %gz: i64,
                    %bx: i64, %by: i64, %bz: i64) attributes {dsc.host_kernel} {
    llvm.return
  }
}

// -----

// A kernel with mma.sync runs a thread a call (dsc.host_lanes): its
// <name>_dsc_lane(params, dims, ids) loads the parameters, the sizes and the
// ids, and <name>_dsc_launch hands it to the fake driver's
// dsc_host_run_lanes, which runs a warp's threads as coroutines.
// CHECK-LABEL: llvm.func @lanes_dsc_lane
// CHECK-SAME: (%[[P:.*]]: !llvm.ptr, %[[D:.*]]: !llvm.ptr, %[[I:.*]]: !llvm.ptr)
// CHECK: llvm.getelementptr %[[P]][0]
// CHECK-COUNT-6: llvm.getelementptr %[[D]]
// CHECK: llvm.getelementptr %[[I]][0] : (!llvm.ptr) -> !llvm.ptr, i64
// CHECK-COUNT-5: llvm.getelementptr %[[I]]
// CHECK: llvm.call @lanes(
// CHECK: llvm.func @dsc_host_run_lanes(!llvm.ptr, !llvm.ptr, !llvm.ptr)
// CHECK-LABEL: llvm.func @lanes_dsc_launch
// CHECK-SAME: (%[[LP:.*]]: !llvm.ptr, %[[LD:.*]]: !llvm.ptr)
// CHECK: %[[F:.*]] = llvm.mlir.addressof @lanes_dsc_lane
// CHECK: llvm.call @dsc_host_run_lanes(%[[F]], %[[LP]], %[[LD]])
// CHECK: llvm.mlir.global external constant @lanes_dsc_param_bytes(dense<[8, 0]> : tensor<2xi32>)
module {
  llvm.func @lanes(%a: !llvm.ptr, %gx: i64, %gy: i64, %gz: i64,
                   %bx: i64, %by: i64, %bz: i64, %ix: i64, %iy: i64,
                   %iz: i64, %tx: i64, %ty: i64, %tz: i64)
      attributes {dsc.host_kernel, dsc.host_lanes} {
    llvm.return
  }
}
