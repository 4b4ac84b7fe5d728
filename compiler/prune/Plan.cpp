//===- Plan.cpp - which structures to remove, and refitted weights --------===//

#include "prune/Plan.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace llvm;

namespace dsc {

static Error specError(StringRef text, const Twine &why) {
  return createStringError(inconvertibleErrorCode(),
                           "--prune " + text + ": " + why);
}

Expected<PruneSpec> parsePruneSpec(StringRef text) {
  PruneSpec s;
  if (text.trim().empty())
    return specError(text, "expected ffn=F,heads=H,layers=N (any of them)");
  SmallVector<StringRef> parts;
  text.split(parts, ',');
  for (StringRef part : parts) {
    auto [key, value] = part.trim().split('=');
    if (key == "ffn" || key == "heads") {
      double v;
      if (value.getAsDouble(v) || !(v >= 0 && v < 1))
        return specError(text, "'" + key + "' must be a fraction in [0, 1), "
                                           "not '" + value + "'");
      (key == "ffn" ? s.ffn : s.heads) = v;
    } else if (key == "layers") {
      if (value.getAsInteger(10, s.layers) || s.layers < 0)
        return specError(text, "'layers' must be a number of layers, not '" +
                                   value + "'");
    } else {
      return specError(text, "unknown structure '" + key +
                                 "' (expected ffn, heads or layers)");
    }
  }
  return s;
}

Expected<HeadCut> headCut(int64_t nHeads, int64_t nKVHeads, double fraction) {
  HeadCut cut;
  int64_t n = std::llround(fraction * double(nHeads));
  if (fraction > 0 && n == 0)
    return createStringError(
        inconvertibleErrorCode(),
        formatv("--prune heads={0}: removes no head of {1}", fraction, nHeads)
            .str());
  if (n == 0)
    return cut;
  int64_t group = nHeads / nKVHeads;
  if (nKVHeads > 1 && n % group == 0 && n / group < nKVHeads) {
    cut.kvGroups = n / group;
  } else if (n % nKVHeads == 0 && n / nKVHeads < group) {
    cut.queryPerGroup = n / nKVHeads;
  } else {
    return createStringError(
        inconvertibleErrorCode(),
        formatv("--prune heads={0}: {1} of {2} query heads ({3} KV heads) is "
                "neither whole KV groups nor the same number of query heads "
                "in every group",
                fraction, n, nHeads, nKVHeads)
            .str());
  }
  return cut;
}

int64_t ffnChannelsRemoved(int64_t hidden, double fraction, int64_t align) {
  if (fraction <= 0)
    return 0;
  double keep = double(hidden) * (1.0 - fraction);
  // The widest alignment that keeps some channels and removes some.
  for (int64_t a = std::max<int64_t>(align, 1); a >= 1; a /= 2) {
    int64_t kept = std::llround(keep / double(a)) * a;
    if (kept > 0 && kept < hidden)
      return hidden - kept;
  }
  return 0;
}

bool solveRidge(std::vector<double> G, std::vector<double> &B, int64_t n,
                int64_t m, double lambda) {
  for (int64_t i = 0; i < n; ++i)
    G[i * n + i] += lambda;
  // Cholesky: G = L L^T, L in the lower triangle.
  for (int64_t j = 0; j < n; ++j) {
    double d = G[j * n + j];
    for (int64_t k = 0; k < j; ++k)
      d -= G[j * n + k] * G[j * n + k];
    if (!(d > 0))
      return false;
    d = std::sqrt(d);
    G[j * n + j] = d;
    for (int64_t i = j + 1; i < n; ++i) {
      double s = G[i * n + j];
      for (int64_t k = 0; k < j; ++k)
        s -= G[i * n + k] * G[j * n + k];
      G[i * n + j] = s / d;
    }
  }
  for (int64_t c = 0; c < m; ++c) {
    for (int64_t i = 0; i < n; ++i) { // L y = b
      double s = B[i * m + c];
      for (int64_t k = 0; k < i; ++k)
        s -= G[i * n + k] * B[k * m + c];
      B[i * m + c] = s / G[i * n + i];
    }
    for (int64_t i = n - 1; i >= 0; --i) { // L^T x = y
      double s = B[i * m + c];
      for (int64_t k = i + 1; k < n; ++k)
        s -= G[k * n + i] * B[k * m + c];
      B[i * m + c] = s / G[i * n + i];
    }
  }
  return true;
}

namespace {

Matrix rows(const Matrix &w, ArrayRef<int64_t> keep, int64_t block) {
  Matrix r(static_cast<int64_t>(keep.size()) * block, w.cols);
  for (size_t i = 0; i < keep.size(); ++i)
    std::copy_n(w.row(keep[i] * block), block * w.cols, r.row(i * block));
  return r;
}

Matrix cols(const Matrix &w, ArrayRef<int64_t> keep, int64_t block) {
  Matrix r(w.rows, static_cast<int64_t>(keep.size()) * block);
  for (int64_t row = 0; row < w.rows; ++row)
    for (size_t i = 0; i < keep.size(); ++i)
      std::copy_n(w.row(row) + keep[i] * block, block,
                  r.row(row) + i * block);
  return r;
}

std::vector<float> elems(ArrayRef<float> v, ArrayRef<int64_t> keep,
                         int64_t block) {
  std::vector<float> r;
  if (v.empty())
    return r;
  for (int64_t k : keep)
    r.insert(r.end(), v.begin() + k * block, v.begin() + (k + 1) * block);
  return r;
}

RefLayer sliceLayer(const RefModel &m, const RefLayer &l, const PlanLayer &p) {
  RefLayer s;
  int64_t hd = m.headDim;
  s.attnNorm = p.attnNorm ? *p.attnNorm : l.attnNorm;
  s.ffnNorm = p.ffnNorm ? *p.ffnNorm : l.ffnNorm;
  s.wq = rows(l.wq, p.qHeads, hd);
  s.bq = elems(l.bq, p.qHeads, hd);
  s.wk = rows(l.wk, p.kvHeads, hd);
  s.bk = elems(l.bk, p.kvHeads, hd);
  s.wv = rows(l.wv, p.kvHeads, hd);
  s.bv = elems(l.bv, p.kvHeads, hd);
  s.wo = p.wo ? *p.wo : cols(l.wo, p.qHeads, hd);
  s.gate = rows(l.gate, p.channels, 1);
  s.up = rows(l.up, p.channels, 1);
  s.down = p.down ? *p.down : cols(l.down, p.channels, 1);
  // A refit without an intercept leaves the projection without a bias.
  s.bo = p.wo ? p.bo : l.bo;
  s.bdown = p.down ? p.bdown : l.bdown;
  s.nHeads = static_cast<int64_t>(p.qHeads.size());
  s.nKVHeads = static_cast<int64_t>(p.kvHeads.size());
  s.hidden = static_cast<int64_t>(p.channels.size());
  return s;
}

std::vector<int64_t> iota(int64_t n) {
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

/// The `n` lowest-scored of `candidates` removed: the rest, increasing.
std::vector<int64_t> keepHighest(ArrayRef<int64_t> candidates,
                                 ArrayRef<double> score, int64_t n) {
  std::vector<int64_t> order(candidates.begin(), candidates.end());
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return score[a] < score[b];
  });
  std::vector<int64_t> keep(order.begin() + n, order.end());
  llvm::sort(keep);
  return keep;
}

double sumSquares(const Matrix &w, int64_t row0, int64_t nRows, int64_t col0,
                  int64_t nCols) {
  double s = 0;
  for (int64_t r = row0; r < row0 + nRows; ++r)
    for (int64_t c = col0; c < col0 + nCols; ++c)
      s += double(w.row(r)[c]) * w.row(r)[c];
  return s;
}

/// One scoring window: the teacher's log-probabilities.
struct Window {
  std::vector<int32_t> tokens;
  Matrix teacher;
};

class Planner {
public:
  Planner(const RefModel &teacher, const PruneOptions &o)
      : teacher(teacher), o(o) {}

