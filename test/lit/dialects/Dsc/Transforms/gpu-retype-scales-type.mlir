// RUN: dsc-opt %s --dsc-gpu-retype-scales=type=bf16 --verify-diagnostics

// expected-error @+1 {{dsc-gpu-retype-scales: type must be f16 or f32, not 'bf16'}}
module {
}
