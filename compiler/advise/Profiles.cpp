//===- Profiles.cpp - the built-in device profiles ------------------------===//
//
// Each figure with where it comes from. "Wire rate" is the memory's transfer
// rate times its bus width (the vendor's specification); no CPU streams at
// it. The sustained fractions used below:
//  - 43% on the Raspberry Pis: a Pi 4 reaches 5.5 GB/s in STREAM (copy,
//    https://www.sci-pi.org.uk/bench/stream.html) of its LPDDR4-3200 x32
//    wire rate of 12.8 GB/s.
//  - 60% on laptops and servers: STREAM reaches 67-79% of DDR4/LPDDR4 wire
//    rates (TI SPRACV1B, "STREAM" table), and dsc's decoding reaches 70-92%
//    of what a read-only streaming loop measures (docs/benchmarks.md).
//  - 85% on NVIDIA's HBM: what BabelStream-style read kernels reach on
//    A100/H100 (stated as an assumption, not measured here).
// Sustained compute is half the peak FMA rate (cores x clock x FLOP per
// cycle from the vendor's core documentation): prefill runs matrix kernels
// that are not tuned to the peak.
// The per-layer overhead (kernel calls and thread joins per token) was
// measured on the development machine (docs/advise.md, "Speed model") at
// about 4 us per layer; the ARM figures scale it by the slower cores, the
// GPU one is about ten kernel launches per layer at 2-3 us each.
// Memory is what a model may use: the board's or phone's RAM less what its
// operating system keeps (an assumption stated per device).
//
//===----------------------------------------------------------------------===//

#include "advise/DeviceProfile.h"