  Expected<PrunePlan> run(ArrayRef<std::vector<int32_t>> score,
                          ArrayRef<std::vector<int32_t>> fit);

private:
  void status(const Twine &t) {
    if (o.progress)
      o.progress(t.str());
  }
  /// Mean KL of `m` against the teacher on the scoring windows.
  double kl(const RefModel &m) {
    double total = 0;
    int64_t rows = 0;
    for (Window &w : windows) {
      Matrix x, lp;
      embed(m, w.tokens, x);
      runLayers(m, 0, x, x);
      logProbs(m, x, lp);
      total += meanKL(w.teacher, lp) * lp.rows;
      rows += lp.rows;
    }
    return rows ? total / double(rows) : 0.0;
  }
  void chooseLayers(PrunePlan &plan, std::vector<int64_t> &kept);
  void scoreTeacher(const RefModel &m, std::vector<std::vector<double>> &head,
                    std::vector<std::vector<double>> &ffn, bool groups);
  void estimateTeacher(const RefModel &m,
                       std::vector<std::vector<double>> &head,
                       std::vector<std::vector<double>> &ffn, bool groups);
  void refit(PrunePlan &plan, ArrayRef<std::vector<int32_t>> fit);

  const RefModel &teacher;
  const PruneOptions &o;
  std::vector<Window> windows;
};

void Planner::chooseLayers(PrunePlan &plan, std::vector<int64_t> &kept) {
  int64_t L = static_cast<int64_t>(teacher.layers.size());
  kept = iota(L);
  if (o.method == PruneMethod::Magnitude) {
    std::vector<double> s(L);
    for (int64_t i = 0; i < L; ++i) {
      const RefLayer &l = teacher.layers[i];
      s[i] = sumSquares(l.wo, 0, l.wo.rows, 0, l.wo.cols) +
             sumSquares(l.down, 0, l.down.rows, 0, l.down.cols);
    }
    kept = keepHighest(kept, s, o.spec.layers);
    for (int64_t i = 0; i < L; ++i)
      plan.scores.push_back({"layer", i, -1, s[i], !llvm::is_contained(kept, i)});
    return;
  }
  // Greedily, each time the layer whose removal costs least now.
  for (int64_t r = 0; r < o.spec.layers; ++r) {
    int64_t best = -1;
    double bestKL = INFINITY;
    for (int64_t cand : kept) {
      RefModel m = teacher;
      m.layers.clear();
      for (int64_t i : kept)
        if (i != cand)
          m.layers.push_back(teacher.layers[i]);
      status(formatv("scoring layer {0} (round {1} of {2})", cand, r + 1,
                     o.spec.layers));
      double k = kl(m);
      plan.scores.push_back({"layer", cand, r, k, false});
      if (k < bestKL) {
        bestKL = k;
        best = cand;
      }
    }
    for (Score &s : plan.scores)
      if (s.kind == "layer" && s.layer == best && s.index == r)
        s.removed = true;
    llvm::erase(kept, best);
  }
}

/// KL of the model `m` on the scoring windows with each structure removed
/// alone: a head (or KV group) per layer in `head`, an FFN channel in `ffn`.
void Planner::scoreTeacher(const RefModel &m,
                           std::vector<std::vector<double>> &head,
                           std::vector<std::vector<double>> &ffn,
                           bool groups) {
  size_t L = m.layers.size();
  int64_t hd = m.headDim, total = 0;
  head.assign(L, {});
  ffn.assign(L, {});
  for (size_t i = 0; i < L; ++i) {
    const RefLayer &l = m.layers[i];
    head[i].assign(groups ? l.nKVHeads : l.nHeads, 0.0);
    ffn[i].assign(o.spec.ffn > 0 ? l.hidden : 0, 0.0);
  }
  for (size_t wi = 0; wi < windows.size(); ++wi) {
    Window &w = windows[wi];
    Matrix x;
    embed(m, w.tokens, x);
    std::vector<LayerTrace> tr(L);
    std::vector<Matrix> in(L);
    for (size_t i = 0; i < L; ++i) {
      in[i] = x;
      runLayer(m, m.layers[i], x, tr[i]);
      x = tr[i].out;
    }
    int64_t T = x.rows;
    total += T;
    auto klFrom = [&](size_t next, const Matrix &resid) {
      Matrix out, lp;
      runLayers(m, next, resid, out);
      logProbs(m, out, lp);
      return meanKL(w.teacher, lp) * T;
    };
    for (size_t i = 0; i < L; ++i) {
      const RefLayer &l = m.layers[i];
      status(formatv("scoring window {0} of {1}, layer {2}", wi + 1,
                     windows.size(), i));
      int64_t group = l.nHeads / l.nKVHeads;
      int64_t width = groups ? group * hd : hd;
      for (size_t h = 0; h < head[i].size(); ++h) {
        if (o.spec.heads == 0)
          break;
        std::vector<int64_t> one{static_cast<int64_t>(h)};
        Matrix a = cols(tr[i].attn, one, width), d;
        linear(a, cols(l.wo, one, width), {}, d);
        Matrix mid = tr[i].mid, act, down;
        for (size_t k = 0; k < mid.data.size(); ++k)
          mid.data[k] -= d.data[k];
        ffnActivation(m, l, mid, act);
        linear(act, l.down, l.bdown, down);
        for (size_t k = 0; k < mid.data.size(); ++k)
          mid.data[k] += down.data[k];
        head[i][h] += klFrom(i + 1, mid);
      }
      for (size_t j = 0; j < ffn[i].size(); ++j) {
        Matrix out = tr[i].out;
        for (int64_t s = 0; s < T; ++s) {
          float a = tr[i].act.row(s)[j];
          for (int64_t r = 0; r < m.dim; ++r)
            out.row(s)[r] -= a * l.down.row(r)[j];
        }
        ffn[i][j] += klFrom(i + 1, out);
      }
    }
  }
  for (auto *v : {&head, &ffn})
    for (auto &layer : *v)
      for (double &s : layer)
        s /= double(total);
}

/// The second-order estimate of the same KL: a perturbation d of the
/// residual stream at a layer's output is taken to reach the final norm
/// unchanged (the residual path), so the logits move by J_t d, with J_t the
/// classifier times the final RMSNorm's Jacobian at token t, and
/// KL ~ 1/2 (J_t d)^T (diag p_t - p_t p_t^T) (J_t d). With H the mean over
/// the scoring tokens of J_t^T (diag p_t - p_t p_t^T) J_t, an FFN channel
/// costs 1/2 mean_t(a_tj^2) down_j^T H down_j and a head
/// 1/2 mean_t (o_h attn_th)^T H (o_h attn_th). One forward pass in all.
void Planner::estimateTeacher(const RefModel &m,
                              std::vector<std::vector<double>> &head,
                              std::vector<std::vector<double>> &ffn,
                              bool groups) {
  size_t L = m.layers.size();
  int64_t D = m.dim, V = m.vocab, hd = m.headDim, total = 0;
  head.assign(L, {});
  ffn.assign(L, {});
  for (size_t i = 0; i < L; ++i) {
    const RefLayer &l = m.layers[i];
    head[i].assign(groups ? l.nKVHeads : l.nHeads, 0.0);
    ffn[i].assign(l.hidden, 0.0);
  }
  const Matrix &W = m.head();
  std::vector<double> H(D * D, 0.0);
  std::vector<std::vector<Matrix>> attn(windows.size()), act(windows.size());
  std::vector<double> A(V * D), Ap(D);
  for (size_t wi = 0; wi < windows.size(); ++wi) {
    status(formatv("estimating scores: window {0} of {1}", wi + 1,
                   windows.size()));
    Matrix x, lp;
    embed(m, windows[wi].tokens, x);
    LayerTrace tr;
    for (size_t i = 0; i < L; ++i) {
      runLayer(m, m.layers[i], x, tr);
      attn[wi].push_back(tr.attn);
      act[wi].push_back(tr.act);
      x = tr.out;
    }
    logProbs(m, x, lp);
    for (int64_t t = 0; t < x.rows; ++t, ++total) {
      const float *xt = x.row(t);
      double ss = 0;
      for (int64_t k = 0; k < D; ++k)
        ss += double(xt[k]) * xt[k];
      double rms = std::sqrt(ss / D + m.eps);
      // J = W diag(g) (I - x x^T / (D rms^2)) / rms.
      for (int64_t v = 0; v < V; ++v) {
        const float *wv = W.row(v);
        double wx = 0;
        for (int64_t k = 0; k < D; ++k)
          wx += double(wv[k]) * m.outputNorm[k] * xt[k];
        for (int64_t k = 0; k < D; ++k)
          A[v * D + k] = (double(wv[k]) * m.outputNorm[k] -
                          wx * xt[k] / (D * rms * rms)) /
                         rms;
      }
      std::fill(Ap.begin(), Ap.end(), 0.0);
      for (int64_t v = 0; v < V; ++v) {
        double p = std::exp(double(lp.row(t)[v]));
        if (p < 1e-7)
          continue;
        const double *av = &A[v * D];
        for (int64_t r = 0; r < D; ++r) {
          Ap[r] += p * av[r];
          double pr = p * av[r];
          for (int64_t c = 0; c <= r; ++c)
            H[r * D + c] += pr * av[c];
        }
      }
      for (int64_t r = 0; r < D; ++r)
        for (int64_t c = 0; c <= r; ++c)
          H[r * D + c] -= Ap[r] * Ap[c];
    }
  }
  for (int64_t r = 0; r < D; ++r)
    for (int64_t c = 0; c <= r; ++c)
      H[c * D + r] = H[r * D + c] /= double(total);
  auto quad = [&](const std::vector<double> &d) {
    double q = 0;
    for (int64_t r = 0; r < D; ++r) {
      double hr = 0;
      for (int64_t c = 0; c < D; ++c)
        hr += H[r * D + c] * d[c];
      q += d[r] * hr;
    }
    return 0.5 * q;
  };
  std::vector<double> d(D);
  for (size_t i = 0; i < L; ++i) {
    const RefLayer &l = m.layers[i];
    for (int64_t j = 0; j < l.hidden && o.spec.ffn > 0; ++j) {
      double a2 = 0;
      for (size_t wi = 0; wi < windows.size(); ++wi)
        for (int64_t t = 0; t < act[wi][i].rows; ++t)
          a2 += double(act[wi][i].row(t)[j]) * act[wi][i].row(t)[j];
      for (int64_t r = 0; r < D; ++r)
        d[r] = l.down.row(r)[j];
      ffn[i][j] = a2 / double(total) * quad(d);
    }
    int64_t width = groups ? (l.nHeads / l.nKVHeads) * hd : hd;
    for (size_t h = 0; h < head[i].size() && o.spec.heads > 0; ++h) {
      double s = 0;
      for (size_t wi = 0; wi < windows.size(); ++wi)
        for (int64_t t = 0; t < attn[wi][i].rows; ++t) {
          const float *at = attn[wi][i].row(t) + h * width;
          for (int64_t r = 0; r < D; ++r) {
            double acc = 0;
            for (int64_t c = 0; c < width; ++c)
              acc += double(l.wo.row(r)[h * width + c]) * at[c];
            d[r] = acc;
          }
          s += quad(d);
        }
      head[i][h] = s / double(total);
    }
  }
}

Expected<PrunePlan> Planner::run(ArrayRef<std::vector<int32_t>> score,
                                 ArrayRef<std::vector<int32_t>> fit) {
  PrunePlan plan;
  int64_t L = static_cast<int64_t>(teacher.layers.size());
  if (o.spec.layers >= L)
    return createStringError(inconvertibleErrorCode(),
                             formatv("--prune layers={0}: the model has {1} "
                                     "layers; at least one must stay",
                                     o.spec.layers, L)
                                 .str());
  const RefLayer &l0 = teacher.layers[0];
  for (const RefLayer &l : teacher.layers)
    if (l.nHeads != l0.nHeads || l.nKVHeads != l0.nKVHeads ||
        l.hidden != l0.hidden)
      return createStringError(inconvertibleErrorCode(),
                               "pruning: the model's layers differ in "
                               "shape (pruned already?)");
  auto cut = headCut(l0.nHeads, l0.nKVHeads, o.spec.heads);
  if (!cut)
    return cut.takeError();
  int64_t ffnCut = ffnChannelsRemoved(l0.hidden, o.spec.ffn, o.align);
  if (o.spec.ffn > 0 && ffnCut == 0)
    return createStringError(inconvertibleErrorCode(),
                             formatv("--prune ffn={0}: removes no channel of "
                                     "{1}",
                                     o.spec.ffn, l0.hidden)
                                 .str());
  for (const std::vector<int32_t> &t : score) {
    Window w{t, {}};
    Matrix x;
    embed(teacher, t, x);
    runLayers(teacher, 0, x, x);
    logProbs(teacher, x, w.teacher);
    windows.push_back(std::move(w));
  }

  std::vector<int64_t> keptLayers;
  chooseLayers(plan, keptLayers);
  RefModel m = teacher;
  m.layers.clear();
  for (int64_t i : keptLayers)
    m.layers.push_back(teacher.layers[i]);

  bool groups = cut->kvGroups > 0;
  std::vector<std::vector<double>> headScore, ffnScore;
  if (o.method == PruneMethod::Teacher) {
    if ((o.spec.heads > 0 || o.spec.ffn > 0) && o.exact)
      scoreTeacher(m, headScore, ffnScore, groups);
    else if (o.spec.heads > 0 || o.spec.ffn > 0)
      estimateTeacher(m, headScore, ffnScore, groups);
  } else {
    int64_t hd = m.headDim;
    for (const RefLayer &l : m.layers) {
      int64_t group = l.nHeads / l.nKVHeads;
      std::vector<double> hs(groups ? l.nKVHeads : l.nHeads), fs(l.hidden);
      for (int64_t h = 0; h < l.nHeads; ++h) {
        double s = sumSquares(l.wq, h * hd, hd, 0, l.wq.cols) +
                   sumSquares(l.wo, 0, l.wo.rows, h * hd, hd);
        hs[groups ? h / group : h] += s;
      }
      if (groups)
        for (int64_t g = 0; g < l.nKVHeads; ++g)
          hs[g] += sumSquares(l.wk, g * hd, hd, 0, l.wk.cols) +
                   sumSquares(l.wv, g * hd, hd, 0, l.wv.cols);
      for (int64_t j = 0; j < l.hidden; ++j)
        fs[j] = sumSquares(l.gate, j, 1, 0, l.gate.cols) +
                sumSquares(l.up, j, 1, 0, l.up.cols) +
                sumSquares(l.down, 0, l.down.rows, j, 1);
      headScore.push_back(std::move(hs));
      ffnScore.push_back(std::move(fs));
    }
  }

  for (size_t i = 0; i < m.layers.size(); ++i) {
    const RefLayer &l = m.layers[i];
    PlanLayer p;
    p.source = keptLayers[i];
    int64_t group = l.nHeads / l.nKVHeads;
    p.kvHeads = iota(l.nKVHeads);
    p.qHeads = iota(l.nHeads);
    p.channels = iota(l.hidden);
    if (cut->kvGroups) {
      p.kvHeads = keepHighest(p.kvHeads, headScore[i], cut->kvGroups);
      p.qHeads.clear();
      for (int64_t g : p.kvHeads)
        for (int64_t h = g * group; h < (g + 1) * group; ++h)
          p.qHeads.push_back(h);
    } else if (cut->queryPerGroup) {
      p.qHeads.clear();
      for (int64_t g = 0; g < l.nKVHeads; ++g) {
        std::vector<int64_t> members(group);
        std::iota(members.begin(), members.end(), g * group);
        for (int64_t h : keepHighest(members, headScore[i], cut->queryPerGroup))
          p.qHeads.push_back(h);
      }
    }
    if (ffnCut)
      p.channels = keepHighest(p.channels, ffnScore[i], ffnCut);
    if (o.spec.heads > 0)
      for (size_t h = 0; h < headScore[i].size(); ++h)
        plan.scores.push_back(
            {groups ? "group" : "head", p.source, static_cast<int64_t>(h),
             headScore[i][h],
             groups ? !llvm::is_contained(p.kvHeads, int64_t(h))
                    : !llvm::is_contained(p.qHeads, int64_t(h))});
    if (ffnCut)
      for (size_t j = 0; j < ffnScore[i].size(); ++j)
        plan.scores.push_back({"ffn", p.source, static_cast<int64_t>(j),
                               ffnScore[i][j],
                               !llvm::is_contained(p.channels, int64_t(j))});
    plan.layers.push_back(std::move(p));
  }
  if (o.method == PruneMethod::Teacher && o.refit)
    refit(plan, fit);
  plan.calibKL = kl(applyPlan(teacher, plan));
  return plan;
}

} // namespace

