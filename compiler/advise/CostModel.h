//===- CostModel.h - memory and speed of a variant on a device --*- C++ -*-===//
//
// Memory is counted from the laid-out model: the weight blob (what the
// executable maps), the KV cache at the context asked for, and the runtime
// (code, logits, activations, a fixed allowance). Decoding one token streams
// every weight it uses once and reads the KV cache up to the position, so
// its time is those bytes over the device's bandwidth (its cache's, when
// the weights fit in it) times a measured efficiency of dsc's kernels per
// weight format, plus a fixed cost per layer. Prefill is bound by compute:
// two operations per weight and token, plus attention.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ADVISE_COSTMODEL_H
#define DSC_ADVISE_COSTMODEL_H

#include "advise/DeviceProfile.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc::advise {

/// How a weight is stored, for the kernels' efficiency.
enum class WeightFormat { Float, Int8, Int4, Other };

struct ModelShape {
  int64_t layers = 0, dim = 0, hidden = 0, heads = 0, kvHeads = 0, headDim = 0,
          vocab = 0, maxSeqLen = 0;
  bool tiedEmbeddings = false;
};

struct WeightInfo {
  std::string name;
  uint64_t bytes = 0;   // in the blob, alignment padding included
  int64_t elements = 0; // parameters
  WeightFormat format = WeightFormat::Float;
  bool embedding = false; // the token table (only one row of it is read)
};

/// A compiled variant as the cost model sees it.
struct VariantLayout {
  ModelShape shape;
  uint64_t weightsBytes = 0; // the blob
  std::vector<WeightInfo> weights;
  uint64_t codeBytes = 0;
  unsigned kvElemBytes = 4;
};

struct MemoryEstimate {
  uint64_t weights = 0, kvCache = 0, runtime = 0;
  uint64_t total() const { return weights + kvCache + runtime; }
};

struct SpeedEstimate {
  double bytesPerToken = 0; // weights and KV cache read per decoded token
  double decodeTokS = 0, prefillTokS = 0;
  double efficiency = 0;  // of the bandwidth, by the weights' formats
  bool fromCache = false; // the weights fit in the device's cache
};

/// Fraction of the streaming bandwidth dsc's decoding kernels reach per
/// weight format on CPUs (measured, docs/advise.md) and on GPUs (assumed).
double kernelEfficiency(WeightFormat f, bool gpu);

/// Bytes the runtime needs besides weights and KV cache.
uint64_t runtimeBytes(const VariantLayout &v, int64_t ctx);

MemoryEstimate estimateMemory(const VariantLayout &v, int64_t ctx);

/// Decode speed at a context filled to `ctx` tokens (the mean position is
/// ctx/2), prefill speed of a `ctx`-token prompt.
SpeedEstimate estimateSpeed(const VariantLayout &v, const DeviceProfile &d,
                            int64_t ctx);

/// The largest weight blob whose decoding keeps `minTokS` on `d` at `ctx`
/// (the speed model inverted; weights assumed in the least efficient
/// format among `v`'s); 0 when even no weights could.
uint64_t weightsBudgetForSpeed(const VariantLayout &v, const DeviceProfile &d,
                               int64_t ctx, double minTokS);

} // namespace dsc::advise

#endif
