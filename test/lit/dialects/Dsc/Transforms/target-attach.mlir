// RUN: dsc-opt %s --split-input-file --dsc-target-attach="target=raspberrypi5" | FileCheck %s --check-prefix=ALIAS
// RUN: dsc-opt %s --split-input-file --dsc-target-attach | FileCheck %s --check-prefix=DEFAULT
// RUN: dsc-opt %s --split-input-file --dsc-target-attach="target=nosuch" --verify-diagnostics

// An alias is recorded as the registry's name for it; without a target the
// module keeps the one it has, or gets the registry's default.
// ALIAS-LABEL: module attributes {dsc.target = "rpi5"}
// DEFAULT-LABEL: module attributes {dsc.target = "x86_64"}
// expected-error @below {{unknown target 'nosuch' (known: x86_64, x86_64-avx2, x86_64-avxvnni, x86_64-avx512, aarch64 (also arm64), rpi4 (also raspberrypi4), rpi5 (also raspberrypi5), android-arm64 (also android), armv7 (also armhf), cuda-sm80 (also a100), cuda-sm86 (also rtx30), cuda-sm89 (also rtx40, l4), cuda-sm90 (also h100, h200))}}
module {
}

// -----

// ALIAS-LABEL: module attributes {dsc.target = "rpi5"}
// DEFAULT-LABEL: module attributes {dsc.target = "x86_64-avx2"}
// expected-error @below {{unknown target 'nosuch'}}
module attributes {dsc.target = "x86_64-avx2"} {
}
