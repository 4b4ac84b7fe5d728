//===- CostModel.h - memory and speed of a variant on a device --*- C++ -*-===//
//
// Memory is counted from the laid-out model: the weight blob (what the
// executable maps), the KV cache at the context asked for, and the runtime
// (code, logits, activations, a fixed allowance). Decoding one token is the
// sum of four terms: streaming every weight it uses once, at the bandwidth
// of the level its working set fits (L2, the last-level cache, or memory)
// times the kernels' efficiency for the weight's format; the portable
// kernel's per-weight cost for quantized matrices the integer kernels
// cannot take; a fixed cost per matrix call (the layer's small ops, kernel
// calls, activation quantization, joins) by format; and attention over the
// cached positions, per head and position. Prefill of a prompt is bound by
// the matrix multiplies' rate per format, plus the same fixed costs once
// and attention over the prompt. The per-device constants come from the
// profile (measured on the host by `dsc advise --measure`).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_ADVISE_COSTMODEL_H
#define DSC_ADVISE_COSTMODEL_H

#include "dsc/abi/kernels.h"

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
  // A matrix [rows x cols] that multiplies the activations (cols is the
  // dot products' length); rows 0 for vectors (norms).
  int64_t rows = 0, cols = 0;
  int64_t group = 0; // quantization group along cols; 0: per channel
};

/// Matrices per transformer layer (q, k, v, o, gate, up, down): the unit
/// the per-layer overhead is spread over.
constexpr int kMatricesPerLayer = 7;

/// Work below this many multiply-adds (rows x cols x tokens) runs on one
/// thread, as the kernels split it.
constexpr double kParallelMinWork = DSC_PARALLEL_MIN_WORK;

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

/// Where decoding one token's time goes (seconds).
struct DecodeTerms {
  double weightBytes = 0, kvBytes = 0; // read per token
  double bandwidthGBs = 0;             // of the level they are read from
  std::string level;                   // "l2", "cache" or "memory"
  double efficiency = 0; // byte-weighted, of the streamed weights' formats
  double stream = 0;     // weights through the streaming kernels
  double portable = 0;   // quantized weights through the portable kernel
  double overhead = 0;   // fixed costs of the matrix calls and layers
  double attention = 0;  // over the cached positions
  double total() const { return stream + portable + overhead + attention; }
};

/// Where prefilling a prompt's time goes (seconds, the whole prompt).
struct PrefillTerms {
  double matmul = 0, portable = 0, overhead = 0, attention = 0;
  double total() const { return matmul + portable + overhead + attention; }
};

struct SpeedEstimate {
  double bytesPerToken = 0; // weights and KV cache read per decoded token
  double decodeTokS = 0, prefillTokS = 0;
  double efficiency = 0;  // of the bandwidth, by the weights' formats
  bool fromCache = false; // the working set fits in a cache (L2 or last)
  DecodeTerms decode;
  PrefillTerms prefill;
};

/// Fraction of the streaming bandwidth dsc's decoding kernels reach per
/// weight format, assumed where the profile has no measured figure: on
/// CPUs from docs/benchmarks.md, on GPUs an assumption.
double kernelEfficiency(WeightFormat f, bool gpu);

/// The profile's figure for `f`, else kernelEfficiency's.
double efficiencyOn(const DeviceProfile &d, WeightFormat f);

/// Fixed cost per layer (us) when its matrices are of format `f`.
double layerOverheadOn(const DeviceProfile &d, WeightFormat f);

/// Decode attention's cost per query head and cached position (ns), for
/// heads of `headDim` elements.
double attentionScoreNs(const DeviceProfile &d, int64_t headDim);

/// Cost per weight of the portable quantized kernel (ns).
double portableNsPerWeight(const DeviceProfile &d);

/// Whether the integer kernels refuse `w` (it goes through the portable
/// kernel): a quantized matrix whose rows or groups are not multiples of
/// 32 values.
bool usesPortableKernel(const WeightInfo &w);

/// One token decoded at cache position `position` (mean 0-based).
DecodeTerms decodeTerms(const VariantLayout &v, const DeviceProfile &d,
                        double position);

/// A prompt of `tokens` tokens from position 0.
PrefillTerms prefillTerms(const VariantLayout &v, const DeviceProfile &d,
                          int64_t tokens);

/// Bytes the runtime needs besides weights and KV cache.
uint64_t runtimeBytes(const VariantLayout &v, int64_t ctx);

MemoryEstimate estimateMemory(const VariantLayout &v, int64_t ctx);

/// Decode speed over a context filled to `ctx` tokens (at the mean
/// position, ctx/2), prefill speed of a `ctx`-token prompt.
SpeedEstimate estimateSpeed(const VariantLayout &v, const DeviceProfile &d,
                            int64_t ctx);

/// The largest weight blob whose decoding keeps `minTokS` on `d` at `ctx`
/// (the speed model inverted; weights assumed in the least efficient
/// format among `v`'s); 0 when even no weights could.
uint64_t weightsBudgetForSpeed(const VariantLayout &v, const DeviceProfile &d,
                               int64_t ctx, double minTokS);

} // namespace dsc::advise

#endif
