// RUN: dsc-opt %s --dsc-gpu-unroll-loops=factor=0 --verify-diagnostics

// expected-error @+1 {{dsc-gpu-unroll-loops: factor must be at least 1, not 0}}
module {
  gpu.module @m {
  }
}
