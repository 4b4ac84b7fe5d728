//===- TargetRegistry.cpp - what dsc can compile for ----------------------===//

#include "registry/TargetRegistry.h"
#include "registry/CUDATargets.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace llvm;

namespace mlir::dsc {

bool TargetInfo::supportsQuantBits(unsigned bits) const {
  return llvm::is_contained(quantBits, bits);
}

bool TargetInfo::supportsGGMLFormat(StringRef format) const {
  return llvm::is_contained(ggmlFormats, format);
}

bool TargetInfo::supportsWeightType(StringRef type) const {
  return llvm::is_contained(weightTypes, type);
}

namespace {
/// What a target's kernels read. The CPU targets share it today: the generic
/// kernels (targets/common) implement every format and the ISA files
/// override the hot ones; a target whose kernels read other formats (or
/// another tile, or an f16 KV cache) names its own.
struct Formats {
  std::vector<std::string> weightTypes;
  std::vector<unsigned> quantBits;
  TileShape floatTile;
  int64_t quantTileRows;
  std::string kvCacheType;
  /// Read by linear_ggml and embedding_ggml (targets/common/kernels).
  std::vector<std::string> ggmlFormats = {};
  /// int4:group=32 in row-interleaved 16x32 blocks (TargetInfo's fields):
  /// the kernels read them, and dsc-weights-pack chooses them by default.
  bool rowInterleavedQ4 = false;
  bool rowInterleavedQ4Default = false;
};
const Formats kCPUFormats = {
    {"f32", "f16", "bf16"}, {2, 3, 4, 5, 6, 8}, {4, 16}, 4, "f32",
    {"q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "q8_k", "iq4_nl", "iq4_xs",
     "q4_0", "q4_1", "q5_0", "q5_1", "q8_0"}};
/// The AVX2 kernels also read int4:group=32 in row-interleaved blocks
/// (linear_q4_r16_avx2.c), and take them by default.
const Formats kR16Formats = [] {
  Formats f = kCPUFormats;
  f.rowInterleavedQ4 = f.rowInterleavedQ4Default = true;
  return f;
}();
/// The AVX-512 ones read them too (linear_q4_r16_avx512_vnni.c) but keep
/// 4-row tiles by default: on the Sapphire Rapids guest measured, the
/// blocks' prompts were 6% faster and their decoding 1-2% (TinyLlama) to
/// 5-8% (Llama-3-8B shape) slower (docs/benchmarks.md).
const Formats kAVX512Formats = [] {
  Formats f = kCPUFormats;
  f.rowInterleavedQ4 = true;
  return f;
}();

/// One CPU target: its code generation, its kernel and runtime libraries,
/// and the formats those kernels read.
struct CPUEntry {
  const char *name, *description, *triple, *cpu, *features;
  std::vector<std::string> hostFeatures, aliases;
  const char *kernels, *runtime;
  bool pie = false;
  const Formats *formats = &kCPUFormats;
};

const char *const kX86 = "x86_64-unknown-linux-gnu";
const char *const kAArch64 = "aarch64-unknown-linux-gnu";
const char *const kAndroid = "aarch64-unknown-linux-android";
const char *const kARMv7 = "armv7-unknown-linux-gnueabihf";
const std::vector<std::string> kAVX2 = {"avx2", "fma", "f16c", "bmi2"};
} // namespace

static std::vector<TargetInfo> makeRegistry() {
  std::vector<std::string> avxvnni = kAVX2;
  avxvnni.push_back("avxvnni");
  std::vector<std::string> avx512 = kAVX2;
  avx512.insert(avx512.end(), {"avx512f", "avx512bw", "avx512vl", "avx512dq",
                               "avx512vnni", "avx512bf16"});
  const CPUEntry entries[] = {
      {"x86_64",
       "any x86-64 (SSE2), portable kernels",
       kX86,
       "x86-64",
       "",
       {},
       {},
       "kernels-x86_64-generic",
       "runtime-x86_64"},
      {"x86_64-avx2",
       "x86-64 with AVX2, FMA and F16C (Haswell, Zen)",
       kX86,
       "x86-64-v3",
       "",
       kAVX2,
       {},
       "kernels-x86_64-avx2",
       "runtime-x86_64",
       /*pie=*/false,
       &kR16Formats},
      {"x86_64-avxvnni",
       "x86-64 with AVX2 and AVX-VNNI (Alder Lake and later cores without "
       "AVX-512)",
       kX86,
       "x86-64-v3",
       "+avxvnni",
       avxvnni,
       {},
       "kernels-x86_64-avxvnni",
       "runtime-x86_64",
       /*pie=*/false,
       &kR16Formats},
      {"x86_64-avx512",
       "x86-64 with AVX-512F/BW/VL, VNNI and BF16 (Cooper Lake, Sapphire "
       "Rapids and later, Zen 4)",
       kX86,
       "x86-64-v4",
       "+avx512vnni,+avx512bf16",
       avx512,
       {},
       "kernels-x86_64-avx512",
       "runtime-x86_64",
       /*pie=*/false,
       &kAVX512Formats},
      {"aarch64",
       "any 64-bit ARM: ARMv8-A with NEON (every 64-bit Raspberry Pi and "
       "phone)",
       kAArch64,
       "generic",
       "+neon",
       {"neon"},
       {"arm64"},
       "kernels-aarch64-neon",
       "runtime-aarch64"},
      {"rpi4",
       "Raspberry Pi 4: Cortex-A72, NEON, no dot products",
       kAArch64,
       "cortex-a72",
       "",
       {"neon"},
       {"raspberrypi4"},
       "kernels-aarch64-neon",
       "runtime-aarch64"},
      {"rpi5",
       "Raspberry Pi 5: Cortex-A76, NEON with dot products (sdot) and FP16",
       kAArch64,
       "cortex-a76",
       "",
       {"neon", "dotprod"},
       {"raspberrypi5"},
       "kernels-aarch64-dotprod",
       "runtime-aarch64"},
      {"android-arm64",
       "Android phones: ARMv8.2-A with dot products and int8 matrix "
       "multiplies (i8mm); a static PIE that runs from adb shell",
       kAndroid,
       "generic",
       "+v8.2a,+dotprod,+i8mm,+fullfp16",
       {"neon", "dotprod", "i8mm"},
       {"android"},
       "kernels-aarch64-android",
       "runtime-aarch64-android",
       /*pie=*/true},
      // Cortex-A7 is the oldest core of the ARMv7 boards with NEON (Pi 2
      // v1.1) and what the AArch32 state of the Pi 3, Zero 2 W (Cortex-A53)
      // and Pi 4 (A72) runs: VFPv4 (vfma), NEON and hardware division, and
      // an in-order schedule like the A53's.
      {"armv7",
       "32-bit ARMv7-A with NEON and VFPv4, hard-float (Raspberry Pi OS "
       "32-bit on a Pi 2, 3, 4 or Zero 2 W); static",
       kARMv7,
       "cortex-a7",
       "",
       {"neon", "vfp4"},
       {"armhf"},
       "kernels-armv7-neon",
       "runtime-armv7"},
  };
  std::vector<TargetInfo> r;
  for (const CPUEntry &e : entries) {
    TargetInfo t;
    t.name = e.name;
    t.aliases = e.aliases;
    t.description = e.description;
    t.triple = e.triple;
    t.cpu = e.cpu;
    t.features = e.features;
    t.hostFeatures = e.hostFeatures;
    t.kernels = e.kernels;
    t.runtime = e.runtime;
    t.pie = e.pie;
    t.weightTypes = e.formats->weightTypes;
    t.quantBits = e.formats->quantBits;
    t.ggmlFormats = e.formats->ggmlFormats;
    t.floatTile = e.formats->floatTile;
    t.quantTileRows = e.formats->quantTileRows;
    t.kvCacheType = e.formats->kvCacheType;
    t.bf16Products = llvm::is_contained(e.hostFeatures, "avx512bf16");
    t.rowInterleavedQ4 = e.formats->rowInterleavedQ4;
    t.rowInterleavedQ4Default = e.formats->rowInterleavedQ4Default;
    r.push_back(std::move(t));
  }
  appendCUDATargets(r);
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
  // A GPU target's executables need the GPU too, which they look for when
  // they start; dsc does not ask the driver here.
  if (getCUDADevice(t))
    return false;
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
  if (name == "cuda")
    return lookupHostCUDATarget();
  if (const TargetInfo *t = findTarget(name))
    return *t;
  // A triple: the registry's baseline entry of its architecture (its first,
  // which every CPU of the architecture runs), for that triple's OS and
  // ABI; --mcpu and --mattr may then tune it.
  if (name.contains('-')) {
    Triple triple(Triple::normalize(name));
    bool android = triple.isAndroid();
    for (const TargetInfo &t : getTargetRegistry()) {
      Triple own(t.triple);
      if (own.getArch() == triple.getArch() && triple.isOSLinux() &&
          own.isAndroid() == android) {
        // The ARMv7 runtime and kernels are hard-float: code for a
        // soft-float ABI would pass floats where they do not look.
        Triple::EnvironmentType env = triple.getEnvironment();
        if (triple.isARM() && env != Triple::GNUEABIHF &&
            env != Triple::MuslEABIHF)
          return createStringError(
              inconvertibleErrorCode(),
              "--target " + name.str() +
                  ": 32-bit ARM is hard-float only (gnueabihf, as "
                  "Raspberry Pi OS); use " +
                  t.triple);
        TargetInfo custom = t;
        custom.triple = triple.str();
        return custom;
      }
    }
  }
  return createStringError(inconvertibleErrorCode(),
                           "unknown --target '" + name.str() +
                               "' (known: native, cuda, " +
                               listTargetNames() +
                               "; or a Linux triple of x86_64, aarch64 or "
                               "armv7 hard-float)");
}

Expected<TargetInfo> tuneTarget(const TargetInfo &t, StringRef cpu,
                                StringRef features) {
  TargetInfo tuned = t;
  if (!cpu.empty())
    tuned.cpu = cpu.str();
  if (!features.empty())
    tuned.features =
        t.features.empty() ? features.str() : t.features + "," + features.str();
  SmallVector<StringRef> list;
  if (!features.empty())
    features.split(list, ',');
  for (StringRef f : list)
    if (f.empty() || (f[0] != '+' && f[0] != '-'))
      return createStringError(inconvertibleErrorCode(),
                               "--mattr " + features.str() +
                                   ": features are +name or -name, "
                                   "comma-separated");
  return tuned;
}

} // namespace mlir::dsc
