// RUN: dsc-opt %s --split-input-file --dsc-gpu-no-libdevice --verify-diagnostics | FileCheck %s

// libdevice calls with a PTX instruction become LLVM intrinsics, and their
// declarations go.
// CHECK-LABEL: gpu.module @m
// CHECK-NOT: llvm.func @__nv_
// CHECK-LABEL: llvm.func @k
// CHECK: llvm.intr.sqrt
// CHECK: llvm.intr.fma
// CHECK: llvm.intr.fabs
// CHECK: llvm.intr.floor
// CHECK-NOT: llvm.call
gpu.module @m {
  llvm.func @__nv_sqrtf(f32) -> f32
  llvm.func @__nv_fmaf(f32, f32, f32) -> f32
  llvm.func @__nv_fabsf(f32) -> f32
  llvm.func @__nv_floorf(f32) -> f32
  llvm.func @k(%x: f32) -> f32 {
    %a = llvm.call @__nv_sqrtf(%x) : (f32) -> f32
    %b = llvm.call @__nv_fmaf(%a, %x, %x) : (f32, f32, f32) -> f32
    %c = llvm.call @__nv_fabsf(%b) : (f32) -> f32
    %d = llvm.call @__nv_floorf(%c) : (f32) -> f32
    llvm.return %d : f32
  }
}

// -----

// Anything else would need libdevice: an error naming it.
gpu.module @m {
  llvm.func @__nv_expf(f32) -> f32
  llvm.func @k(%x: f32) -> f32 {
    // expected-error @+1 {{needs libdevice's __nv_expf, which dsc does not link}}
    %a = llvm.call @__nv_expf(%x) : (f32) -> f32
    llvm.return %a : f32
  }
}