namespace dsc::advise {

static constexpr uint64_t kGiB = 1ull << 30, kMiB = 1ull << 20;

const std::vector<DeviceProfile> &builtinProfiles() {
  static const std::vector<DeviceProfile> profiles = [] {
    std::vector<DeviceProfile> v;
    DeviceProfile p;

    p = DeviceProfile();
    p.name = "rpi4";
    p.description = "Raspberry Pi 4 Model B, 4 GB";
    p.target = "rpi4";
    // 4 GB board (raspberrypi.com product brief), 0.5 GB kept by the OS.
    p.memBytes = 3 * kGiB + 512 * kMiB;
    // STREAM copy 5.5 GB/s (sci-pi.org.uk, above).
    p.bandwidthGBs = 5.5;
    // 4x Cortex-A72 at 1.8 GHz, two 128-bit FP/ASIMD pipes: 16 FLOP/cycle
    // (Arm Cortex-A72 Software Optimization Guide); half of 115 GFLOP/s.
    p.gflops = 57;
    // 1 MiB shared L2 (BCM2711, raspberrypi.com documentation); its read
    // bandwidth assumed 4x DRAM's.
    p.cacheBytes = 1 * kMiB;
    p.cacheBandwidthGBs = 22;
    // Host's 4 us scaled by the A72's single-thread speed (about 1/3 of the
    // host core: sysbench events/s, leoncode.co.uk Raspberry Pi benchmarks).
    p.layerOverheadUs = 12;
    p.cores = 4;
    p.features = {"neon"};
    p.source = "built-in (Profiles.cpp)";
    v.push_back(p);

    p = DeviceProfile();
    p.name = "rpi5";
    p.description = "Raspberry Pi 5, 8 GB";
    p.target = "rpi5";
    // 8 GB board (raspberrypi.com product brief), 0.5 GB kept by the OS.
    p.memBytes = 7 * kGiB + 512 * kMiB;
    // LPDDR4X-4267 x32: 17.1 GB/s wire rate (product brief) x 43%.
    p.bandwidthGBs = 7.3;
    // 4x Cortex-A76 at 2.4 GHz, two 128-bit FMA pipes: 16 FLOP/cycle
    // (Arm Cortex-A76 Software Optimization Guide); half of 154 GFLOP/s.
    p.gflops = 77;
    // 2 MiB shared L3 (BCM2712); read bandwidth assumed 4x DRAM's.
    p.cacheBytes = 2 * kMiB;
    p.cacheBandwidthGBs = 29;
    // Host's 4 us scaled by the A76's single-thread speed (about 2/3 of the
    // host core, leoncode.co.uk sysbench figures).
    p.layerOverheadUs = 6;
    p.cores = 4;
    p.features = {"neon", "dotprod", "fullfp16"};
    p.source = "built-in (Profiles.cpp)";
    v.push_back(p);

    p = DeviceProfile();
    p.name = "android-arm64";
    p.description = "a current phone: Snapdragon 8 Gen 2 class, 8 GB";
    p.target = "android-arm64";
    // 8 GB phone; Android and its apps keep about 5 GB, leaving an app 3 GB
    // (an assumption: Android kills apps well before RAM is full).
    p.memBytes = 3 * kGiB;
    // LPDDR5X-8533 x64: 68.3 GB/s wire rate (Qualcomm product brief) x 43%,
    // the Raspberry Pis' fraction (a phone's CPU cluster, like theirs, is
    // not built to saturate its memory).
    p.bandwidthGBs = 29;
    // 1x Cortex-X3 3.2 GHz + 4x A715 2.8 GHz (16 FLOP/cycle each, Arm
    // optimization guides) + 3x A510: about 250 GFLOP/s peak, half of it.
    p.gflops = 125;
    // 8 MiB system-level cache (Qualcomm product brief); assumed 3x DRAM.
    p.cacheBytes = 8 * kMiB;
    p.cacheBandwidthGBs = 87;
    p.layerOverheadUs = 5;
    p.cores = 8;
    p.features = {"neon", "dotprod", "i8mm", "fullfp16"};
    p.source = "built-in (Profiles.cpp)";
    v.push_back(p);

    p = DeviceProfile();
    p.name = "x86-laptop";
    p.description = "x86-64 laptop with AVX2, 16 GB dual-channel DDR4-3200";
    p.target = "x86_64-avx2";
    // 16 GB, the OS and a desktop keep 4 GB (an assumption).
    p.memBytes = 12 * kGiB;
    // DDR4-3200, two 64-bit channels: 51.2 GB/s wire rate (JEDEC) x 60%.
    p.bandwidthGBs = 30.7;
    // 8 cores at 3 GHz, two 256-bit FMA ports: 32 FLOP/cycle (Intel's
    // optimization manual, Skylake+); half of 768 GFLOP/s.
    p.gflops = 384;
    // 12 MiB L3 (typical of 8-core mobile parts, Intel ARK); its read
    // bandwidth assumed 4x DRAM's.
    p.cacheBytes = 12 * kMiB;
    p.cacheBandwidthGBs = 120;
    p.layerOverheadUs = 4;
    p.cores = 8;
    p.features = {"avx2", "fma", "f16c", "bmi2"};
    p.source = "built-in (Profiles.cpp)";
    v.push_back(p);

    p = DeviceProfile();
    p.name = "x86-server";
    p.description =
        "x86-64 server with AVX-512 (one Xeon socket, 8x DDR5-4800)";
    p.target = "x86_64-avx512";
    // 256 GB per socket (a common configuration); 16 GB kept for the OS.
    p.memBytes = 240 * kGiB;
    // DDR5-4800, eight 64-bit channels: 307 GB/s wire rate (JEDEC, Intel
    // ARK for Sapphire Rapids) x 60%.
    p.bandwidthGBs = 184;
    // 32 cores at 2.1 GHz, two 512-bit FMA ports: 64 FLOP/cycle (Intel's
    // optimization manual); half of 4.3 TFLOP/s.
    p.gflops = 2150;
    // 60 MiB L3 (Intel ARK, Xeon Gold 6430); assumed 3x DRAM.
    p.cacheBytes = 60 * kMiB;
    p.cacheBandwidthGBs = 550;
    p.layerOverheadUs = 6; // joins across 32 threads cost more than 2's
    p.cores = 32;
    p.features = {"avx2",       "fma",       "f16c",     "bmi2",
                  "avx512f",    "avx512bw",  "avx512vl", "avx512dq",
                  "avx512vnni", "avx512bf16"};
    p.source = "built-in (Profiles.cpp)";
    v.push_back(p);

    p = DeviceProfile();
    p.name = "cuda-sm80";
    p.description = "NVIDIA A100 80GB SXM (sm_80)";
    p.kind = "gpu";
    p.target = "cuda-sm80";
    // 80 GB HBM2e (NVIDIA A100 datasheet), 1 GB kept by the driver.
    p.memBytes = 79 * kGiB;
    // 2039 GB/s (datasheet) x 85%.
    p.bandwidthGBs = 1733;
    // 312 TFLOP/s dense FP16 tensor cores (datasheet), half.
    p.gflops = 156000;
    // 40 MiB L2 (NVIDIA Ampere whitepaper); assumed 2.5x HBM.
    p.cacheBytes = 40 * kMiB;
    p.cacheBandwidthGBs = 4300;
    p.layerOverheadUs = 25; // ~10 kernel launches per layer, 2-3 us each
    p.cores = 108;          // SMs
    p.features = {"sm_80", "tensor-cores"};
    p.source = "built-in (Profiles.cpp)";
    v.push_back(p);

    p = DeviceProfile();
    p.name = "cuda-sm90";
    p.description = "NVIDIA H100 80GB SXM (sm_90)";
    p.kind = "gpu";
    p.target = "cuda-sm90";
    // 80 GB HBM3 (NVIDIA H100 datasheet), 1 GB kept by the driver.
    p.memBytes = 79 * kGiB;
    // 3350 GB/s (datasheet) x 85%.
    p.bandwidthGBs = 2848;
    // 989 TFLOP/s dense FP16 tensor cores (datasheet), half.
    p.gflops = 494000;
    // 50 MiB L2 (NVIDIA Hopper whitepaper); assumed 2.5x HBM.
    p.cacheBytes = 50 * kMiB;
    p.cacheBandwidthGBs = 7000;
    p.layerOverheadUs = 20;
    p.cores = 132; // SMs
    p.features = {"sm_90", "tensor-cores"};
    p.source = "built-in (Profiles.cpp)";
    v.push_back(p);
    return v;
  }();
  return profiles;
}

const DeviceProfile *findBuiltinProfile(llvm::StringRef name) {
  for (const DeviceProfile &p : builtinProfiles())
    if (p.name == name)
      return &p;
  return nullptr;
}

std::string DeviceProfile::builtinNames() {
  std::string s;
  for (const DeviceProfile &p : builtinProfiles())
    s += (s.empty() ? "" : ", ") + p.name;
  return s;
}

} // namespace dsc::advise