/// Sum of squares of x w^T + b - y.
static double residual(const Matrix &x, const Matrix &w, ArrayRef<float> b,
                       const Matrix &y) {
  Matrix p;
  linear(x, w, b, p);
  double e = 0;
  for (size_t i = 0; i < p.data.size(); ++i)
    e += double(p.data[i] - y.data[i]) * (p.data[i] - y.data[i]);
  return e;
}

std::optional<Refit> leastSquares(ArrayRef<Matrix> xs, ArrayRef<Matrix> ys,
                                  const Matrix &w0, double ridge,
                                  bool intercept) {
  // With an intercept, x gets a last column of ones.
  int64_t in = w0.cols, n = in + (intercept ? 1 : 0), m = w0.rows;
  std::vector<double> G(n * n, 0.0), B(n * m, 0.0);
  for (size_t k = 0; k < xs.size(); ++k) {
    const Matrix &x = xs[k], &y = ys[k];
    for (int64_t s = 0; s < x.rows; ++s) {
      const float *xr = x.row(s), *yr = y.row(s);
      for (int64_t i = 0; i < n; ++i) {
        double xi = i < in ? xr[i] : 1.0;
        if (xi == 0)
          continue;
        for (int64_t j = 0; j <= i; ++j)
          G[i * n + j] += xi * (j < in ? xr[j] : 1.0);
        for (int64_t j = 0; j < m; ++j)
          B[i * m + j] += xi * yr[j];
      }
    }
  }
  double trace = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (i < in)
      trace += G[i * n + i];
    for (int64_t j = 0; j < i; ++j)
      G[j * n + i] = G[i * n + j];
  }
  // The ridge pulls w towards w0; the bias is free.
  double lambda = ridge * std::max(trace / double(in), 1e-12);
  for (int64_t i = 0; i < in; ++i) {
    G[i * n + i] += lambda;
    for (int64_t j = 0; j < m; ++j)
      B[i * m + j] += lambda * w0.row(j)[i];
  }
  if (!solveRidge(std::move(G), B, n, m, 0.0))
    return std::nullopt;
  Refit r;
  r.w = Matrix(m, in);
  for (int64_t i = 0; i < in; ++i)
    for (int64_t j = 0; j < m; ++j)
      r.w.row(j)[i] = static_cast<float>(B[i * m + j]);
  if (intercept)
    for (int64_t j = 0; j < m; ++j)
      r.bias.push_back(static_cast<float>(B[in * m + j]));
  double before = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    before += residual(xs[k], w0, {}, ys[k]);
    r.error += residual(xs[k], r.w, r.bias, ys[k]);
  }
  if (!(r.error < before))
    return std::nullopt;
  return r;
}

