//===- CUDAProgram.cpp - the forward pass of a CUDA executable ------------===//
//
// Reads the forward function (the dsc dialect; after layout each weight at
// its offset in the blob) into steps for the device (CUDAProgram.h), which
// the code generator writes as launches of the device kernels, and what
// the runtime allocates for them (dsc/abi/cuda_program.h): every activation
// a buffer of its width, every weight its offset, shape and storage, every
// RoPE step its table. An op or a storage the device
// kernels do not cover gives no steps and says why; that executable
// computes on the CPU.
//
//===----------------------------------------------------------------------===//

#include "Dsc/Transforms/CUDAProgram.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/IR/DscTypes.h"
#include "Dsc/IR/QuantTiles.h"

#include "dsc/abi/cuda_program.h"
#include "registry/CUDATargets.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/ADT/DenseMap.h"

#include <cmath>
#include <cstring>

using namespace llvm;

namespace mlir::dsc {

namespace {

struct Emitter {
  explicit Emitter(CUDAProgramStage stage) : stage(stage) {}
  CUDAProgramStage stage;
  std::vector<int64_t> buffers, weights, steps, ropes, pool;
  llvm::DenseMap<Value, int64_t> bufferOf;
  llvm::DenseMap<Operation *, int64_t> weightOf;
  /// The ops each step computes (several where fused), and the op being
  /// read.
  std::vector<SmallVector<Operation *, 3>> opsOf;
  Operation *current = nullptr;
  int64_t head = -1, logits = -1, vocab = 0, attnHeads = 0;
  std::string why;

  bool fail(Operation *op, const Twine &what) {
    if (why.empty())
      why = (op->getName().getStringRef() + ": " + what).str();
    return false;
  }

  int64_t newBuffer(Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    buffers.push_back(t.getDimSize(t.getRank() - 1));
    return bufferOf[v] = buffers.size() - 1;
  }

  /// The weight of a dsc.weight op: its storage as the device reads it.
  std::optional<int64_t> weight(Value v, bool vector) {
    auto w = v.getDefiningOp<WeightOp>();
    if (!w)
      return std::nullopt;
    auto it = weightOf.find(w);
    if (it != weightOf.end())
      return it->second;
    auto g =
        SymbolTable::lookupNearestSymbolFrom<GlobalOp>(w, w.getGlobalAttr());
    bool placing = stage == CUDAProgramStage::Placement;
    if (!g || (!placing && !g.getOffset()))
      return (fail(w, "a weight without an offset"), std::nullopt);
    // Placement: what layout the weight has now, dsc-weights-pack replaces.
    if (!placing && g.getLayoutAttr())
      return (fail(w, "@" + g.getSymName() +
                          " is tiled; the device kernels read the plain "
                          "layout (dsc-gpu-place-forward, dsc-weights-pack)"),
              std::nullopt);
    ArrayRef<int64_t> shape = g.getShapedType().getShape();
    int64_t rows = vector ? 1 : shape[0], cols = shape.back();
    int64_t entry[DSC_CPW_SIZE] = {};
    entry[DSC_CPW_OFFSET] = placing ? 0 : *g.getOffset();
    entry[DSC_CPW_ROWS] = rows;
    entry[DSC_CPW_COLS] = cols;
    if (auto q = dyn_cast<QTensorType>(g.getType())) {
      QuantSchemeAttr s = q.getScheme();
      bool perRowGroups =
          s.getGranularity() == Granularity::Group ||
          (s.getGranularity() == Granularity::Channel && s.getAxis() == 0);
      if (s.isGGML() || !s.getSymmetric() || !perRowGroups || isTwoLevel(s) ||
          (s.getBits() != 8 && s.getBits() != 4))
        return (fail(w, "@" + g.getSymName() +
                            " is stored in a form the device GEMVs do not "
                            "read (they take symmetric int8 and int4 by "
                            "channel or group)"),
                std::nullopt);
      // The kernels index a 4-bit weight's nibbles as one stream over its
      // rows, which the plain layout's rows (padded to whole bytes) are
      // only for an even number of columns.
      if (s.getBits() == 4 && cols % 2)
        return (fail(w, "@" + g.getSymName() +
                            " has 4-bit rows of an odd number of columns"),
                std::nullopt);
      entry[DSC_CPW_KIND] = s.getBits() == 8 ? DSC_CPK_Q8 : DSC_CPK_Q4;
      entry[DSC_CPW_GROUP] = getQuantGroupColumns(q);
      entry[DSC_CPW_SCALE_F32] = s.getScaleType().isF32();
    } else {
      Type e = g.getShapedType().getElementType();
      if (!e.isF32() && !e.isF16())
        return (fail(w, "@" + g.getSymName() + " is neither f32 nor f16"),
                std::nullopt);
      entry[DSC_CPW_KIND] = e.isF32() ? DSC_CPK_F32 : DSC_CPK_F16;
    }
    weights.insert(weights.end(), entry, entry + DSC_CPW_SIZE);
    return weightOf[w] = weights.size() / DSC_CPW_SIZE - 1;
  }

