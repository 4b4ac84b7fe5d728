//===- Reference.h - a float forward pass of the model on the host -*- C++ -*-===//
//
// Pruning measures what removing a structure does to the model's next-token
// distributions, and refits projections to the teacher's layer outputs: it
// runs the model many times, on the calibration text, with structures
// removed and intermediate values kept. Compiling an executable per
// variant is out of the question, so this is a plain float forward pass
// over the weights the IR names (what dsc's ops compute: RMSNorm, linear
// layers with optional biases, interleaved RoPE, causal grouped-query
// attention, SwiGLU). Layers may differ in their head count and FFN width,
// as they do while pruning.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PRUNE_REFERENCE_H
#define DSC_PRUNE_REFERENCE_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace dsc {

/// Row-major float matrix.
struct Matrix {
  int64_t rows = 0, cols = 0;
  std::vector<float> data;
  Matrix() = default;
  Matrix(int64_t r, int64_t c) : rows(r), cols(c), data(r * c, 0.0f) {}
  float *row(int64_t r) { return data.data() + r * cols; }
  const float *row(int64_t r) const { return data.data() + r * cols; }
};

struct RefLayer {
  int64_t nHeads = 0, nKVHeads = 0, hidden = 0;
  std::vector<float> attnNorm, ffnNorm;
  Matrix wq, wk, wv, wo, gate, up, down;
  std::vector<float> bq, bk, bv; // empty without attention biases
  // Biases of the output projections: only a pruned model's refit with an
  // intercept has them (empty otherwise).
  std::vector<float> bo, bdown;
};

struct RefModel {
  int64_t vocab = 0, dim = 0, headDim = 0, window = 0;
  double eps = 1e-5, theta = 10000.0;
  Matrix embedding, classifier; // classifier empty: tied to the embedding
  std::vector<float> outputNorm;
  std::vector<RefLayer> layers;

  const Matrix &head() const {
    return classifier.rows ? classifier : embedding;
  }
};

/// The model `module` holds (unquantized float weights, the forward pass of
/// the frontend); an error names what it cannot run (RoPE scaling, an
/// already quantized weight).
llvm::Expected<RefModel> loadReference(mlir::ModuleOp module);

/// y = x w^T (+ b).
void linear(const Matrix &x, const Matrix &w, llvm::ArrayRef<float> b,
            Matrix &y);

/// y = x / rms(x) * w, row by row.
void rmsNorm(const Matrix &x, llvm::ArrayRef<float> w, double eps, Matrix &y);

/// The values one layer computes from its input `x` (a window of tokens
/// from position 0).
struct LayerTrace {
  Matrix attn;  // attention output, the o projection's input
  Matrix mid;   // residual stream after the attention block
  Matrix act;   // SiLU(gate) * up, the down projection's input
  Matrix out;   // residual stream after the FFN block
};

/// Attention block: the o projection's input.
void attention(const RefModel &m, const RefLayer &l, const Matrix &x,
               Matrix &attn);
/// FFN block: the down projection's input.
void ffnActivation(const RefModel &m, const RefLayer &l, const Matrix &x,
                   Matrix &act);
/// Where in a layer a computation starts: its input, the o projection's
/// input (LayerTrace::attn), the residual after attention (mid), or the
/// down projection's input (act, with mid).
enum class LayerPoint { Input, Attention, Mid, Act };
/// The rest of one layer from `from`, `t` holding what the layer computed
/// before it (and `x` its input, up to Attention): t.out, and what it
/// computed on the way.
void finishLayer(const RefModel &m, const RefLayer &l, LayerPoint from,
                 const Matrix &x, LayerTrace &t);
/// One layer, with what it computed on the way.
void runLayer(const RefModel &m, const RefLayer &l, const Matrix &x,
              LayerTrace &t);
/// The residual stream after layers [from, end) given their input `x`.
void runLayers(const RefModel &m, size_t from, Matrix x, Matrix &out);
/// Log-probabilities of the next token from the last residual stream.
void logProbs(const RefModel &m, const Matrix &x, Matrix &lp);
/// The embedded tokens.
void embed(const RefModel &m, llvm::ArrayRef<int32_t> tokens, Matrix &x);

/// Mean over rows of KL(teacher || student) of log-probability rows.
double meanKL(const Matrix &teacher, const Matrix &student);

} // namespace dsc

#endif
