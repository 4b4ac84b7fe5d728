// RUN: dsc-opt %s --split-input-file --dsc-gpu-invariant-loads | FileCheck %s

// A kernel's pointer argument that is only loaded from (directly or through
// address arithmetic) gets invariant loads (ld.global.nc); one it stores
// through does not.
// CHECK-LABEL: llvm.func @k
// CHECK: llvm.load %{{.*}} invariant : !llvm.ptr -> f32
// CHECK: %[[G:.*]] = llvm.getelementptr
// CHECK: llvm.load %[[G]] invariant : !llvm.ptr -> f32
// CHECK: %[[O:.*]] = llvm.load %arg1 : !llvm.ptr -> f32
// CHECK: llvm.store
gpu.module @m {
  llvm.func @k(%w: !llvm.ptr, %out: !llvm.ptr, %i: i64) attributes {nvvm.kernel} {
    %a = llvm.load %w : !llvm.ptr -> f32
    %p = llvm.getelementptr %w[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %b = llvm.load %p : !llvm.ptr -> f32
    %o = llvm.load %out : !llvm.ptr -> f32
    %s = llvm.fadd %a, %b : f32
    %t = llvm.fadd %s, %o : f32
    llvm.store %t, %out : f32, !llvm.ptr
    llvm.return
  }
}

// -----

// Only kernels: a device function's loads are left as they are, and so is a
// pointer passed on to a call.
// CHECK-LABEL: llvm.func @helper
// CHECK-NOT: invariant
// CHECK-LABEL: llvm.func @k2
// CHECK-NOT: invariant
gpu.module @m {
  llvm.func @helper(%w: !llvm.ptr) -> f32 {
    %a = llvm.load %w : !llvm.ptr -> f32
    llvm.return %a : f32
  }
  llvm.func @k2(%w: !llvm.ptr) attributes {nvvm.kernel} {
    %a = llvm.load %w : !llvm.ptr -> f32
    %b = llvm.call @helper(%w) : (!llvm.ptr) -> f32
    llvm.return
  }
}
