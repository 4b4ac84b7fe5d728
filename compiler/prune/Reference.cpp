//===- Reference.cpp - a float forward pass of the model on the host ------===//

#include "prune/Reference.h"
#include "weights/ParallelWrite.h"
#include "weights/WeightReader.h"

#include "Dsc/IR/DscOps.h"

#include <algorithm>
#include <cmath>

using namespace llvm;
using namespace mlir::dsc;

namespace dsc {

static Error modelError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

namespace {
class Loader {
public:
  explicit Loader(mlir::ModuleOp module) : module(module) {}

  /// Weight `name` as floats; `shape` says how many rows and columns.
  Error read(StringRef name, std::vector<float> &out,
             SmallVectorImpl<int64_t> *shape = nullptr) {
    auto g = module.lookupSymbol<GlobalOp>(name);
    if (!g)
      return modelError("pruning: the model has no weight '" + name + "'");
    auto type = dyn_cast<mlir::RankedTensorType>(g.getType());
    if (!type)
      return modelError("pruning: weight '" + name +
                        "' is quantized; pruning runs before quantization");
    if (!g.getSourceAttr())
      return modelError("pruning: weight '" + name + "' has no source");
    auto data = reader.readFloat(g.getSourceAttr(), type);
    if (!data)
      return data.takeError();
    out = std::move(*data);
    if (shape)
      shape->assign(type.getShape().begin(), type.getShape().end());
    return Error::success();
  }
  Error read(StringRef name, Matrix &m) {
    SmallVector<int64_t, 2> shape;
    if (Error e = read(name, m.data, &shape))
      return e;
    if (shape.size() != 2)
      return modelError("pruning: weight '" + name + "' is not a matrix");
    m.rows = shape[0];
    m.cols = shape[1];
    return Error::success();
  }
  bool has(StringRef name) { return !!module.lookupSymbol<GlobalOp>(name); }

private:
  mlir::ModuleOp module;
  WeightReader reader;
};
} // namespace

Expected<RefModel> loadReference(mlir::ModuleOp module) {
  ModelConfigAttr c = getModelConfig(module);
  if (!c)
    return modelError("pruning: not a dsc model (no dsc.config)");
  if (c.getRopeScaling())
    return modelError("pruning: models with RoPE scaling are not supported");
  RefModel m;
  m.vocab = c.getVocabSize();
  m.dim = c.getDim();
  m.headDim = c.getHeadDim();
  m.window = c.getSlidingWindow();
  m.eps = c.getNormEps().convertToDouble();
  m.theta = c.getRopeTheta().convertToDouble();
  Loader ld(module);
  if (Error e = ld.read("token_embd", m.embedding))
    return std::move(e);
  if (Error e = ld.read("output_norm", m.outputNorm))
    return std::move(e);
  if (!c.getTieEmbeddings())
    if (Error e = ld.read("output", m.classifier))
      return std::move(e);
  // Layers are counted from the IR: a pruned module may have fewer.
  for (int64_t i = 0; ld.has("blk." + std::to_string(i) + ".attn_norm"); ++i) {
    std::string p = "blk." + std::to_string(i) + ".";
    RefLayer l;
    for (auto [name, vec] :
         {std::pair{"attn_norm", &l.attnNorm}, {"ffn_norm", &l.ffnNorm}})
      if (Error e = ld.read(p + name, *vec))
        return std::move(e);
    for (auto [name, mat] :
         {std::pair{"attn_q", &l.wq}, {"attn_k", &l.wk}, {"attn_v", &l.wv},
          {"attn_output", &l.wo}, {"ffn_gate", &l.gate}, {"ffn_up", &l.up},
          {"ffn_down", &l.down}})
      if (Error e = ld.read(p + name, *mat))
        return std::move(e);
    if (c.getAttentionBias())
      for (auto [name, vec] : {std::pair{"attn_q.bias", &l.bq},
                               {"attn_k.bias", &l.bk},
                               {"attn_v.bias", &l.bv}})
        if (Error e = ld.read(p + name, *vec))
          return std::move(e);
    for (auto [name, vec] : {std::pair{"attn_output.bias", &l.bo},
                             {"ffn_down.bias", &l.bdown}})
      if (ld.has(p + name))
        if (Error e = ld.read(p + name, *vec))
          return std::move(e);
    l.nHeads = l.wq.rows / m.headDim;
    l.nKVHeads = l.wk.rows / m.headDim;
    l.hidden = l.gate.rows;
    if (l.nKVHeads == 0 || l.nHeads % l.nKVHeads ||
        l.wq.rows % m.headDim || l.wo.cols != l.wq.rows ||
        l.down.cols != l.hidden || l.up.rows != l.hidden ||
        l.wv.rows != l.wk.rows ||
        (!l.bo.empty() && int64_t(l.bo.size()) != l.wo.rows) ||
        (!l.bdown.empty() && int64_t(l.bdown.size()) != l.down.rows))
      return modelError("pruning: layer " + Twine(i) +
                        "'s weights do not fit each other");
    m.layers.push_back(std::move(l));
  }
  if (m.layers.empty())
    return modelError("pruning: the model has no layers");
  return m;
}

/// Dot product in eight independent lanes, which the compiler vectorizes
/// (one running sum would have to stay in order without -ffast-math).
static float dot(const float *a, const float *b, int64_t n) {
  float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int i = 0; i < 8; ++i)
      lane[i] += a[k + i] * b[k + i];
  float acc = 0;
  for (; k < n; ++k)
    acc += a[k] * b[k];
  for (float l : lane)
    acc += l;
  return acc;
}

