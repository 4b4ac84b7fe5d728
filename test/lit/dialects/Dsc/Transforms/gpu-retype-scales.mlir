// RUN: dsc-opt %s --split-input-file --dsc-gpu-retype-scales | FileCheck %s
// RUN: dsc-opt %s --split-input-file --dsc-gpu-retype-scales=type=f32 | FileCheck %s --check-prefix=F32

// A kernel's scales become f16: each load (its attributes kept) reads the
// f16 value, widened where it is read; the other f32 buffers stay; the
// mark is consumed.
// CHECK-LABEL: func.func @gemv(
// CHECK-SAME:    %[[Q:.*]]: memref<?xi8>, %[[S:.*]]: memref<?xf16>, %[[X:.*]]: memref<?xf32>)
// CHECK:         %[[H:.*]] = memref.load %[[S]][%{{.*}}] {nontemporal = true} : memref<?xf16>
// CHECK:         %[[W:.*]] = arith.extf %[[H]] : f16 to f32
// CHECK:         %[[XV:.*]] = memref.load %[[X]][%{{.*}}] : memref<?xf32>
// CHECK:         arith.mulf %[[W]], %[[XV]] : f32
// F32-LABEL:   func.func @gemv(
// F32-SAME:      memref<?xi8>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<?xf32>)
// F32-NOT:     dsc.scales
// F32-NOT:     arith.extf
func.func @gemv(%q: memref<?xi8>, %s: memref<?xf32> {dsc.scales},
                %x: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %sv = memref.load %s[%c1] {nontemporal = true} : memref<?xf32>
  %xv = memref.load %x[%c0] : memref<?xf32>
  %p = arith.mulf %sv, %xv : f32
  return %p : f32
}

// -----

// Scales passed on to a helper's scales: both retyped, the call with them;
// a declaration's signature too.
// CHECK-LABEL: func.func private @lane(
// CHECK-SAME:    %[[S:.*]]: memref<?xf16>, %{{.*}}: index) -> f32
// CHECK:         memref.load %[[S]]
// CHECK-NEXT:    arith.extf
// CHECK-LABEL: func.func @kernel(
// CHECK-SAME:    %[[SG:.*]]: memref<?xf16>, %[[SU:.*]]: memref<?xf16>)
// CHECK:         call @lane(%[[SG]], %{{.*}}) : (memref<?xf16>, index) -> f32
// CHECK:         call @lane(%[[SU]], %{{.*}}) : (memref<?xf16>, index) -> f32
// CHECK-LABEL: func.func private @declared(memref<?xf16>, memref<?xf32>)
func.func private @lane(%s: memref<?xf32> {dsc.scales}, %i: index) -> f32 {
  %v = memref.load %s[%i] : memref<?xf32>
  return %v : f32
}
func.func @kernel(%sg: memref<?xf32> {dsc.scales},
                  %su: memref<?xf32> {dsc.scales}) -> f32 {
  %c0 = arith.constant 0 : index
  %a = func.call @lane(%sg, %c0) : (memref<?xf32>, index) -> f32
  %b = func.call @lane(%su, %c0) : (memref<?xf32>, index) -> f32
  %c = arith.addf %a, %b : f32
  return %c : f32
}
func.func private @declared(memref<?xf32> {dsc.scales}, memref<?xf32>)

// -----

// Without marks nothing changes, f32 buffers included.
// CHECK-LABEL: func.func @unmarked(
// CHECK-SAME:    %{{.*}}: memref<?xf32>) -> f32
// CHECK-NOT:     arith.extf
func.func @unmarked(%s: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %v = memref.load %s[%c0] : memref<?xf32>
  return %v : f32
}