  /// The last `count` steps, when there are that many and none is before
  /// the head (fusing across it would run a step for the wrong rows).
  int64_t *tail(int64_t count) {
    int64_t n = static_cast<int64_t>(steps.size() / kStepWords);
    if (n < count || (head >= 0 && n - count < head))
      return nullptr;
    return &steps[(n - count) * kStepWords];
  }

  /// Replaces the last two steps by `fused`, which computes their ops and
  /// the current one.
  void fuseLastTwo(std::initializer_list<int64_t> fused) {
    SmallVector<Operation *, 3> ops = opsOf[opsOf.size() - 2];
    ops.append(opsOf.back());
    opsOf.resize(opsOf.size() - 2);
    steps.resize(steps.size() - 2 * kStepWords);
    step(fused);
    opsOf.back().insert(opsOf.back().begin(), ops.begin(), ops.end());
  }

  /// The current op computed by the last step too (fused into it).
  void intoLast() { opsOf.back().push_back(current); }

  /// A linear step over buffer x with nothing fused into it yet.
  static bool plainLinear(const int64_t *st, int64_t x) {
    return st[0] == DSC_OP_LINEAR && st[1] == x && !st[4] && !st[5];
  }

  /// A linear op's result read by one op only (the one being fused).
  static bool onlyLinearUse(Value v) {
    return v.getDefiningOp<LinearOp>() && v.hasOneUse();
  }

  void step(std::initializer_list<int64_t> s) {
    size_t at = steps.size();
    steps.resize(at + kStepWords);
    std::copy(s.begin(), s.end(), steps.begin() + at);
    opsOf.push_back({current});
  }

  /// Marks each RMSNorm step whose result only the next step reads, as
  /// the input of its projections (attention's q, k and v, the FFN's gate
  /// and up with SwiGLU, or one projection with no residual added: the
  /// classifier after the final norm), and in the same function (body or
  /// head): for one position, the launch sequence computes the norm in
  /// that step's GEMV kernel where it takes one, and launches none for it.
  void markNormsIntoNext() {
    int64_t n = steps.size() / kStepWords;
    for (int64_t i = 0; i + 1 < n; ++i) {
      int64_t *st = &steps[i * kStepWords], *next = st + kStepWords;
      bool projections = next[0] == DSC_OP_LINEAR3 ||
                         (next[0] == DSC_OP_LINEAR && (next[5] || !next[4]));
      if (st[0] != DSC_OP_RMS_NORM || i + 1 == head || next[1] != st[3] ||
          !projections)
        continue;
      Value normed = cast<RMSNormOp>(opsOf[i].front()).getResult();
      if (llvm::all_of(normed.getUsers(), [&](Operation *user) {
            return llvm::is_contained(opsOf[i + 1], user);
          }))
        st[5] = 1;
    }
  }

  /// Marks each RoPE step of attention's q and k (in one launch) right
  /// before that attention, the keys of the cache's head dim: its launch
  /// stores the keys and values into the cache too (dsc_cuda_rope_kv), and
  /// attention's launches store none. Not where the values are the queries'
  /// buffer, which the launch's other threads rotate as the keys' threads
  /// read it. (Both steps are before the head: neither may follow the
  /// slice.)
  void markRoPEStores(int64_t headDim) {
    int64_t n = steps.size() / kStepWords;
    for (int64_t i = 0; i + 1 < n; ++i) {
      int64_t *st = &steps[i * kStepWords], *next = st + kStepWords;
      if (st[0] == DSC_OP_ROPE && next[0] == DSC_OP_ATTENTION &&
          st[1] == next[1] && st[4] == next[2] + 1 && next[3] != st[1] &&
          st[2] == headDim)
        st[5] = 1;
    }
  }