/// Runs fn(first, end) over [0, n) in blocks of `block`, on the weight
/// writer's threads when the work (`cost` per item) is worth them. Every
/// item is computed as it would be alone, so the result does not depend
/// on the threads.
static void forBlocks(int64_t n, int64_t block, double cost,
                      function_ref<void(int64_t, int64_t)> fn) {
  int64_t blocks = (n + block - 1) / block;
  if (blocks <= 1 || cost * n < 2e6) {
    fn(0, n);
    return;
  }
  parallelFor(
      blocks, [&](int64_t b) { fn(b * block, std::min(n, (b + 1) * block)); },
      /*threads=*/0);
}

/// dot(a + r * lda, b, n) for r = 0..3, each summed exactly as dot sums
/// it, reading `b` once for the four.
static void dot4(const float *a, int64_t lda, const float *b, int64_t n,
                 float out[4]) {
  float lane[4][8] = {};
  int64_t k = 0;
  for (; k + 8 <= n; k += 8)
    for (int r = 0; r < 4; ++r)
      for (int i = 0; i < 8; ++i)
        lane[r][i] += a[r * lda + k + i] * b[k + i];
  for (int r = 0; r < 4; ++r) {
    float acc = 0;
    for (int64_t j = k; j < n; ++j)
      acc += a[r * lda + j] * b[j];
    for (float l : lane[r])
      acc += l;
    out[r] = acc;
  }
}

void linear(const Matrix &x, const Matrix &w, ArrayRef<float> b, Matrix &y) {
  y = Matrix(x.rows, w.rows);
  // Blocks of 8 rows: a multiple of 4, so that which rows dot4 computes
  // does not depend on the threads.
  forBlocks(x.rows, 8, double(w.rows) * w.cols, [&](int64_t s0, int64_t s1) {
    int64_t s = s0;
    for (; s + 4 <= s1; s += 4)
      for (int64_t n = 0; n < w.rows; ++n) {
        float d[4];
        dot4(x.row(s), x.cols, w.row(n), w.cols, d);
        for (int r = 0; r < 4; ++r)
          y.row(s + r)[n] = d[r] + (b.empty() ? 0.0f : b[n]);
      }
    for (; s < s1; ++s) {
      const float *xs = x.row(s);
      float *ys = y.row(s);
      for (int64_t n = 0; n < w.rows; ++n)
        ys[n] = dot(xs, w.row(n), w.cols) + (b.empty() ? 0.0f : b[n]);
    }
  });
}

