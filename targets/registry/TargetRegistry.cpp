//===- TargetRegistry.cpp - what dsc can compile for ----------------------===//

#include "registry/TargetRegistry.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace llvm;

namespace mlir::dsc {

bool TargetInfo::supportsQuantBits(unsigned bits) const {
  return llvm::is_contained(quantBits, bits);
}

bool TargetInfo::supportsWeightType(StringRef type) const {
  return llvm::is_contained(weightTypes, type);
}

static std::vector<TargetInfo> makeRegistry() {
  // What every CPU target's kernels handle today: the generic kernels
  // (targets/common) implement all of it and ISA files override the hot
  // ones, so the entries differ in code generation, not in formats.
  auto cpuTarget = [](TargetInfo t) {
    t.weightTypes = {"f32", "f16", "bf16"};
    t.quantBits = {4, 8};
    t.floatTile = {4, 16};
    t.quantTileRows = 4;
    t.kvCacheType = "f32";
    return t;
  };
  std::vector<TargetInfo> r;
  {
    TargetInfo t;
    t.name = "x86_64";
    t.description = "any x86-64 (SSE2), portable kernels";
    t.triple = "x86_64-unknown-linux-gnu";
    t.cpu = "x86-64";
    t.kernels = "kernels-x86_64-generic";
    t.runtime = "runtime-x86_64";
    r.push_back(cpuTarget(t));
  }
  {
    TargetInfo t;
    t.name = "x86_64-avx2";
    t.description = "x86-64 with AVX2, FMA and F16C (Haswell, Zen)";
    t.triple = "x86_64-unknown-linux-gnu";
    t.cpu = "x86-64-v3";
    t.hostFeatures = {"avx2", "fma", "f16c", "bmi2"};
    t.kernels = "kernels-x86_64-avx2";
    t.runtime = "runtime-x86_64";
    r.push_back(cpuTarget(t));
  }
  {
    TargetInfo t;
    t.name = "x86_64-avx512";
    t.description =
        "x86-64 with AVX-512F/BW/VL, VNNI and BF16 (Cascade Lake+, Zen 4)";
    t.triple = "x86_64-unknown-linux-gnu";
    t.cpu = "x86-64-v4";
    t.features = "+avx512vnni,+avx512bf16";
    t.hostFeatures = {"avx2",     "fma",      "f16c",       "bmi2",
                      "avx512f",  "avx512bw", "avx512vl",   "avx512dq",
                      "avx512vnni", "avx512bf16"};
    t.kernels = "kernels-x86_64-avx512";
    t.runtime = "runtime-x86_64";
    r.push_back(cpuTarget(t));
  }
  {
    TargetInfo t;
    t.name = "aarch64";
    t.aliases = {"rpi5", "raspberrypi5", "arm64"};
    t.description =
        "64-bit ARM with NEON and dot products (Cortex-A76: Raspberry Pi 5)";
    t.triple = "aarch64-unknown-linux-gnu";
    t.cpu = "cortex-a76";
    t.kernels = "kernels-aarch64-neon";
    t.runtime = "runtime-aarch64";
    r.push_back(cpuTarget(t));
  }
  return r;
}

const std::vector<TargetInfo> &getTargetRegistry() {
  static const std::vector<TargetInfo> registry = makeRegistry();
  return registry;
}

const TargetInfo &getDefaultTarget() { return getTargetRegistry().front(); }

const TargetInfo *findTarget(StringRef name) {
  for (const TargetInfo &t : getTargetRegistry())
    if (t.name == name || llvm::is_contained(t.aliases, name))
      return &t;
  return nullptr;
}

bool hostCanRun(const TargetInfo &t) {
  if (Triple(sys::getProcessTriple()).getArch() != Triple(t.triple).getArch())
    return false;
  StringMap<bool> f = sys::getHostCPUFeatures();
  return llvm::all_of(t.hostFeatures,
                      [&](const std::string &n) { return f.lookup(n); });
}

Expected<TargetInfo> sanitizedTarget(const TargetInfo &t) {
  if (Triple(t.triple).getArch() == Triple::x86_64) {
    TargetInfo s = t;
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

std::string listTargetNames() {
  std::string s;
  for (const TargetInfo &t : getTargetRegistry()) {
    s += s.empty() ? "" : ", ";
    s += t.name;
    for (size_t i = 0; i < t.aliases.size(); ++i)
      s += (i ? ", " : " (also ") + t.aliases[i] +
           (i + 1 == t.aliases.size() ? ")" : "");
  }
  return s;
}

Expected<TargetInfo> lookupTarget(StringRef name) {
  if (name == "native") {
    // The most capable target this host runs: later entries of an
    // architecture extend earlier ones.
    const TargetInfo *best = nullptr;
    for (const TargetInfo &t : getTargetRegistry())
      if (hostCanRun(t) &&
          (!best || t.hostFeatures.size() > best->hostFeatures.size()))
        best = &t;
    if (best)
      return *best;
    return createStringError(inconvertibleErrorCode(),
                             "--target native: this host is not a target dsc "
                             "supports");
  }
  if (const TargetInfo *t = findTarget(name))
    return *t;
  return createStringError(inconvertibleErrorCode(),
                           "unknown --target '" + name.str() +
                               "' (known: native, " + listTargetNames() + ")");
}

} // namespace mlir::dsc
