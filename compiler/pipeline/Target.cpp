//===- Target.cpp - what dsc can compile for ------------------------------===//

#include "pipeline/Target.h"
#include "frontend/Errors.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace llvm;

namespace dsc {

const std::vector<TargetDesc> &getTargets() {
  static const std::vector<TargetDesc> targets = {
      {"x86_64", "x86_64-unknown-linux-gnu", "x86-64", "", "kernels-x86_64-generic",
       "runtime-x86_64", "any x86-64 (SSE2), portable kernels"},
      {"x86_64-avx2", "x86_64-unknown-linux-gnu", "x86-64-v3", "", "kernels-x86_64-avx2",
       "runtime-x86_64", "x86-64 with AVX2, FMA and F16C (Haswell, Zen)"},
      {"x86_64-avx512", "x86_64-unknown-linux-gnu", "x86-64-v4",
       "+avx512vnni,+avx512bf16", "kernels-x86_64-avx512", "runtime-x86_64",
       "x86-64 with AVX-512F/BW/VL, VNNI and BF16 (Cascade Lake+, Zen 4)"},
      {"aarch64", "aarch64-unknown-linux-gnu", "cortex-a76", "",
       "kernels-aarch64-neon", "runtime-aarch64",
       "64-bit ARM with NEON and dot products (Cortex-A76: Raspberry Pi 5)"},
  };
  return targets;
}

static StringMap<bool> hostFeatures() { return sys::getHostCPUFeatures(); }

bool hostCanRun(const TargetDesc &t) {
  Triple host(sys::getProcessTriple());
  StringMap<bool> f = hostFeatures();
  auto has = [&](const char *n) { return f.lookup(n); };
  if (t.name == "aarch64")
    return host.getArch() == Triple::aarch64;
  if (host.getArch() != Triple::x86_64)
    return false;
  if (t.name == "x86_64")
    return true;
  bool avx2 = has("avx2") && has("fma") && has("f16c") && has("bmi2");
  if (t.name == "x86_64-avx2")
    return avx2;
  return avx2 && has("avx512f") && has("avx512bw") && has("avx512vl") &&
         has("avx512dq") && has("avx512vnni") && has("avx512bf16");
}

Expected<TargetDesc> sanitizedTarget(const TargetDesc &t) {
  if (StringRef(t.triple).starts_with("x86_64")) {
    TargetDesc s = t;
    s.kernels += "-sanitize";
    s.runtime += "-sanitize";
    s.sanitize = true;
    return s;
  }
  return createStringError(inconvertibleErrorCode(),
                           "--sanitize: only x86-64 targets have a sanitizer "
                           "build of the runtime, not '" +
                               t.name + "'");
}

Expected<TargetDesc> lookupTarget(StringRef name) {
  // Common device names map to their ISA level.
  if (name == "rpi5" || name == "raspberrypi5" || name == "arm64")
    name = "aarch64";
  if (name == "native") {
    for (const char *n : {"x86_64-avx512", "x86_64-avx2", "x86_64", "aarch64"})
      for (const TargetDesc &t : getTargets())
        if (t.name == n && hostCanRun(t))
          return t;
    return createStringError(inconvertibleErrorCode(),
                             "--target native: this host is not a target dsc "
                             "supports");
  }
  for (const TargetDesc &t : getTargets())
    if (t.name == name)
      return t;
  std::string known;
  for (const TargetDesc &t : getTargets())
    known += " " + t.name;
  return createStringError(inconvertibleErrorCode(),
                           "unknown --target '" + name.str() +
                               "' (known: native rpi5" + known + ")");
}

} // namespace dsc