void rmsNorm(const Matrix &x, ArrayRef<float> w, double eps,
                    Matrix &y) {
  y = Matrix(x.rows, x.cols);
  for (int64_t s = 0; s < x.rows; ++s) {
    double ss = 0;
    for (int64_t k = 0; k < x.cols; ++k)
      ss += double(x.row(s)[k]) * x.row(s)[k];
    float r = static_cast<float>(1.0 / std::sqrt(ss / x.cols + eps));
    for (int64_t k = 0; k < x.cols; ++k)
      y.row(s)[k] = x.row(s)[k] * r * w[k];
  }
}

/// The rotation of each position and pair of a head, computed once for
/// all heads of q and k.
struct RopeTable {
  int64_t headDim = 0;
  std::vector<float> cs, sn; // [position][pair]
  RopeTable(int64_t rows, int64_t headDim, double theta) : headDim(headDim) {
    int64_t pairs = headDim / 2;
    cs.resize(rows * pairs);
    sn.resize(rows * pairs);
    std::vector<double> freq(pairs);
    for (int64_t p = 0; p < pairs; ++p)
      freq[p] = std::pow(theta, -double(2 * p) / double(headDim));
    for (int64_t s = 0; s < rows; ++s)
      for (int64_t p = 0; p < pairs; ++p) {
        double a = double(s) * freq[p];
        cs[s * pairs + p] = static_cast<float>(std::cos(a));
        sn[s * pairs + p] = static_cast<float>(std::sin(a));
      }
  }
};

static void rope(Matrix &x, const RopeTable &t) {
  int64_t pairs = t.headDim / 2;
  for (int64_t s = 0; s < x.rows; ++s)
    for (int64_t c = 0; c < x.cols; c += 2) {
      int64_t p = (c % t.headDim) / 2;
      float cs = t.cs[s * pairs + p], sn = t.sn[s * pairs + p];
      float v0 = x.row(s)[c], v1 = x.row(s)[c + 1];
      x.row(s)[c] = v0 * cs - v1 * sn;
      x.row(s)[c + 1] = v0 * sn + v1 * cs;
    }
}

void attention(const RefModel &m, const RefLayer &l, const Matrix &x,
               Matrix &attn) {
  Matrix h, q, k, v;
  rmsNorm(x, l.attnNorm, m.eps, h);
  linear(h, l.wq, l.bq, q);
  linear(h, l.wk, l.bk, k);
  linear(h, l.wv, l.bv, v);
  RopeTable table(x.rows, m.headDim, m.theta);
  rope(q, table);
  rope(k, table);
  int64_t T = x.rows, hd = m.headDim, group = l.nHeads / l.nKVHeads;
  float scale = static_cast<float>(1.0 / std::sqrt(double(hd)));
  attn = Matrix(T, l.nHeads * hd);
  // Heads write their own columns.
  forBlocks(l.nHeads, 1, double(T) * T * hd, [&](int64_t h0, int64_t h1) {
    std::vector<float> score(T);
    for (int64_t head = h0; head < h1; ++head) {
      int64_t kvh = head / group;
      for (int64_t s = 0; s < T; ++s) {
        const float *qs = q.row(s) + head * hd;
        int64_t first =
            m.window > 0 ? std::max<int64_t>(0, s - m.window + 1) : 0;
        float mx = -INFINITY;
        for (int64_t t = first; t <= s; ++t) {
          score[t] = dot(qs, k.row(t) + kvh * hd, hd) * scale;
          mx = std::max(mx, score[t]);
        }
        float sum = 0;
        for (int64_t t = first; t <= s; ++t)
          sum += score[t] = std::exp(score[t] - mx);
        float *o = attn.row(s) + head * hd;
        for (int64_t t = first; t <= s; ++t) {
          const float *vt = v.row(t) + kvh * hd;
          float p = score[t] / sum;
          for (int64_t i = 0; i < hd; ++i)
            o[i] += p * vt[i];
        }
      }
    }
  });
}