namespace {

/// The refit of one projection: with `intercept`, the fit with a bias
/// where it has the lower calibration error, else the one without.
std::optional<Refit> refitProjection(ArrayRef<Matrix> xs, ArrayRef<Matrix> ys,
                                     const Matrix &w0, double ridge,
                                     bool intercept) {
  std::optional<Refit> plain = leastSquares(xs, ys, w0, ridge, false);
  if (!intercept)
    return plain;
  std::optional<Refit> biased = leastSquares(xs, ys, w0, ridge, true);
  if (biased && (!plain || biased->error < plain->error))
    return biased;
  return plain;
}

} // namespace

/// Per channel: g'_k = g_k <n(s)_k, n(t)_k> / <n(s)_k, n(s)_k>.
std::optional<std::vector<float>> fitNormScale(ArrayRef<Matrix> s,
                                               ArrayRef<Matrix> t,
                                               ArrayRef<float> g, double eps) {
  std::vector<float> ones(g.size(), 1.0f);
  std::vector<double> st(g.size(), 0.0), ss(g.size(), 0.0), tt(g.size(), 0.0);
  for (size_t w = 0; w < s.size(); ++w) {
    Matrix ns, nt;
    rmsNorm(s[w], ones, eps, ns);
    rmsNorm(t[w], ones, eps, nt);
    for (int64_t r = 0; r < ns.rows; ++r)
      for (size_t k = 0; k < g.size(); ++k) {
        double a = ns.row(r)[k], b = nt.row(r)[k];
        st[k] += a * b;
        ss[k] += a * a;
        tt[k] += b * b;
      }
  }
  std::vector<float> fitted(g.begin(), g.end());
  double before = 0, after = 0;
  for (size_t k = 0; k < g.size(); ++k) {
    double gk = g[k];
    before += gk * gk * (ss[k] - 2 * st[k] + tt[k]);
    if (ss[k] > 0)
      fitted[k] = static_cast<float>(gk * st[k] / ss[k]);
    double f = fitted[k];
    after += f * f * ss[k] - 2 * f * gk * st[k] + gk * gk * tt[k];
  }
  if (!(after < before))
    return std::nullopt;
  return fitted;
}

