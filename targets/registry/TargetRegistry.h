//===- TargetRegistry.h - what dsc can compile for --------------*- C++ -*-===//
//
// Every target is one entry of data: its LLVM triple, CPU and features, the
// runtime and kernel library dsc embeds for it, and what its kernels handle
// (weight formats, tile shapes, the KV-cache element type). The driver,
// quantization, packing and lowering all read this table; adding a target is
// an entry here plus its kernels (docs/design.md).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TARGETS_REGISTRY_TARGETREGISTRY_H
#define DSC_TARGETS_REGISTRY_TARGETREGISTRY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::dsc {

struct TileShape {
  int64_t rows = 0, cols = 0;
};

struct TargetInfo {
  std::string name;                 // --target spelling
  std::vector<std::string> aliases; // device names that mean this target
  std::string description;
  std::string triple;
  std::string cpu;      // LLVM CPU name
  std::string features; // LLVM feature string
  /// CPU features (LLVM's names) a host of the triple's architecture needs
  /// to run this target's executables.
  std::vector<std::string> hostFeatures;
  std::string kernels; // embedded kernel library ("kernels-<x>")
  std::string runtime; // embedded runtime archive ("runtime-<arch>")
  /// Float element types of linear weights the kernels read.
  std::vector<std::string> weightTypes;
  /// Bit widths of quantized weights the kernels read.
  std::vector<unsigned> quantBits;
  /// ggml block formats ("q4_k", ...) the kernels read as they are
  /// (#dsc.quant<q4_k>, dsc/abi/quant_layout.h).
  std::vector<std::string> ggmlFormats;
  /// Tile of float weights for the streaming kernels (#dsc.tiled).
  TileShape floatTile;
  /// Rows per tile of quantized weights (columns are the scale group).
  int64_t quantTileRows = 0;
  /// Element type of the KV cache the attention kernels use.
  std::string kvCacheType;
  /// The kernels can multiply a prompt's float weights in bf16
  /// (linear_t4x16_bf16_products, for dsc.linear's prefill_products):
  /// targets whose CPUs have AVX512_BF16.
  bool bf16Products = false;
  /// The kernels read int4:group=32 weights in row-interleaved 16x32 blocks
  /// (linear_q4_r16, dsc/abi/quant_layout.h): x86_64-avx2, whose vpmaddubsw
  /// then takes eight rows' products without shuffles, x86_64-avxvnni (its
  /// vpdpbusd on ymm the same eight), and x86_64-avx512, whose vpdpbusd
  /// takes all 16 rows' at once.
  bool rowInterleavedQ4 = false;
  /// And dsc-weights-pack chooses the blocks for them unless told otherwise
  /// (x86_64-avx2 and x86_64-avxvnni; x86_64-avx512 keeps 4-row tiles,
  /// which decoded faster where measured).
  bool rowInterleavedQ4Default = false;
  /// The kernels can multiply a prompt's rows rounded to f16 with f16 and
  /// quantized weights on tensor cores (gemm.mlir's mma.sync, for
  /// dsc.linear's prefill_products = f16): the CUDA targets.
  bool f16Products = false;
  /// Position-independent static executables (static PIE: the runtime's
  /// start-up code applies its own relocations), as Android requires.
  bool pie = false;
  /// dsc compile --sanitize: instrumented runtime and kernels, linked by the
  /// host's clang (docs/reliability.md).
  bool sanitize = false;

  bool supportsQuantBits(unsigned bits) const;
  bool supportsGGMLFormat(llvm::StringRef format) const;
  bool supportsWeightType(llvm::StringRef type) const;
};

/// All targets (besides "native", which picks one of them).
const std::vector<TargetInfo> &getTargetRegistry();

/// The target used when none is named (passes run by dsc-opt on a module
/// without dsc.target): the portable x86-64 one.
const TargetInfo &getDefaultTarget();

/// A target by name or alias; null when unknown.
const TargetInfo *findTarget(llvm::StringRef name);

/// `t` with another LLVM CPU and/or extra features (--mcpu, --mattr) for
/// the generated code; the kernels stay the entry's. Checks the feature
/// list's form; the names are checked against the LLVM target by the
/// driver.
llvm::Expected<TargetInfo> tuneTarget(const TargetInfo &t, llvm::StringRef cpu,
                                      llvm::StringRef features);

/// Looks up a --target value: a name or alias, "native" (the best target
/// the host runs), or a Linux triple of a registry architecture
/// ("aarch64-linux-gnu", "aarch64-linux-android"), which gets the first
/// (baseline) entry of that architecture and ABI with the triple as given.
llvm::Expected<TargetInfo> lookupTarget(llvm::StringRef name);

/// The --sanitize variant of an x86-64 target: ASan and UBSan in the
/// runtime, the kernels and the generated code.
llvm::Expected<TargetInfo> sanitizedTarget(const TargetInfo &t);

/// Whether this machine can run executables for `t`.
bool hostCanRun(const TargetInfo &t);

/// "x86_64, x86_64-avx2, ..." for messages.
std::string listTargetNames();

} // namespace mlir::dsc

#endif
