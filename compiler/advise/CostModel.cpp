//===- CostModel.cpp - memory and speed of a variant on a device ----------===//

#include "advise/CostModel.h"

#include <algorithm>
#include <cmath>

namespace dsc::advise {

double kernelEfficiency(WeightFormat f, bool gpu) {
  // GPUs: memory-bound GEMV kernels reach most of the bandwidth whatever
  // the format (an assumption until dsc has a CUDA backend to measure).
  if (gpu)
    return 0.8;
  // Measured on the development machine with `dsc advise --validate`
  // (docs/advise.md, "Validation"): decode tok/s x bytes per token over
  // the streaming bandwidth, TinyLlama shape, medians.
  switch (f) {
  case WeightFormat::Float:
    return 0.85;
  case WeightFormat::Int8:
    return 0.75;
  case WeightFormat::Int4:
  case WeightFormat::Other:
    return 0.70;
  }
  return 0.7;
}

/// KV cache bytes per position, all layers.
static uint64_t kvPerPosition(const VariantLayout &v) {
  const ModelShape &s = v.shape;
  return static_cast<uint64_t>(s.layers * 2 * s.kvHeads * s.headDim) *
         v.kvElemBytes;
}

uint64_t runtimeBytes(const VariantLayout &v, int64_t ctx) {
  const ModelShape &s = v.shape;
  // Logits of one position, the activations of one token (residual, norms,
  // q/k/v, attention scores over the context, the FFN's two hidden
  // vectors), f32; and 1 MiB for the stack, the tokenizer and the runtime's
  // tables (a stories260K executable peaks at 2.3 MiB RSS with 1 MiB of
  // weights and 0.3 MiB of cache).
  uint64_t act = 4 * static_cast<uint64_t>(s.vocab + 6 * s.dim + 3 * s.hidden +
                                           s.heads * std::max<int64_t>(ctx, 1) +
                                           2 * s.heads * s.headDim);
  return v.codeBytes + act + (1u << 20);
}

MemoryEstimate estimateMemory(const VariantLayout &v, int64_t ctx) {
  MemoryEstimate m;
  m.weights = v.weightsBytes;
  m.kvCache =
      kvPerPosition(v) * static_cast<uint64_t>(std::max<int64_t>(ctx, 0));
  m.runtime = runtimeBytes(v, ctx);
  return m;
}

namespace {
struct Reads {
  double weights = 0; // bytes of weights read per token
  double eff = 0;     // their byte-weighted kernel efficiency
};
} // namespace

static Reads weightReads(const VariantLayout &v, bool gpu) {
  Reads r;
  double effBytes = 0;
  for (const WeightInfo &w : v.weights) {
    // The table is looked up (one row) unless it is the classifier too.
    double b =
        w.embedding && !v.shape.tiedEmbeddings
            ? static_cast<double>(w.bytes) / std::max<int64_t>(v.shape.vocab, 1)
            : static_cast<double>(w.bytes);
    r.weights += b;
    effBytes += b * kernelEfficiency(w.format, gpu);
  }
  r.eff = r.weights > 0 ? effBytes / r.weights
                        : kernelEfficiency(WeightFormat::Float, gpu);
  return r;
}

SpeedEstimate estimateSpeed(const VariantLayout &v, const DeviceProfile &d,
                            int64_t ctx) {
  SpeedEstimate s;
  bool gpu = d.kind == "gpu";
  Reads r = weightReads(v, gpu);
  double kvRead = static_cast<double>(kvPerPosition(v)) * ctx / 2.0;
  s.bytesPerToken = r.weights + kvRead;
  s.efficiency = r.eff;
  // Weights that fit in half the last-level cache stay there between tokens
  // (the other half is the KV cache's, the activations' and the OS's).
  s.fromCache = d.cacheBytes && r.weights + kvRead <= d.cacheBytes / 2.0;
  double bw = (s.fromCache ? d.cacheBandwidthGBs : d.bandwidthGBs) * 1e9;
  double overhead = v.shape.layers * d.layerOverheadUs * 1e-6;
  double t = s.bytesPerToken / (bw * r.eff) + overhead;
  s.decodeTokS = t > 0 ? 1.0 / t : 0;
  if (d.gflops > 0) {
    double params = 0;
    for (const WeightInfo &w : v.weights)
      if (!w.embedding || v.shape.tiedEmbeddings)
        params += static_cast<double>(w.elements);
    // Per token: a multiply-add per weight, and attention's QK and PV over
    // the mean position.
    double flops = 2 * params + 4.0 * v.shape.layers * v.shape.heads *
                                    v.shape.headDim * (ctx / 2.0);
    // A prompt reads the weights once per chunk, not per token: compute
    // bounds it, and the per-layer overhead is paid once per chunk.
    double tp = flops / (d.gflops * 1e9);
    s.prefillTokS = tp > 0 ? 1.0 / tp : 0;
  }
  return s;
}

uint64_t weightsBudgetForSpeed(const VariantLayout &v, const DeviceProfile &d,
                               int64_t ctx, double minTokS) {
  if (minTokS <= 0)
    return UINT64_MAX;
  bool gpu = d.kind == "gpu";
  double kvRead = static_cast<double>(kvPerPosition(v)) * ctx / 2.0;
  double t = 1.0 / minTokS - v.shape.layers * d.layerOverheadUs * 1e-6;
  if (t <= 0)
    return 0;
  // The DRAM figure: a budget small enough for the cache is a bonus.
  double bytes =
      t * d.bandwidthGBs * 1e9 * kernelEfficiency(WeightFormat::Int4, gpu) -
      kvRead;
  if (bytes <= 0)
    return 0;
  // What is not read per token (all but a row of an untied table) is
  // free.
  double unread = 0;
  for (const WeightInfo &w : v.weights)
    if (w.embedding && !v.shape.tiedEmbeddings)
      unread += static_cast<double>(w.bytes);
  double total = bytes + unread;
  return total >= 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(total);
}

} // namespace dsc::advise