void ffnActivation(const RefModel &m, const RefLayer &l, const Matrix &x,
                   Matrix &act) {
  Matrix h, up;
  rmsNorm(x, l.ffnNorm, m.eps, h);
  linear(h, l.gate, {}, act);
  linear(h, l.up, {}, up);
  for (size_t i = 0; i < act.data.size(); ++i) {
    float g = act.data[i];
    act.data[i] = g / (1.0f + std::exp(-g)) * up.data[i];
  }
}

static void addInto(Matrix &x, const Matrix &d) {
  for (size_t i = 0; i < x.data.size(); ++i)
    x.data[i] += d.data[i];
}

void finishLayer(const RefModel &m, const RefLayer &l, LayerPoint from,
                 const Matrix &x, LayerTrace &t) {
  Matrix d;
  if (from == LayerPoint::Input)
    attention(m, l, x, t.attn);
  if (from <= LayerPoint::Attention) {
    linear(t.attn, l.wo, l.bo, d);
    t.mid = x;
    addInto(t.mid, d);
  }
  if (from <= LayerPoint::Mid)
    ffnActivation(m, l, t.mid, t.act);
  linear(t.act, l.down, l.bdown, d);
  t.out = t.mid;
  addInto(t.out, d);
}

void runLayer(const RefModel &m, const RefLayer &l, const Matrix &x,
              LayerTrace &t) {
  finishLayer(m, l, LayerPoint::Input, x, t);
}

void runLayers(const RefModel &m, size_t from, Matrix x, Matrix &out) {
  LayerTrace t;
  for (size_t i = from; i < m.layers.size(); ++i) {
    runLayer(m, m.layers[i], x, t);
    x = std::move(t.out);
  }
  out = std::move(x);
}

void logProbs(const RefModel &m, const Matrix &x, Matrix &lp) {
  Matrix h;
  rmsNorm(x, m.outputNorm, m.eps, h);
  linear(h, m.head(), {}, lp);
  forBlocks(lp.rows, 8, 20.0 * lp.cols, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      float *r = lp.row(s);
      float mx = *std::max_element(r, r + lp.cols);
      double sum = 0;
      for (int64_t v = 0; v < lp.cols; ++v)
        sum += std::exp(double(r[v] - mx));
      float lse = mx + static_cast<float>(std::log(sum));
      for (int64_t v = 0; v < lp.cols; ++v)
        r[v] -= lse;
    }
  });
}

void embed(const RefModel &m, ArrayRef<int32_t> tokens, Matrix &x) {
  x = Matrix(static_cast<int64_t>(tokens.size()), m.dim);
  for (size_t s = 0; s < tokens.size(); ++s)
    std::copy_n(m.embedding.row(tokens[s]), m.dim, x.row(s));
}

double meanKL(const Matrix &teacher, const Matrix &student) {
  // Each row's divergence on its own, then summed in order: the same sum
  // on any number of threads.
  std::vector<double> row(teacher.rows);
  forBlocks(teacher.rows, 8, 20.0 * teacher.cols, [&](int64_t s0, int64_t s1) {
    for (int64_t s = s0; s < s1; ++s) {
      const float *a = teacher.row(s), *b = student.row(s);
      double kl = 0;
      for (int64_t v = 0; v < teacher.cols; ++v)
        kl += std::exp(double(a[v])) * (double(a[v]) - double(b[v]));
      row[s] = std::max(kl, 0.0);
    }
  });
  double total = 0;
  for (double kl : row)
    total += kl;
  return teacher.rows ? total / teacher.rows : 0.0;
}

} // namespace dsc