namespace {

/// Layer by layer, the student's o and down projections fitted so that its
/// residual stream after each block is the teacher's after the layer it
/// came from (after the FFN: before the next layer kept), on the student's
/// own inputs (its errors so far included).
void Planner::refit(PrunePlan &plan, ArrayRef<std::vector<int32_t>> fit) {
  size_t W = fit.size();
  // The teacher's residual stream after each block, per window.
  std::vector<std::vector<Matrix>> tMid(W), tOut(W);
  std::vector<Matrix> x(W), emb(W);
  for (size_t w = 0; w < W; ++w) {
    status(formatv("refit: teacher window {0} of {1}", w + 1, W));
    Matrix t;
    embed(teacher, fit[w], t);
    x[w] = emb[w] = t;
    LayerTrace tr;
    for (const RefLayer &l : teacher.layers) {
      runLayer(teacher, l, t, tr);
      tMid[w].push_back(tr.mid);
      tOut[w].push_back(tr.out);
      t = tr.out;
    }
  }
  RefModel student = applyPlan(teacher, plan);
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    PlanLayer &p = plan.layers[i];
    RefLayer &l = student.layers[i];
    status(formatv("refit: layer {0} of {1}", i + 1, plan.layers.size()));
    // The layer's output stands for the teacher's up to the next layer
    // kept (the end for the last): it absorbs removed layers after it.
    size_t outOf = i + 1 < plan.layers.size()
                       ? static_cast<size_t>(plan.layers[i + 1].source - 1)
                       : teacher.layers.size() - 1;
    std::vector<Matrix> a(W), y(W);
    if (o.normCorrect) {
      for (size_t w = 0; w < W; ++w)
        y[w] = p.source ? tOut[w][p.source - 1] : emb[w];
      if (auto g = fitNormScale(x, y, l.attnNorm, student.eps))
        l.attnNorm = *(p.attnNorm = std::move(g));
    }
    for (size_t w = 0; w < W; ++w) {
      attention(student, l, x[w], a[w]);
      y[w] = tMid[w][p.source];
      for (size_t k = 0; k < y[w].data.size(); ++k)
        y[w].data[k] -= x[w].data[k];
    }
    if (auto f = refitProjection(a, y, l.wo, o.ridge, o.biasCorrect)) {
      l.wo = *(p.wo = std::move(f->w));
      l.bo = p.bo = std::move(f->bias);
    }
    for (size_t w = 0; w < W; ++w) {
      Matrix d;
      linear(a[w], l.wo, l.bo, d);
      for (size_t k = 0; k < d.data.size(); ++k)
        x[w].data[k] += d.data[k];
    }
    if (o.normCorrect) {
      for (size_t w = 0; w < W; ++w)
        y[w] = tMid[w][p.source];
      if (auto g = fitNormScale(x, y, l.ffnNorm, student.eps))
        l.ffnNorm = *(p.ffnNorm = std::move(g));
    }
    for (size_t w = 0; w < W; ++w) {
      ffnActivation(student, l, x[w], a[w]);
      y[w] = tOut[w][outOf];
      for (size_t k = 0; k < y[w].data.size(); ++k)
        y[w].data[k] -= x[w].data[k];
    }
    if (auto f = refitProjection(a, y, l.down, o.ridge, o.biasCorrect)) {
      l.down = *(p.down = std::move(f->w));
      l.bdown = p.bdown = std::move(f->bias);
    }
    for (size_t w = 0; w < W; ++w) {
      Matrix d;
      linear(a[w], l.down, l.bdown, d);
      for (size_t k = 0; k < d.data.size(); ++k)
        x[w].data[k] += d.data[k];
    }
  }
  if (o.normCorrect) {
    std::vector<Matrix> y(W);
    for (size_t w = 0; w < W; ++w)
      y[w] = tOut[w].back();
    plan.outputNorm = fitNormScale(x, y, teacher.outputNorm, teacher.eps);
  }
}

} // namespace

