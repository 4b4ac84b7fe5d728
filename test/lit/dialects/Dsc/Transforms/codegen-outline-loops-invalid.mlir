// RUN: dsc-opt %s --dsc-codegen-outline-loops=min-calls=0 --verify-diagnostics

// expected-error @+1 {{dsc-codegen-outline-loops: min-calls must be at least 1, not 0}}
module {
  func.func @f() {
    return
  }
}
