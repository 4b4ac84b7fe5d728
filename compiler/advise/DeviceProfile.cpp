//===- DeviceProfile.cpp - profiles as JSON -------------------------------===//

#include "advise/DeviceProfile.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstdio>
#include <functional>

using namespace llvm;

namespace dsc::advise {

/// A number as written in JSON (-5, 0.5).
static std::string numText(double v) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

static Error fieldError(StringRef origin, StringRef field, const Twine &what) {
  return createStringError(inconvertibleErrorCode(),
                           (origin + ": " + field + ": " + what).str());
}

json::Value profileToJSON(const DeviceProfile &p) {
  json::Array features;
  for (const std::string &f : p.features)
    features.push_back(f);
  return json::Object{{"name", p.name},
                      {"description", p.description},
                      {"kind", p.kind},
                      {"target", p.target},
                      {"mem_bytes", static_cast<int64_t>(p.memBytes)},
                      {"bandwidth_gbs", p.bandwidthGBs},
                      {"gflops", p.gflops},
                      {"cache_bytes", static_cast<int64_t>(p.cacheBytes)},
                      {"cache_bandwidth_gbs", p.cacheBandwidthGBs},
                      {"layer_overhead_us", p.layerOverheadUs},
                      {"layer_overhead_int8_us", p.layerOverheadInt8Us},
                      {"layer_overhead_int4_us", p.layerOverheadInt4Us},
                      {"l2_bytes", static_cast<int64_t>(p.l2Bytes)},
                      {"l2_bandwidth_gbs", p.l2BandwidthGBs},
                      {"efficiency_float", p.efficiencyFloat},
                      {"efficiency_int8", p.efficiencyInt8},
                      {"efficiency_int4", p.efficiencyInt4},
                      {"attention_ns", p.attentionNs},
                      {"attention_ns_per_dim", p.attentionNsPerDim},
                      {"portable_ns_per_weight", p.portableNsPerWeight},
                      {"gflops_int8", p.gflopsInt8},
                      {"gflops_int4", p.gflopsInt4},
                      {"cores", p.cores},
                      {"features", std::move(features)},
                      {"source", p.source}};
}

Error checkProfile(const DeviceProfile &p, StringRef origin) {
  auto positive = [&](StringRef field, double v, bool required) -> Error {
    if (!std::isfinite(v) || v < 0 || (required && v == 0))
      return fieldError(origin, field,
                        Twine(required ? "must be a positive number"
                                       : "must not be negative") +
                            " (is " + numText(v) + ")");
    return Error::success();
  };
  if (p.target.empty())
    return fieldError(origin, "target", "names no dsc target");
  if (p.kind != "cpu" && p.kind != "gpu")
    return fieldError(origin, "kind", "'" + p.kind + "': expected cpu or gpu");
  for (auto [field, v, required] :
       {std::tuple{"mem_bytes", static_cast<double>(p.memBytes), true},
        std::tuple{"bandwidth_gbs", p.bandwidthGBs, true},
        std::tuple{"gflops", p.gflops, false},
        std::tuple{"cache_bytes", static_cast<double>(p.cacheBytes), false},
        std::tuple{"cache_bandwidth_gbs", p.cacheBandwidthGBs, false},
        std::tuple{"layer_overhead_us", p.layerOverheadUs, false},
        std::tuple{"layer_overhead_int8_us", p.layerOverheadInt8Us, false},
        std::tuple{"layer_overhead_int4_us", p.layerOverheadInt4Us, false},
        std::tuple{"l2_bytes", static_cast<double>(p.l2Bytes), false},
        std::tuple{"l2_bandwidth_gbs", p.l2BandwidthGBs, false},
        std::tuple{"efficiency_float", p.efficiencyFloat, false},
        std::tuple{"efficiency_int8", p.efficiencyInt8, false},
        std::tuple{"efficiency_int4", p.efficiencyInt4, false},
        std::tuple{"attention_ns", p.attentionNs, false},
        std::tuple{"attention_ns_per_dim", p.attentionNsPerDim, false},
        std::tuple{"portable_ns_per_weight", p.portableNsPerWeight, false},
        std::tuple{"gflops_int8", p.gflopsInt8, false},
        std::tuple{"gflops_int4", p.gflopsInt4, false},
        std::tuple{"cores", static_cast<double>(p.cores), false}})
    if (Error e = positive(field, v, required))
      return e;
  // A fraction of the bandwidth: more than all of it is a typo.
  for (auto [field, v] : {std::pair{"efficiency_float", p.efficiencyFloat},
                          std::pair{"efficiency_int8", p.efficiencyInt8},
                          std::pair{"efficiency_int4", p.efficiencyInt4}})
    if (v > 1)
      return fieldError(origin, field,
                        "must be a fraction of the bandwidth, at most 1 (is " +
                            numText(v) + ")");
  if (p.cacheBytes && p.cacheBandwidthGBs == 0)
    return fieldError(origin, "cache_bandwidth_gbs",
                      "must be given with cache_bytes");
  if (p.l2Bytes && p.l2BandwidthGBs == 0)
    return fieldError(origin, "l2_bandwidth_gbs", "must be given with l2_bytes");
  return Error::success();
}

Expected<DeviceProfile> profileFromJSON(StringRef text, StringRef file) {
  Expected<json::Value> parsed = json::parse(text);
  if (!parsed)
    return createStringError(
        inconvertibleErrorCode(),
        (file + ": not JSON: " + toString(parsed.takeError())).str());
  const json::Object *o = parsed->getAsObject();
  if (!o)
    return createStringError(inconvertibleErrorCode(),
                             (file + ": expected a JSON object").str());
  DeviceProfile p;
  auto str = [&](StringRef key, std::string &out, bool required) -> Error {
    const json::Value *v = o->get(key);
    if (!v)
      return required ? fieldError(file, key, "missing") : Error::success();
    auto s = v->getAsString();
    if (!s)
      return fieldError(file, key, "expected a string");
    out = s->str();
    return Error::success();
  };
  auto num = [&](StringRef key, double &out, bool required) -> Error {
    const json::Value *v = o->get(key);
    if (!v)
      return required ? fieldError(file, key, "missing") : Error::success();
    auto d = v->getAsNumber();
    if (!d)
      return fieldError(file, key, "expected a number");
    out = *d;
    return Error::success();
  };
  double mem = 0, cache = 0, cores = 0, l2 = 0;
  // In the order a reader of the file meets them; the first error wins.
  for (auto field : std::initializer_list<std::function<Error()>>{
           [&] { return str("name", p.name, false); },
           [&] { return str("description", p.description, false); },
           [&] { return str("kind", p.kind, false); },
           [&] { return str("target", p.target, true); },
           [&] { return str("source", p.source, false); },
           [&] { return num("mem_bytes", mem, true); },
           [&] { return num("bandwidth_gbs", p.bandwidthGBs, true); },
           [&] { return num("gflops", p.gflops, false); },
           [&] { return num("cache_bytes", cache, false); },
           [&] {
             return num("cache_bandwidth_gbs", p.cacheBandwidthGBs, false);
           },
           [&] { return num("layer_overhead_us", p.layerOverheadUs, false); },
           [&] {
             return num("layer_overhead_int8_us", p.layerOverheadInt8Us,
                        false);
           },
           [&] {
             return num("layer_overhead_int4_us", p.layerOverheadInt4Us,
                        false);
           },
           [&] { return num("l2_bytes", l2, false); },
           [&] { return num("l2_bandwidth_gbs", p.l2BandwidthGBs, false); },
           [&] { return num("efficiency_float", p.efficiencyFloat, false); },
           [&] { return num("efficiency_int8", p.efficiencyInt8, false); },
           [&] { return num("efficiency_int4", p.efficiencyInt4, false); },
           [&] { return num("attention_ns", p.attentionNs, false); },
           [&] {
             return num("attention_ns_per_dim", p.attentionNsPerDim, false);
           },
           [&] {
             return num("portable_ns_per_weight", p.portableNsPerWeight,
                        false);
           },
           [&] { return num("gflops_int8", p.gflopsInt8, false); },
           [&] { return num("gflops_int4", p.gflopsInt4, false); },
           [&] { return num("cores", cores, false); }})
    if (Error e = field())
      return std::move(e);
  // Checked as doubles before the conversions, which would wrap.
  for (auto [key, v] :
       {std::pair{"mem_bytes", mem}, std::pair{"cache_bytes", cache},
        std::pair{"l2_bytes", l2}, std::pair{"cores", cores}})
    if (!std::isfinite(v) || v < 0 || v > 1e18 || v != std::floor(v))
      return fieldError(file, key,
                        "expected a whole, non-negative number (is " +
                            numText(v) + ")");
  p.memBytes = static_cast<uint64_t>(mem);
  p.cacheBytes = static_cast<uint64_t>(cache);
  p.l2Bytes = static_cast<uint64_t>(l2);
  p.cores = static_cast<int>(std::min(cores, 1e6));
  if (const json::Value *f = o->get("features")) {
    const json::Array *a = f->getAsArray();
    if (!a)
      return fieldError(file, "features", "expected an array of strings");
    for (const json::Value &x : *a) {
      auto s = x.getAsString();
      if (!s)
        return fieldError(file, "features", "expected an array of strings");
      p.features.push_back(s->str());
    }
  }
  if (p.name.empty())
    p.name = file.str();
  if (p.source.empty())
    p.source = file.str();
  if (Error e = checkProfile(p, file))
    return std::move(e);
  return p;
}

} // namespace dsc::advise
