//===- DeviceProfile.h - what a device offers a model -----------*- C++ -*-===//
//
// `dsc advise` predicts a compiled model's memory and speed on a device from
// a handful of figures: the memory a model may use, the memory bandwidth
// decoding streams its weights at, the compute prefill is bound by, and the
// dsc target that compiles for it. The built-in profiles are data
// (Profiles.cpp, each figure with its source); `dsc advise --measure` writes
// the same fields for the machine it runs on, as JSON.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ADVISE_DEVICEPROFILE_H
#define DSC_ADVISE_DEVICEPROFILE_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc::advise {

struct DeviceProfile {
  std::string name;         // "rpi5", or "custom", or the JSON file's "name"
  std::string description;  // one line: the board or chip
  std::string kind = "cpu"; // "cpu" or "gpu"
  std::string target;       // the dsc target that compiles for it
  uint64_t memBytes = 0;    // memory a model may use (weights, KV, runtime)
  double bandwidthGBs = 0;  // sustained streaming read, 10^9 bytes/s
  double gflops = 0;        // sustained f32 (CPU) or f16 (GPU) GFLOP/s
  uint64_t cacheBytes = 0;  // last-level cache (weights below it stay there)
  double cacheBandwidthGBs = 0; // read bandwidth from that cache
  /// Fixed time per layer and token beyond streaming its weights: kernel
  /// calls, activation quantization, norms, thread-pool joins, GPU launches
  /// (microseconds), per weight format of the layer's matrices. The integer
  /// ones 0: as the float one.
  double layerOverheadUs = 0, layerOverheadInt8Us = 0, layerOverheadInt4Us = 0;
  /// Per-core L2 cache and what `cores` threads read from it (GB/s); 0:
  /// unknown (the cache figures above are used).
  uint64_t l2Bytes = 0;
  double l2BandwidthGBs = 0;
  /// Fraction of the streaming bandwidth dsc's decoding kernels reach on
  /// weights per format; 0: the built-in assumption (kernelEfficiency).
  double efficiencyFloat = 0, efficiencyInt8 = 0, efficiencyInt4 = 0;
  /// Decode attention, per query head and cached position: nanoseconds,
  /// fixed and per element of the head (dot product and weighted sum); 0
  /// and 0: estimated from the compute figure.
  double attentionNs = 0, attentionNsPerDim = 0;
  /// Quantized weights the integer kernels cannot take (a row length or
  /// group not a multiple of 32) go through the portable kernel: its cost
  /// per weight (ns); 0: estimated from the compute figure.
  double portableNsPerWeight = 0;
  /// Prefill's matrix-multiply rate with int8 and int4 weights (GOP/s); 0:
  /// as gflops.
  double gflopsInt8 = 0, gflopsInt4 = 0;
  int cores = 0;
  std::vector<std::string> features; // ISA features (LLVM's names)
  std::string source;                // where the figures come from

  /// The built-in profile names, for messages.
  static std::string builtinNames();
};

/// The built-in profiles (Profiles.cpp).
const std::vector<DeviceProfile> &builtinProfiles();

/// A built-in profile by name; null when unknown.
const DeviceProfile *findBuiltinProfile(llvm::StringRef name);

/// The profile as JSON (what --measure writes and --device FILE reads).
llvm::json::Value profileToJSON(const DeviceProfile &p);

/// Reads a profile from JSON text; errors name `file` and the field.
llvm::Expected<DeviceProfile> profileFromJSON(llvm::StringRef text,
                                              llvm::StringRef file);

/// Checks that the figures make sense (positive memory and bandwidth);
/// errors name `origin` (an option or a file) and the field.
llvm::Error checkProfile(const DeviceProfile &p, llvm::StringRef origin);

} // namespace dsc::advise

#endif
