//===- Report.cpp - dsc advise's table, JSON and chart --------------------===//

#include "advise/Report.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>

using namespace llvm;

namespace dsc::advise {

std::vector<Point> toPoints(const std::vector<CandidateResult> &cands) {
  std::vector<Point> pts;
  for (const CandidateResult &c : cands)
    pts.push_back(Point{c.id, c.quality.kldMean, c.memory.total(),
                        c.speed.decodeTokS, c.compilable});
  return pts;
}

static std::string size(uint64_t bytes) {
  double m = bytes / 1048576.0;
  if (m >= 1024)
    return formatv("{0:F2} GiB", m / 1024).str();
  if (m >= 1)
    return formatv("{0:F1} MiB", m).str();
  return formatv("{0:F0} KiB", bytes / 1024.0).str();
}

static std::string rate(double t) {
  if (t <= 0)
    return "-";
  return formatv(t >= 100 ? "{0:F0}" : "{0:F1}", t).str();
}

void printPredictions(raw_ostream &os, const DeviceReport &r) {
  const DeviceProfile &d = r.device;
  os << "device " << d.name << ": " << d.description << "\n"
     << formatv("  bandwidth {0:F1} GB/s, target {1}; context {2} tokens "
                "(decode at position {3}, prefill of {2})\n",
                d.bandwidthGBs, d.target, r.ctx, r.ctx / 2);
  os << formatv("  {0,-22} {1,10} {2,10} {3,9} {4,9}   {5}\n", "candidate",
                "weights", "memory", "decode/s", "prefill/s",
                "decode us: stream + portable + fixed + attention (read from)");
  for (const CandidateResult &c : r.candidates) {
    const DecodeTerms &t = c.speed.decode;
    os << formatv("  {0,-22} {1,10} {2,10} {3,9} {4,9}   {5:F1} + {6:F1} + "
                  "{7:F1} + {8:F1} ({9})\n",
                  c.id, size(c.memory.weights), size(c.memory.total()),
                  rate(c.speed.decodeTokS), rate(c.speed.prefillTokS),
                  t.stream * 1e6, t.portable * 1e6, t.overhead * 1e6,
                  t.attention * 1e6, t.level);
  }
  for (const std::string &n : r.notes)
    os << "  note: " << n << "\n";
}

json::Value speedTermsToJSON(const SpeedEstimate &s) {
  const DecodeTerms &d = s.decode;
  const PrefillTerms &p = s.prefill;
  return json::Object{
      {"decode",
       json::Object{{"level", d.level},
                    {"bandwidth_gbs", d.bandwidthGBs},
                    {"stream_s", d.stream},
                    {"portable_s", d.portable},
                    {"fixed_s", d.overhead},
                    {"attention_s", d.attention}}},
      {"prefill", json::Object{{"matmul_s", p.matmul},
                               {"portable_s", p.portable},
                               {"fixed_s", p.overhead},
                               {"attention_s", p.attention}}}};
}

void printTable(raw_ostream &os, const DeviceReport &r) {
  const DeviceProfile &d = r.device;
  os << "device " << d.name << ": " << d.description << "\n"
     << formatv("  memory {0}, bandwidth {1:F1} GB/s, target {2}{3}; context "
                "{4} tokens\n",
                size(r.constraints.memBytes), d.bandwidthGBs, d.target,
                r.candidates.empty() || r.candidates[0].compilable
                    ? ""
                    : " (dsc cannot compile for it yet)",
                r.ctx);
  bool measured = llvm::any_of(r.candidates, [](const CandidateResult &c) {
    return c.measuredDecodeTokS > 0;
  });
  os << formatv("  {0,-22} {1,10} {2,10} {3,9} {4,8} {5,8} {6,7} {7,9} {8,9}",
                "candidate", "weights", "memory", "KL mean", "KL p99", "ppl",
                "top-1", "decode/s", "prefill/s");
  if (measured)
    os << formatv(" {0,9}", "measured");
  os << "  front\n";
  for (size_t i = 0; i < r.candidates.size(); ++i) {
    const CandidateResult &c = r.candidates[i];
    bool chosen = r.decision.chosen == static_cast<int>(i);
    os << formatv("{0} {1,-22} {2,10} {3,10} {4,9:F5} {5,8:F4} {6,8:F3} "
                  "{7,6:F1}% {8,9} {9,9}",
                  chosen ? '>' : ' ', c.id, size(c.memory.weights),
                  size(c.memory.total()), c.quality.kldMean, c.quality.kldP99,
                  c.quality.ppl, 100 * c.quality.top1, rate(c.speed.decodeTokS),
                  rate(c.speed.prefillTokS));
    if (measured)
      os << formatv(" {0,9}", rate(c.measuredDecodeTokS));
    os << (r.decision.onFront[i] ? "  *" : "   ");
    if (!r.decision.fails[i].empty())
      os << "  (" << r.decision.fails[i] << ")";
    os << "\n";
  }
  for (const std::string &n : r.notes)
    os << "  note: " << n << "\n";
  if (r.decision.chosen >= 0)
    os << "recommendation: " << r.decision.reason << "\n"
       << "  dsc compile MODEL " << r.candidates[r.decision.chosen].scheme
       << (r.candidates[r.decision.chosen].scheme.empty() ? "" : " ")
       << "--target " << d.target << "\n";
  else
    os << "no recommendation: " << r.decision.reason << "\n";
}

json::Value reportToJSON(const DeviceReport &r) {
  json::Array cands;
  for (size_t i = 0; i < r.candidates.size(); ++i) {
    const CandidateResult &c = r.candidates[i];
    json::Object o{{"id", c.id},
                   {"scheme", c.scheme},
                   {"kld_mean", c.quality.kldMean},
                   {"kld_p99", c.quality.kldP99},
                   {"ppl", c.quality.ppl},
                   {"ppl_ref", c.quality.pplRef},
                   {"top1", c.quality.top1},
                   {"weights_bytes", static_cast<int64_t>(c.memory.weights)},
                   {"kv_cache_bytes", static_cast<int64_t>(c.memory.kvCache)},
                   {"runtime_bytes", static_cast<int64_t>(c.memory.runtime)},
                   {"memory_bytes", static_cast<int64_t>(c.memory.total())},
                   {"bytes_per_token", c.speed.bytesPerToken},
                   {"efficiency", c.speed.efficiency},
                   {"from_cache", c.speed.fromCache},
                   {"decode_tok_s", c.speed.decodeTokS},
                   {"prefill_tok_s", c.speed.prefillTokS},
                   {"terms", speedTermsToJSON(c.speed)},
                   {"pareto", static_cast<bool>(r.decision.onFront[i])},
                   {"fits", r.decision.fails[i].empty()},
                   {"compilable", c.compilable}};
    if (!r.decision.fails[i].empty())
      o["fails"] = r.decision.fails[i];
    if (r.predictOnly)
      for (StringRef k : {"kld_mean", "kld_p99", "ppl", "ppl_ref", "top1",
                          "pareto", "fits"})
        o.erase(k);
    if (c.measuredDecodeTokS > 0)
      o["measured_decode_tok_s"] = c.measuredDecodeTokS;
    cands.push_back(std::move(o));
  }
  json::Array notes;
  for (const std::string &n : r.notes)
    notes.push_back(n);
  json::Object out{
      {"device", profileToJSON(r.device)},
      {"constraints",
       json::Object{{"mem_bytes", static_cast<int64_t>(r.constraints.memBytes)},
                    {"min_tokens_per_s", r.constraints.minTokS},
                    {"max_kld", r.constraints.maxKld}}},
      {"ctx", r.ctx},
      {"calibrations", r.calibrations},
      {"candidates", std::move(cands)},
      {"notes", std::move(notes)},
      {"reason", r.decision.reason}};
  if (r.decision.chosen >= 0) {
    const CandidateResult &c = r.candidates[r.decision.chosen];
    out["recommendation"] = json::Object{{"id", c.id}, {"scheme", c.scheme}};
  } else {
    out["recommendation"] = nullptr;
  }
  return out;
}

static std::string esc(StringRef s) {
  std::string o;
  for (char c : s) {
    if (c == '<')
      o += "&lt;";
    else if (c == '>')
      o += "&gt;";
    else if (c == '&')
      o += "&amp;";
    else if (c == '"')
      o += "&quot;";
    else
      o += c;
  }
  return o;
}

std::string plotSVG(const std::vector<DeviceReport> &reports, StringRef title) {
  std::string out;
  raw_string_ostream os(out);
  const double W = 760, H = 480, L = 80, R = 30, T = 50, B = 60;
  const DeviceReport *r = reports.empty() ? nullptr : &reports.front();
  std::vector<CandidateResult> cands =
      r ? r->candidates : std::vector<CandidateResult>();
  // Axes: memory (log), KL (log, with a floor where the full model's 0 is
  // drawn).
  double minKl = 1e9, maxKl = 0, minM = 1e30, maxM = 0;
  for (const CandidateResult &c : cands) {
    if (c.quality.kldMean > 0)
      minKl = std::min(minKl, c.quality.kldMean);
    maxKl = std::max(maxKl, c.quality.kldMean);
    minM = std::min(minM, static_cast<double>(c.memory.total()));
    maxM = std::max(maxM, static_cast<double>(c.memory.total()));
  }
  if (minKl > maxKl)
    minKl = maxKl = 1e-3;
  double floorKl = minKl / 10;
  double y0 = std::log10(floorKl), y1 = std::log10(std::max(maxKl, minKl) * 2);
  std::vector<double> lines;
  for (const DeviceReport &d : reports)
    lines.push_back(static_cast<double>(d.constraints.memBytes));
  double x0 = std::log10(std::max(minM / 1.5, 1.0)),
         x1 = std::log10(std::max(maxM * 1.5, 2.0));
  // Memory lines far off the chart are drawn at its edge, labelled.
  auto px = [&](double m) {
    double v = (std::log10(std::max(m, 1.0)) - x0) / (x1 - x0);
    return L + std::clamp(v, 0.0, 1.0) * (W - L - R);
  };
  auto py = [&](double kl) {
    double v = (std::log10(std::max(kl, floorKl)) - y0) / (y1 - y0);
    return H - B - std::clamp(v, 0.0, 1.0) * (H - T - B);
  };
  os << formatv("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
                "height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n",
                W, H);
  os << formatv("<rect width=\"{0}\" height=\"{1}\" fill=\"white\"/>\n", W, H);
  os << formatv("<text x=\"{0}\" y=\"24\" font-size=\"15\">{1}</text>\n", L,
                esc(title));
  // Axes and decade ticks.
  os << formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" "
                "stroke=\"black\"/>\n",
                L, H - B, W - R);
  os << formatv("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                "stroke=\"black\"/>\n",
                L, T, H - B);
  for (double e = std::ceil(x0); e <= x1; e += 1) {
    double x = px(std::pow(10, e));
    os << formatv("<line x1=\"{0:F1}\" y1=\"{1}\" x2=\"{0:F1}\" y2=\"{2}\" "
                  "stroke=\"#ddd\"/>\n",
                  x, T, H - B);
    os << formatv("<text x=\"{0:F1}\" y=\"{1}\" text-anchor=\"middle\">{2}"
                  "</text>\n",
                  x, H - B + 16,
                  esc(size(static_cast<uint64_t>(std::pow(10, e)))));
  }
  for (double e = std::ceil(y0); e <= y1; e += 1) {
    double y = py(std::pow(10, e));
    os << formatv("<line x1=\"{0}\" y1=\"{1:F1}\" x2=\"{2}\" y2=\"{1:F1}\" "
                  "stroke=\"#ddd\"/>\n",
                  L, y, W - R);
    os << formatv("<text x=\"{0}\" y=\"{1:F1}\" text-anchor=\"end\">1e{2}"
                  "</text>\n",
                  L - 6, y + 4, static_cast<int>(e));
  }
  os << formatv(
      "<text x=\"{0}\" y=\"{1}\" text-anchor=\"middle\">memory at "
      "the context (weights + KV cache + runtime), log scale</text>\n",
      (L + W - R) / 2, H - 16);
  os << formatv("<text x=\"18\" y=\"{0}\" text-anchor=\"middle\" "
                "transform=\"rotate(-90 18 {0})\">mean KL divergence from the "
                "full model, log scale</text>\n",
                (T + H - B) / 2);
  os << formatv("<text x=\"{0}\" y=\"{1:F1}\" font-size=\"10\" fill=\"#666\">"
                "0 (full)</text>\n",
                L + 4, H - B - 4);
  // The devices' memory.
  for (size_t i = 0; i < reports.size(); ++i) {
    double x = px(lines[i]);
    os << formatv("<line class=\"memory\" x1=\"{0:F1}\" y1=\"{1}\" "
                  "x2=\"{0:F1}\" y2=\"{2}\" stroke=\"#c00\" "
                  "stroke-dasharray=\"6 4\"/>\n",
                  x, T, H - B);
    os << formatv("<text x=\"{0:F1}\" y=\"{1}\" fill=\"#c00\" "
                  "text-anchor=\"end\" transform=\"rotate(-90 {0:F1} {1})\" "
                  "dy=\"-4\">{2} {3}</text>\n",
                  x, T + 2, esc(reports[i].device.name),
                  esc(size(reports[i].constraints.memBytes)));
  }
  if (!r) {
    os << "</svg>\n";
    return out;
  }
  // The front in this plane: sorted by memory, each point closer than
  // every smaller one.
  std::vector<size_t> order;
  for (size_t i = 0; i < cands.size(); ++i)
    if (r->decision.onFront[i])
      order.push_back(i);
  llvm::sort(order, [&](size_t a, size_t b) {
    return cands[a].memory.total() < cands[b].memory.total();
  });
  std::string path;
  double bestKl = 1e30;
  for (size_t i : order) {
    if (cands[i].quality.kldMean >= bestKl)
      continue;
    bestKl = cands[i].quality.kldMean;
    path += formatv("{0}{1:F1},{2:F1}", path.empty() ? "M" : " L",
                    px(cands[i].memory.total()), py(cands[i].quality.kldMean))
                .str();
  }
  if (!path.empty())
    os << "<path class=\"front\" d=\"" << path
       << "\" fill=\"none\" stroke=\"#06c\" stroke-width=\"2\"/>\n";
  for (size_t i = 0; i < cands.size(); ++i) {
    const CandidateResult &c = cands[i];
    double x = px(c.memory.total()), y = py(c.quality.kldMean);
    bool front = r->decision.onFront[i];
    os << formatv("<circle class=\"{0}\" cx=\"{1:F1}\" cy=\"{2:F1}\" r=\"5\" "
                  "fill=\"{3}\" stroke=\"#06c\"><title>{4}: KL {5:F5}, {6}, "
                  "{7} tok/s</title></circle>\n",
                  front ? "candidate front" : "candidate", x, y,
                  front ? "#06c" : "white", esc(c.id), c.quality.kldMean,
                  esc(size(c.memory.total())), rate(c.speed.decodeTokS));
    os << formatv("<text x=\"{0:F1}\" y=\"{1:F1}\" font-size=\"11\">{2}"
                  "</text>\n",
                  x + 7, y - 6, esc(c.id));
    if (r->decision.chosen == static_cast<int>(i))
      os << formatv("<circle class=\"recommended\" cx=\"{0:F1}\" "
                    "cy=\"{1:F1}\" r=\"10\" fill=\"none\" stroke=\"#090\" "
                    "stroke-width=\"2\"/>\n",
                    x, y);
  }
  os << formatv("<text x=\"{0}\" y=\"{1}\" font-size=\"11\" fill=\"#333\">"
                "filled: on the Pareto front (KL, memory, decode speed); "
                "ringed: recommended for {2}; dashed: device memory</text>\n",
                L, T - 8, esc(r->device.name));
  os << "</svg>\n";
  return out;
}

} // namespace dsc::advise