  std::optional<int64_t> in(Operation *op, Value v) {
    auto it = bufferOf.find(v);
    if (it == bufferOf.end())
      return (fail(op, "an operand the device does not compute"), std::nullopt);
    return it->second;
  }

  bool emit(Operation &op, Value tokens, Value pos) {
    current = &op;
    if (isa<WeightOp, arith::ConstantOp, tensor::DimOp, arith::SubIOp>(op))
      return true; // read where used; the slice below is their only user
    if (auto e = dyn_cast<EmbeddingOp>(op)) {
      auto w = weight(e.getTable(), false);
      if (!w || e.getIds() != tokens)
        return w && fail(&op, "ids other than the tokens");
      // The token ids every embedding of them takes.
      int64_t rows = weights[*w * DSC_CPW_SIZE + DSC_CPW_ROWS];
      vocab = vocab ? std::min(vocab, rows) : rows;
      step({DSC_OP_EMBED, *w, newBuffer(e.getResult())});
      return true;
    }
    if (auto n = dyn_cast<RMSNormOp>(op)) {
      auto x = in(&op, n.getInput());
      auto w = weight(n.getWeight(), true);
      if (!x || !w)
        return false;
      if (weights[*w * DSC_CPW_SIZE + DSC_CPW_KIND] != DSC_CPK_F32)
        return fail(&op, "a norm weight other than f32");
      step({DSC_OP_RMS_NORM, *x, *w, newBuffer(n.getResult()),
            stepFloat(n.getEps().convertToDouble())});
      return true;
    }
    if (auto l = dyn_cast<LinearOp>(op)) {
      if (l.getBias())
        return fail(&op, "a bias");
      auto x = in(&op, l.getInput());
      auto w = weight(l.getWeight(), false);
      if (!x || !w)
        return false;
      if (std::optional<Type> p = l.getPrefillProducts(); p && p->isF16())
        weights[*w * DSC_CPW_SIZE + DSC_CPW_PREFILL_F16] = 1;
      int64_t out = newBuffer(l.getResult());
      // The third of three projections of the same input in a row
      // (attention's q, k and v): one step, one kernel for decode.
      if (int64_t *a = tail(2);
          a && plainLinear(a, *x) && plainLinear(a + kStepWords, *x)) {
        int64_t *b = a + kStepWords;
        fuseLastTwo({DSC_OP_LINEAR3, *x, a[2], a[3], b[2], b[3], *w, out});
        return true;
      }
      step({DSC_OP_LINEAR, *x, *w, out});
      return true;
    }
    if (auto r = dyn_cast<RoPEOp>(op)) {
      auto x = in(&op, r.getInput());
      if (!x)
        return false;
      if (r.getScalingAttr())
        return fail(&op, "RoPE scaling");
      if (r.getPos() != pos)
        return fail(&op, "a position other than the forward's");
      if (head >= 0)
        return fail(&op, "the position read after the slice of the "
                         "positions with logits");
      int64_t hd = r.getHeadDim(), buf = *x;
      // The kernel rotates in place: the input's buffer, unless it is read
      // again.
      if (!r.getInput().hasOneUse()) {
        buf = newBuffer(r.getResult());
        step({DSC_OP_COPY, *x, buf});
      } else {
        bufferOf[r.getResult()] = buf;
      }
      // The inverse frequencies as codegen computes them (float32 of the
      // double), CodegenLowerLinalg.cpp's ropeFrequencies.
      int64_t at = pool.size();
      for (int64_t i = 0; i < hd / 2; ++i) {
        float f =
            static_cast<float>(1.0 / std::pow(r.getTheta().convertToDouble(),
                                              static_cast<double>(2 * i) / hd));
        uint32_t u;
        std::memcpy(&u, &f, 4);
        pool.push_back(u);
      }
      // One table per head dim and frequencies (every layer's, usually).
      int64_t table = 0, tables = ropes.size() / DSC_CPR_SIZE;
      for (; table < tables; ++table) {
        const int64_t *t = &ropes[table * DSC_CPR_SIZE];
        if (t[DSC_CPR_HEAD_DIM] == hd &&
            std::equal(pool.begin() + t[DSC_CPR_FREQS],
                       pool.begin() + t[DSC_CPR_FREQS] + hd / 2,
                       pool.begin() + at)) {
          pool.resize(at);
          break;
        }
      }
      if (table == tables)
        ropes.insert(ropes.end(), {hd, at});
      // Right after RoPE of another buffer with the same table (attention's
      // q, then k): one step, one launch.
      if (int64_t *last = tail(1); last && last[0] == DSC_OP_ROPE && !last[4] &&
                                   last[3] == table && last[1] != buf) {
        last[4] = buf + 1;
        intoLast();
        return true;
      }
      step({DSC_OP_ROPE, buf, hd, table});
      return true;
    }
    if (auto a = dyn_cast<AttentionOp>(op)) {
      auto q = in(&op, a.getQuery()), k = in(&op, a.getKey()),
           v = in(&op, a.getValue());
      if (!q || !k || !v)
        return false;
      if (a.getWindow() || a.getPos() != pos)
        return fail(&op, "a window or a position other than the forward's");
      if (head >= 0)
        return fail(&op, "the position read after the slice of the "
                         "positions with logits");
      attnHeads = std::max<int64_t>(attnHeads, a.getNHeads());
      step({DSC_OP_ATTENTION, *q, *k, *v, newBuffer(a.getResult()),
            static_cast<int64_t>(a.getLayer()),
            static_cast<int64_t>(a.getNHeads()),
            stepFloat(a.getScaleOrDefault())});
      return true;
    }
    if (isa<AddOp, SwiGLUOp>(op)) {
      auto x = in(&op, op.getOperand(0)), y = in(&op, op.getOperand(1));
      if (!x || !y)
        return false;
      // SwiGLU of the two projections just before it (the FFN's gate and
      // up over the same input, each read only here): one step, which
      // the GEMVs that read 16 bytes a lane run as one kernel.
      int64_t *a = isa<SwiGLUOp>(op) ? tail(2) : nullptr;
      if (a && onlyLinearUse(op.getOperand(0)) &&
          onlyLinearUse(op.getOperand(1)) && plainLinear(a, a[1]) &&
          plainLinear(a + kStepWords, a[1]) && *x != *y) {
        int64_t *b = a + kStepWords;
        int64_t *g = a[3] == *x ? a : b[3] == *x ? b : nullptr;
        int64_t *u = a[3] == *y ? a : b[3] == *y ? b : nullptr;
        if (g && u && g != u) {
          // A buffer of its own for the result: the projections' stay for
          // the launches that compute them apart (no kernel writes a
          // buffer it reads).
          fuseLastTwo({DSC_OP_LINEAR, g[1], g[2], newBuffer(op.getResult(0)), 0,
                       1 + u[2], u[3], g[3]});
          return true;
        }
      }
      // The residual add after a projection (attention's output, the FFN's
      // down): into the linear step just before it, whose result only it
      // reads, so that the GEMV adds the residual as it stores and no
      // kernel is launched for the add.
      int64_t *last = isa<AddOp>(op) ? tail(1) : nullptr;
      if (last && plainLinear(last, last[1])) {
        for (int i = 0; i < 2; ++i) {
          int64_t buf = i ? *y : *x, other = i ? *x : *y;
          if (last[3] != buf || !onlyLinearUse(op.getOperand(i)) ||
              other == buf)
            continue;
          // The sum in a buffer of its own; the projection's stays for
          // the launches that add apart (no kernel writes a buffer it
          // reads).
          last[4] = other + 1;
          last[6] = buf;
          last[3] = newBuffer(op.getResult(0));
          intoLast();
          return true;
        }
      }
      step({isa<AddOp>(op) ? DSC_OP_ADD : DSC_OP_SWIGLU, *x, *y,
            newBuffer(op.getResult(0))});
      return true;
    }
    if (auto s = dyn_cast<tensor::ExtractSliceOp>(op)) {
      // The last n_out rows: the device computes one position at a time,
      // and runs the steps after this one for the positions with logits.
      auto x = in(&op, s.getSource());
      if (!x || head >= 0)
        return x && fail(&op, "a second slice");
      bufferOf[s.getResult()] = *x;
      head = steps.size() / kStepWords;
      return true;
    }
    if (auto r = dyn_cast<func::ReturnOp>(op)) {
      auto x =
          r.getNumOperands() == 1 ? in(&op, r.getOperand(0)) : std::nullopt;
      if (!x)
        return false;
      logits = *x;
      return true;
    }
    return fail(&op, "has no device kernel");
  }
};

} // namespace

bool CUDAProgram::readsF16Scales() const {
  return words.size() > DSC_CP_SCALES_F16 && words[DSC_CP_SCALES_F16];
}

bool hasDevice(const TargetInfo &target) {
  return getCUDADevice(target) != nullptr;
}

bool isForwardOnDevice(ModuleOp module, const TargetInfo &target) {
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  return hasDevice(target) && forward && forward->hasAttr(kDeviceForwardAttr);
}

CUDAProgram buildCUDAProgram(ModuleOp module, CUDAProgramStage stage) {
  CUDAProgram p;
  // A program of no steps is still a whole header: the runtime reads it.
  auto none = [&](std::string why) {
    p.note = std::move(why);
    p.words.assign(DSC_CP_HEADER_SIZE, 0);
    p.words[DSC_CP_MAGIC] = DSC_CUDA_PROGRAM_MAGIC;
    return p;
  };
  auto forward = module.lookupSymbol<func::FuncOp>("forward");
  if (!forward || forward.getNumArguments() != 4 || forward.isExternal())
    return none("no forward function of (tokens, pos, n_out, cache)");
  auto cache = dyn_cast<KVCacheType>(forward.getArgument(3).getType());
  Emitter e(stage);
  bool ok = cache && cache.getElementType().isF32();
  if (!ok)
    e.why = "a KV cache of other than f32";
  for (Operation &op : forward.getBody().front())
    if (!(ok =
              ok && e.emit(op, forward.getArgument(0), forward.getArgument(1))))
      break;
  if (ok && (e.head < 0 || e.logits < 0)) {
    ok = false;
    e.why = "no slice of the positions with logits";
  }
  // Every buffer comes from the embedding of the tokens.
  assert(!ok || e.vocab);
  if (!ok)
    return none(e.why);
  e.markNormsIntoNext();
  e.markRoPEStores(cache.getHeadDim());
  std::vector<int64_t> &w = p.words;
  w.assign(DSC_CP_HEADER_SIZE, 0);
  w[DSC_CP_MAGIC] = DSC_CUDA_PROGRAM_MAGIC;
  w[DSC_CP_BUFFERS] = e.buffers.size();
  w[DSC_CP_WEIGHTS] = e.weights.size() / DSC_CPW_SIZE;
  w[DSC_CP_STEPS] = e.steps.size() / kStepWords;
  w[DSC_CP_HEAD] = e.head;
  w[DSC_CP_LOGITS] = e.logits;
  w[DSC_CP_LAYERS] = cache.getNumLayers();
  w[DSC_CP_KV_HEADS] = cache.getNumKVHeads();
  w[DSC_CP_HEAD_DIM] = cache.getHeadDim();
  w[DSC_CP_POOL] = e.pool.size();
  w[DSC_CP_VOCAB] = e.vocab;
  w[DSC_CP_ATTN_HEADS] = e.attnHeads;
  w[DSC_CP_ROPES] = e.ropes.size() / DSC_CPR_SIZE;
  // One scales type for all kernels, a constant of the model: the stored
  // f16 where no weight keeps f32 scales (a mix widens the f16 ones).
  w[DSC_CP_SCALES_F16] = 1;
  for (size_t i = 0; i < e.weights.size(); i += DSC_CPW_SIZE)
    if (e.weights[i + DSC_CPW_SCALE_F32])
      w[DSC_CP_SCALES_F16] = 0;
  for (auto *part : {&e.buffers, &e.weights, &e.ropes, &e.pool})
    w.insert(w.end(), part->begin(), part->end());
  p.steps = std::move(e.steps);
  return p;
}

} // namespace mlir::dsc
