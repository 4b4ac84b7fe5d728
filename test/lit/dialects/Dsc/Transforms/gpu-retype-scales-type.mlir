// RUN: dsc-opt %s --dsc-gpu-retype-scales=type=bf16 --verify-diagnostics

// The option is checked before the module is read (no location).
// expected-error@unknown {{dsc-gpu-retype-scales: type must be f16 or f32, not 'bf16'}}
module {
}
