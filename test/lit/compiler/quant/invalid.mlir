// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %src/test/lib/calib_stats.py stats %t/two.bin --cols 64,64
// RUN: dsc-opt %s --split-input-file --dsc-quant-awq-scale="stats=%t/two.bin" --verify-diagnostics
// RUN: dsc-opt %s --split-input-file --dsc-quant-mixed-precision="stats=%t/two.bin budget=1MiB" --verify-diagnostics

// The statistics are of another model: two observation points, one here.
// expected-error@below {{two.bin: calibration saw 2 observation points, the model has 1}}
module {
  dsc.global @w : tensor<64x64xf32>
  func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
    %w = dsc.weight @w : tensor<64x64xf32>
    %y = dsc.linear %x, %w : tensor<?x64xf32>, tensor<64x64xf32> -> tensor<?x64xf32>
    return %y : tensor<?x64xf32>
  }
}

// -----

// Two points, but the second is 32 columns wide here.
// expected-error@below {{two.bin: observation point 1 has 64 columns, the model's input has 32}}
module {
  dsc.global @w : tensor<32x64xf32>
  dsc.global @v : tensor<64x32xf32>
  func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
    %w = dsc.weight @w : tensor<32x64xf32>
    %v = dsc.weight @v : tensor<64x32xf32>
    %h = dsc.linear %x, %w : tensor<?x64xf32>, tensor<32x64xf32> -> tensor<?x32xf32>
    %y = dsc.linear %h, %v : tensor<?x32xf32>, tensor<64x32xf32> -> tensor<?x64xf32>
    return %y : tensor<?x64xf32>
  }
}

// -----

// expected-error@below {{no func.func @forward}}
module {
  dsc.global @w : tensor<64x64xf32>
}
