// RUN: dsc-opt %s --split-input-file --dsc-gpu-retype-scales --verify-diagnostics

// Scales stored to are not a weight's scales: nothing else is rewritten.
func.func @stored(%s: memref<?xf32> {dsc.scales}, %v: f32) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.store' op uses the scales of @stored (only loads, and calls passing them to scales, can read another type)}}
  memref.store %v, %s[%c0] : memref<?xf32>
  return
}

// -----

func.func private @plain(%s: memref<?xf32>) -> f32

func.func @passed(%s: memref<?xf32> {dsc.scales}) -> f32 {
  // expected-error @+1 {{'func.call' op passes the scales of @passed to an argument of @plain that is not marked 'dsc.scales'}}
  %v = func.call @plain(%s) : (memref<?xf32>) -> f32
  return %v : f32
}

// -----

// A helper's scales are retyped with its callers' marked arguments: a
// caller passing anything else would then pass the wrong type.
func.func private @lane(%s: memref<?xf32> {dsc.scales}) -> f32

func.func @unmarked_caller(%s: memref<?xf32>) -> f32 {
  // expected-error @+1 {{'func.call' op passes a value that is not its caller's 'dsc.scales' argument to the scales of @lane}}
  %v = func.call @lane(%s) : (memref<?xf32>) -> f32
  return %v : f32
}