double exactScoringCost(const RefModel &teacher, const PruneSpec &spec,
                        int64_t tokens) {
  double layer = 0;
  const RefLayer &l = teacher.layers[0];
  layer = double(l.wq.data.size() + l.wk.data.size() + l.wv.data.size() +
                 l.wo.data.size() + l.gate.data.size() + l.up.data.size() +
                 l.down.data.size());
  double head = double(teacher.vocab) * double(teacher.dim);
  double L = double(teacher.layers.size());
  // Each structure runs the layers after its own (half the model on
  // average) and the classifier, on every token.
  double structures = L * ((spec.ffn > 0 ? l.hidden : 0) +
                           (spec.heads > 0 ? l.nHeads : 0));
  return structures * double(tokens) * (layer * L / 2 + head);
}

RefModel applyPlan(const RefModel &teacher, const PrunePlan &plan) {
  RefModel m = teacher;
  m.layers.clear();
  for (const PlanLayer &p : plan.layers)
    m.layers.push_back(sliceLayer(teacher, teacher.layers[p.source], p));
  if (plan.outputNorm)
    m.outputNorm = *plan.outputNorm;
  return m;
}

Expected<PrunePlan> planPruning(const RefModel &teacher,
                                ArrayRef<std::vector<int32_t>> score,
                                ArrayRef<std::vector<int32_t>> fit,
                                const PruneOptions &options) {
  return Planner(teacher, options).run(score, fit);
}

} // namespace dsc
