//===- Plan.h - which structures to remove, and refitted weights -*- C++ -*-===//
//
// Structured pruning on the float reference (Reference.h): every candidate
// structure (whole layers, attention heads, FFN channels) gets a score,
// each layer loses the same number of the lowest-scored ones (so that the
// model keeps one head count and one FFN width, which the KV cache and the
// model descriptor need), and the output projections of what is left can
// be refitted to the teacher's layer outputs by least squares.
//
// The teacher method scores a structure by the KL divergence between the
// teacher's next-token distributions and those of the model without it,
// measured exactly on the calibration windows; the magnitude method by the
// squared norm of the structure's weights.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PRUNE_PLAN_H
#define DSC_PRUNE_PLAN_H

#include "prune/Reference.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <optional>

namespace dsc {

/// What `--prune` asks for: fractions of each layer's FFN channels and of
/// its attention heads, and a number of whole layers.
struct PruneSpec {
  double ffn = 0, heads = 0;
  int64_t layers = 0;
  bool empty() const { return ffn == 0 && heads == 0 && layers == 0; }
};

/// Parses `ffn=F,heads=H,layers=N` (any subset, any order); the error says
/// which part is wrong.
llvm::Expected<PruneSpec> parsePruneSpec(llvm::StringRef text);

enum class PruneMethod { Teacher, Magnitude };

/// How the heads of a layer are removed for a fraction of them.
struct HeadCut {
  int64_t kvGroups = 0;      // whole KV groups (with their query heads)
  int64_t queryPerGroup = 0; // or query heads within every group
};
/// The cut that removes round(fraction * nHeads) query heads: whole KV
/// groups where that count is a multiple of the group size and leaves a
/// group, else the same number of query heads in every group; an error
/// when neither fits.
llvm::Expected<HeadCut> headCut(int64_t nHeads, int64_t nKVHeads,
                                double fraction);

/// FFN channels removed of `hidden` for `fraction`: the kept count is
/// rounded to a multiple of `align` (halved until some channels go and
/// some stay), so that quantized kernels take the pruned width (int4 needs
/// whole groups of columns in the down projection, whole tiles of rows in
/// gate and up).
int64_t ffnChannelsRemoved(int64_t hidden, double fraction, int64_t align);

struct PruneOptions {
  PruneSpec spec;
  int64_t align = 32;      // FFN width kept: a multiple of this
  PruneMethod method = PruneMethod::Teacher;
  bool refit = true;       // least-squares refit (teacher method)
  /// Teacher scores measured exactly (a forward pass per structure) or by
  /// the second-order estimate (estimateScores).
  bool exact = true;
  double ridge = 0.1;      // refit regularization, relative to mean |A|^2
  /// The refit fits an intercept too (a bias on attn_output and ffn_down,
  /// standing for the mean the removed structures contributed), kept where
  /// it lowers the fit's calibration error.
  bool biasCorrect = false;
  /// Each RMSNorm scale of the student (attn_norm and ffn_norm of the
  /// layers refitted, output_norm) is refitted per channel so that the
  /// normalized input matches the teacher's in least squares.
  bool normCorrect = true;
  std::function<void(llvm::StringRef)> progress; // status lines, or null
};

/// A scored structure, for the scores file.
struct Score {
  std::string kind; // layer, head (a query head), group (a KV group), ffn
  int64_t layer, index;
  double score;
  bool removed;
};

struct PlanLayer {
  int64_t source;                       // layer index in the teacher
  std::vector<int64_t> qHeads, kvHeads; // kept, increasing
  std::vector<int64_t> channels;        // kept FFN channels, increasing
  std::optional<Matrix> wo, down;       // refitted (else: sliced)
  std::vector<float> bo, bdown;         // refitted biases (else: none)
  std::optional<std::vector<float>> attnNorm, ffnNorm; // refitted scales
};

struct PrunePlan {
  std::vector<PlanLayer> layers; // the student's layers, in order
  std::vector<Score> scores;
  std::optional<std::vector<float>> outputNorm; // refitted scale
  double calibKL = 0; // KL(teacher || student) on the scoring windows
};

/// Plans the pruning of `teacher`: `score` are the windows structures are
/// scored on, `fit` those the projections are refitted on.
llvm::Expected<PrunePlan> planPruning(const RefModel &teacher,
                                      llvm::ArrayRef<std::vector<int32_t>> score,
                                      llvm::ArrayRef<std::vector<int32_t>> fit,
                                      const PruneOptions &options);

/// Multiply-adds of exact teacher scoring of `spec` on `tokens` tokens, to
/// choose between exact scores and the estimate.
double exactScoringCost(const RefModel &teacher, const PruneSpec &spec,
                        int64_t tokens);

/// `teacher` with the plan applied: the student the plan describes.
RefModel applyPlan(const RefModel &teacher, const PrunePlan &plan);

/// A projection fitted by least squares, and its squared error.
struct Refit {
  Matrix w;                // out x in
  std::vector<float> bias; // out, or empty without an intercept
  double error = 0;        // sum over the pairs of |x w^T + bias - y|^2
};

/// The w (and with `intercept` the bias b) minimizing
/// sum |x w^T + b - y|^2 + lambda |w - w0|^2 over the pairs (xs[k], ys[k]),
/// lambda = ridge * mean |x_i|^2 (the bias is not regularized); none if
/// it does not fit them better than w0 without a bias.
std::optional<Refit> leastSquares(llvm::ArrayRef<Matrix> xs,
                                  llvm::ArrayRef<Matrix> ys, const Matrix &w0,
                                  double ridge, bool intercept);

/// The RMSNorm scale g' minimizing sum_t |g' n(s_t) - g n(t_t)|^2, with n
/// the RMS-normalization of the student's inputs `s` and the teacher's `t`
/// (rows of the pairs of matrices) and g the teacher's scale; none if it
/// does not lower that error.
std::optional<std::vector<float>> fitNormScale(llvm::ArrayRef<Matrix> s,
                                               llvm::ArrayRef<Matrix> t,
                                               llvm::ArrayRef<float> g,
                                               double eps);

/// Solves (G + lambda I) X = B for symmetric positive definite G (n x n)
/// and B (n x m) in place of B; false if G + lambda I is not positive
/// definite.
bool solveRidge(std::vector<double> G, std::vector<double> &B, int64_t n,
                int64_t m, double lambda);

} // namespace dsc

#endif
