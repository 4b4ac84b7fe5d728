// RUN: dsc-opt %s --split-input-file --dsc-gpu-host-kernel-entries -verify-diagnostics

// A parameter a launch cannot pass by value (cuLaunchKernel's parameters
// are scalars and pointers here) is an error, not a wrong size.
module {
  // expected-error @below {{has a parameter of type 'vector<4xf32>' that a launch cannot pass}}
  llvm.func @k(%v: vector<4xf32>, %gx: i64, %gy: i64, %gz: i64,
               %bx: i64, %by: i64, %bz: i64) attributes {dsc.host_kernel} {
    llvm.return
  }
}
