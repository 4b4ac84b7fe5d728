//===- CUDATargets.cpp - the registry's NVIDIA GPU targets ----------------===//
//
// The entries, and --target cuda, which asks the CUDA driver for the first
// device's compute capability. The driver is loaded at run time, as
// generated executables load it: dsc neither links nor needs CUDA, and says
// what is missing when there is no driver or GPU.
//
//===----------------------------------------------------------------------===//

#include "registry/CUDATargets.h"

#include "llvm/ADT/StringMap.h"

#include <dlfcn.h>

using namespace llvm;

namespace mlir::dsc {

namespace {
// The few driver entry points used, declared here: no CUDA header needed.
using CUresult = int;
using CUdevice = int;
constexpr int kComputeCapabilityMajor = 75, kComputeCapabilityMinor = 76;
using InitFn = CUresult (*)(unsigned);
using DeviceGetFn = CUresult (*)(CUdevice *, int);
using DeviceGetAttributeFn = CUresult (*)(int *, int, CUdevice);
using DeviceGetNameFn = CUresult (*)(char *, int, CUdevice);
} // namespace

namespace {
struct GPU {
  const char *name, *description, *chip, *ptx;
  std::vector<std::string> aliases;
};
// Each chip at the oldest PTX ISA version that has it, so that the oldest
// drivers that know the chip load the code.
const GPU kGPUs[] = {
    {"cuda-sm80",
     "NVIDIA Ampere data-center GPUs (A100, A30): sm_80, PTX 7.0",
     "sm_80",
     "+ptx70",
     {"a100"}},
    {"cuda-sm86",
     "NVIDIA Ampere consumer and workstation GPUs (RTX 30xx, A10, A40): "
     "sm_86, PTX 7.1",
     "sm_86",
     "+ptx71",
     {"rtx30"}},
    {"cuda-sm89",
     "NVIDIA Ada GPUs (RTX 40xx, L4, L40): sm_89, PTX 7.8",
     "sm_89",
     "+ptx78",
     {"rtx40", "l4"}},
    {"cuda-sm90",
     "NVIDIA Hopper GPUs (H100, H200): sm_90, PTX 8.0",
     "sm_90",
     "+ptx80",
     {"h100", "h200"}},
};

const StringMap<CUDADevice> &devices() {
  static const StringMap<CUDADevice> map = [] {
    StringMap<CUDADevice> m;
    for (const GPU &g : kGPUs)
      m[g.name] = CUDADevice{g.chip, g.ptx};
    return m;
  }();
  return map;
}
} // namespace

std::string CUDADevice::ptxVersion() const {
  StringRef v = StringRef(features).drop_front(4); // "+ptx"
  return (v.drop_back(1) + "." + v.take_back(1)).str();
}

const CUDADevice *getCUDADevice(const TargetInfo &t) {
  auto it = devices().find(t.name);
  return it == devices().end() ? nullptr : &it->second;
}

/// Host code for x86-64 with AVX2 (every server and workstation with an
/// sm_80+ GPU has it): the x86_64-avx2 entry with the hosted runtime that
/// loads the driver.
void appendCUDATargets(std::vector<TargetInfo> &r) {
  auto host = llvm::find_if(
      r, [](const TargetInfo &t) { return t.name == "x86_64-avx2"; });
  assert(host != r.end() && "the registry has no x86_64-avx2 entry");
  TargetInfo base = *host;
  for (const GPU &g : kGPUs) {
    TargetInfo t = base;
    t.name = g.name;
    t.aliases = g.aliases;
    t.description = g.description;
    t.runtime = "runtime-x86_64-cuda";
    t.f16Products = true;
    // A forward pass left on the host (a model the device kernels do not
    // cover, dsc-gpu-place-forward) reads what the x86_64-avx2 kernels
    // read, row-interleaved int4 blocks too.
    r.push_back(std::move(t));
  }
}

static Error cudaError(const Twine &what) {
  return createStringError(inconvertibleErrorCode(),
                           "--target cuda: " + what +
                               "; name a GPU target instead (cuda-sm80, "
                               "cuda-sm86, cuda-sm89, cuda-sm90)");
}

Expected<TargetInfo> lookupHostCUDATarget() {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    return cudaError(Twine("no NVIDIA driver here (") + dlerror() + ")");
  auto init = reinterpret_cast<InitFn>(dlsym(lib, "cuInit"));
  auto get = reinterpret_cast<DeviceGetFn>(dlsym(lib, "cuDeviceGet"));
  auto attr = reinterpret_cast<DeviceGetAttributeFn>(
      dlsym(lib, "cuDeviceGetAttribute"));
  if (!init || !get || !attr)
    return cudaError("libcuda.so.1 lacks cuInit, cuDeviceGet or "
                     "cuDeviceGetAttribute");
  CUdevice dev = 0;
  int major = 0, minor = 0;
  if (CUresult rc = init(0))
    return cudaError("cuInit failed with CUDA error " + Twine(rc) +
                     " (no GPU, or the driver is not loaded)");
  if (CUresult rc = get(&dev, 0))
    return cudaError("cuDeviceGet failed with CUDA error " + Twine(rc));
  if (attr(&major, kComputeCapabilityMajor, dev) ||
      attr(&minor, kComputeCapabilityMinor, dev))
    return cudaError("cannot read the GPU's compute capability");
  int cc = major * 10 + minor;
  // The newest registry chip the device runs: PTX is compiled forward by the
  // driver, so a newer GPU (sm_100, sm_120) runs sm_90's PTX.
  const TargetInfo *best = nullptr;
  int bestCC = 0;
  for (const TargetInfo &t : getTargetRegistry()) {
    const CUDADevice *d = getCUDADevice(t);
    int chip = 0;
    if (d && !StringRef(d->chip).drop_front(3).getAsInteger(10, chip) &&
        chip <= cc && chip > bestCC)
      best = &t, bestCC = chip;
  }
  if (!best)
    return cudaError("the GPU's compute capability " + Twine(major) + "." +
                     Twine(minor) + " is older than sm_80");
  return *best;
}

} // namespace mlir::dsc
