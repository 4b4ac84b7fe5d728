// RUN: dsc-opt %s --dsc-gpu-tile-flat-loops=block-size=0 --verify-diagnostics

// expected-error @+1 {{dsc-gpu-tile-flat-loops: block-size must be at least 1, not 0}}
func.func @flat(%a: memref<16xf32>) {
  return
}
