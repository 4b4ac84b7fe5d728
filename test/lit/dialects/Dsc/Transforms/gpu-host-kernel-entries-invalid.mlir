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

// -----

// A one-thread host form (a kernel with mma.sync) ends with the 6 sizes and
// the 6 ids; one with fewer parameters is an error, not a wrong entry.
module {
  // expected-error @below {{has fewer parameters than the 12 sizes and ids a host kernel ends with}}
  llvm.func @short(%gx: i64, %gy: i64, %gz: i64, %bx: i64, %by: i64,
                   %bz: i64) attributes {dsc.host_kernel, dsc.host_lanes} {
    llvm.return
  }
}
