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
  // For profiles without a measured figure (`dsc advise --measure` measures
  // them): what bench/run.py measured on the development machine, decode
  // tok/s x bytes per token over the streaming bandwidth of the same run,
  // TinyLlama shape (docs/benchmarks.md): F16 85-89%, int8 70-71%, int4
  // 78%.
  switch (f) {
  case WeightFormat::Float:
    return 0.87;
  case WeightFormat::Int8:
    return 0.70;
  case WeightFormat::Int4:
    return 0.78;
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

double efficiencyOn(const DeviceProfile &d, WeightFormat f) {
  double measured = f == WeightFormat::Float  ? d.efficiencyFloat
                    : f == WeightFormat::Int8 ? d.efficiencyInt8
                    : f == WeightFormat::Int4 ? d.efficiencyInt4
                                              : 0;
  return measured > 0 ? measured : kernelEfficiency(f, d.kind == "gpu");
}

double layerOverheadOn(const DeviceProfile &d, WeightFormat f) {
  double measured = f == WeightFormat::Int8   ? d.layerOverheadInt8Us
                    : f == WeightFormat::Int4 ? d.layerOverheadInt4Us
                                              : 0;
  return measured > 0 ? measured : d.layerOverheadUs;
}

/// One core's sustained compute (GFLOP/s), for the costs a profile has no
/// measurement of.
static double coreGflops(const DeviceProfile &d) {
  return d.gflops > 0 ? d.gflops / std::max(d.cores, 1) : 10.0;
}

double attentionScoreNs(const DeviceProfile &d, int64_t headDim) {
  if (d.attentionNs > 0 || d.attentionNsPerDim > 0)
    return d.attentionNs + d.attentionNsPerDim * headDim;
  // A dot product and a weighted sum of headDim elements (4 operations per
  // element) and an exponential (about 40), at one core's rate.
  return (4.0 * headDim + 40.0) / coreGflops(d);
}

double portableNsPerWeight(const DeviceProfile &d) {
  if (d.portableNsPerWeight > 0)
    return d.portableNsPerWeight;
  // Unpacking, converting and scaling each weight before its multiply-add:
  // about 8 scalar operations.
  return 8.0 / coreGflops(d);
}

bool usesPortableKernel(const WeightInfo &w) {
  if (w.format != WeightFormat::Int8 && w.format != WeightFormat::Int4)
    return false;
  int64_t g = w.group > 0 ? w.group : w.cols;
  return w.rows > 0 && (w.cols % 32 != 0 || g % 32 != 0);
}

/// Bytes of `w` one decoded token reads: the table is looked up (one row)
/// unless it is the classifier too.
static double bytesRead(const VariantLayout &v, const WeightInfo &w) {
  return w.embedding && !v.shape.tiedEmbeddings
             ? static_cast<double>(w.bytes) /
                   std::max<int64_t>(v.shape.vocab, 1)
             : static_cast<double>(w.bytes);
}

/// Whether `w` is multiplied by the activations (a kernel call per token).
static bool isMatmul(const VariantLayout &v, const WeightInfo &w) {
  return w.rows > 0 && (!w.embedding || v.shape.tiedEmbeddings);
}

/// Work of `elements` multiply-adds per token over `tokens` tokens is split
/// between the threads once the kernels parallelize it.
static double parallelShare(const DeviceProfile &d, double work) {
  return work >= kParallelMinWork ? 1.0 / std::max(d.cores, 1) : 1.0;
}

/// The portable kernel's time for `work` multiply-adds.
static double portableSeconds(const DeviceProfile &d, double work) {
  return work * portableNsPerWeight(d) * 1e-9 * parallelShare(d, work);
}

/// Attention's time for `scores` query-key pairs per layer.
static double attentionSeconds(const ModelShape &s, const DeviceProfile &d,
                               double scores) {
  return s.layers * scores * attentionScoreNs(d, s.headDim) * 1e-9 *
         parallelShare(d, scores * s.headDim);
}

/// The fixed costs: each matrix call carries a seventh of its format's
/// per-layer overhead (the layer's norms, rope and attention calls too).
static double overheadSeconds(const VariantLayout &v, const DeviceProfile &d) {
  double us = 0;
  for (const WeightInfo &w : v.weights)
    if (isMatmul(v, w))
      us += layerOverheadOn(d, w.format) / kMatricesPerLayer;
  return us * 1e-6;
}

/// KV cache bytes per position, all layers.
static double kvBytesPerPosition(const VariantLayout &v) {
  const ModelShape &s = v.shape;
  return static_cast<double>(s.layers * 2 * s.kvHeads * s.headDim) *
         v.kvElemBytes;
}

DecodeTerms decodeTerms(const VariantLayout &v, const DeviceProfile &d,
                        double position) {
  DecodeTerms t;
  const ModelShape &s = v.shape;
  for (const WeightInfo &w : v.weights)
    t.weightBytes += bytesRead(v, w);
  t.kvBytes = kvBytesPerPosition(v) * position;
  // The level the working set is read from: the cores' private L2 caches
  // hold it whole; the last-level cache is shared (with the OS and other
  // processes), half of it is counted.
  double ws = t.weightBytes + t.kvBytes;
  int cores = std::max(d.cores, 1);
  if (d.l2Bytes && ws <= static_cast<double>(d.l2Bytes) * cores) {
    t.level = "l2";
    t.bandwidthGBs = d.l2BandwidthGBs;
  } else if (d.cacheBytes && ws <= d.cacheBytes / 2.0) {
    t.level = "cache";
    t.bandwidthGBs = d.cacheBandwidthGBs;
  } else {
    t.level = "memory";
    t.bandwidthGBs = d.bandwidthGBs;
  }
  double bw = t.bandwidthGBs * 1e9, effBytes = 0, streamed = 0;
  for (const WeightInfo &w : v.weights) {
    if (usesPortableKernel(w)) {
      t.portable += portableSeconds(d, static_cast<double>(w.rows) * w.cols);
      continue;
    }
    // The efficiencies are what the kernels reach streaming from memory;
    // from a cache, what they lose to compute is in the fixed costs (the
    // per-layer overheads are measured on models that fit the L2).
    double b = bytesRead(v, w),
           e = t.level == "memory" ? efficiencyOn(d, w.format) : 1.0;
    t.stream += b / (bw * e);
    effBytes += b * e;
    streamed += b;
  }
  t.efficiency =
      streamed > 0 ? effBytes / streamed : efficiencyOn(d, WeightFormat::Float);
  t.overhead = overheadSeconds(v, d);
  // Each query head scores every cached position and sums their values.
  t.attention =
      attentionSeconds(s, d, static_cast<double>(s.heads) * (position + 1));
  return t;
}

PrefillTerms prefillTerms(const VariantLayout &v, const DeviceProfile &d,
                          int64_t tokens) {
  PrefillTerms p;
  const ModelShape &s = v.shape;
  double n = static_cast<double>(std::max<int64_t>(tokens, 1));
  for (const WeightInfo &w : v.weights) {
    if (!isMatmul(v, w))
      continue;
    double work = static_cast<double>(w.rows) * w.cols * n;
    if (usesPortableKernel(w)) {
      p.portable += portableSeconds(d, work);
      continue;
    }
    double gf =
        w.format == WeightFormat::Int8 && d.gflopsInt8 > 0   ? d.gflopsInt8
        : w.format == WeightFormat::Int4 && d.gflopsInt4 > 0 ? d.gflopsInt4
                                                             : d.gflops;
    // A multiply-add per weight and token.
    p.matmul += gf > 0 ? 2 * work / (gf * 1e9) : 0;
  }
  // A prompt is one chunk: the fixed costs once.
  p.overhead = overheadSeconds(v, d);
  // Query row i attends to i + 1 positions: n(n + 1)/2 per head.
  p.attention =
      attentionSeconds(s, d, static_cast<double>(s.heads) * n * (n + 1) / 2);
  return p;
}

SpeedEstimate estimateSpeed(const VariantLayout &v, const DeviceProfile &d,
                            int64_t ctx) {
  SpeedEstimate s;
  s.decode = decodeTerms(v, d, ctx / 2.0);
  s.bytesPerToken = s.decode.weightBytes + s.decode.kvBytes;
  s.efficiency = s.decode.efficiency;
  s.fromCache = s.decode.level != "memory";
  double t = s.decode.total();
  s.decodeTokS = t > 0 ? 1.0 / t : 0;
  if (d.gflops > 0) {
    s.prefill = prefillTerms(v, d, ctx);
    double tp = s.prefill.total();
    s.prefillTokS =
        tp > 0 ? static_cast<double>(std::max<int64_t>(ctx, 1)) / tp : 0;
  }
  return s;
}

uint64_t weightsBudgetForSpeed(const VariantLayout &v, const DeviceProfile &d,
                               int64_t ctx, double minTokS) {
  if (minTokS <= 0)
    return UINT64_MAX;
  // What does not depend on the weights' bytes: the fixed costs and
  // attention at the mean position.
  DecodeTerms fixed = decodeTerms(v, d, ctx / 2.0);
  double t = 1.0 / minTokS - fixed.overhead - fixed.attention;
  if (t <= 0)
    return 0;
  // The memory figure: a budget small enough for a cache is a bonus. (The
  // KV cache's reads are attention's cost.)
  double bytes = t * d.bandwidthGBs * 1e9 * efficiencyOn(d, WeightFormat::Int4);
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
