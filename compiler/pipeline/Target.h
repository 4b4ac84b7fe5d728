//===- Target.h - what dsc can compile for ----------------------*- C++ -*-===//

#ifndef DSC_PIPELINE_TARGET_H
#define DSC_PIPELINE_TARGET_H

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace dsc {

struct TargetDesc {
  std::string name;        // --target spelling
  std::string triple;
  std::string cpu;         // LLVM CPU name
  std::string features;    // LLVM feature string
  std::string kernels;     // embedded kernel library ("kernels-<x>")
  std::string runtime;     // embedded runtime archive ("runtime-<arch>")
  std::string description;
  // dsc compile --sanitize: instrumented runtime and kernels, linked by the
  // host's clang (docs/reliability.md).
  bool sanitize = false;
};

/// All --target values (besides "native").
const std::vector<TargetDesc> &getTargets();

/// Looks up a --target value; "native" picks the best target the host runs.
llvm::Expected<TargetDesc> lookupTarget(llvm::StringRef name);

/// The --sanitize variant of an x86-64 target: ASan and UBSan in the
/// runtime, the kernels and the generated code.
llvm::Expected<TargetDesc> sanitizedTarget(const TargetDesc &t);

/// Whether this machine can run executables for `t`.
bool hostCanRun(const TargetDesc &t);

} // namespace dsc

#endif
