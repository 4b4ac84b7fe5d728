//===- CUDALaunches.cpp - the device forward pass as code -----------------===//
//
// The device program's steps (CUDAProgram.h) become two functions of the
// executable, dsc_cuda_launch_body and dsc_cuda_launch_head
// (dsc/abi/cuda_program.h): straight-line calls of the kernels' host sides
// (dsc_cuda_gemv_q4v, ...: dsc-cuda-lower format=host, in the same module),
// every shape, group, fusion and kernel choice a constant. Each function
// has two sequences: one for a single position (decode: the GEMVs, the
// fused ones where the weights are whole 16-byte vectors, every size a
// constant) and one for a block of positions (the matmuls, each weight
// read once for the block, on tensor cores where the linear op allows).
// What varies at run time comes from the frame the runtime fills: the
// device addresses it allocated, and the KV cache's positions.
//
// The runtime (runtime/cuda/cuda_forward.c) allocates, copies and calls
// these functions, or captures them as a CUDA graph; it reads no step.
//
//===----------------------------------------------------------------------===//

#include "pipeline/CUDALaunches.h"

#include "dsc/abi/cuda_program.h"
#include "dsc/abi/kv_cache.h"

#include "llvm/IR/IRBuilder.h"

#include <array>

using namespace llvm;
using mlir::dsc::CUDAProgram;
using mlir::dsc::kStepWords;

namespace dsc {

namespace {

/// A kernel's argument: a 1-D memref (a device address and its elements,
/// passed as MLIR's expanded descriptor), an i64, or an f32.
struct Arg {
  enum Kind { Mem, Scalar } kind;
  Value *a, *n = nullptr;
};

class LaunchWriter {
public:
  LaunchWriter(Module &m, const CUDAProgram &p)
      : m(m), b(m.getContext()), p(p) {
    const int64_t *w = p.words.data();
    hdr = w;
    width = w + DSC_CP_HEADER_SIZE;
    weights = width + hdr[DSC_CP_BUFFERS];
    i64 = b.getInt64Ty();
    i32 = b.getInt32Ty();
    ptr = b.getPtrTy();
  }

  Error write() {
    if (Error e = function("dsc_cuda_launch_body", false))
      return e;
    return function("dsc_cuda_launch_head", true);
  }

private:
  Module &m;
  IRBuilder<> b;
  const CUDAProgram &p;
  const int64_t *hdr, *width, *weights;
  Type *i64, *i32, *ptr;
  // The sequence being written.
  Value *frame = nullptr, *rows = nullptr, *r = nullptr;
  bool one = false; // a single position
  // The steps before and after the one being written, in its sequence
  // (null at either end).
  const int64_t *prev = nullptr, *next = nullptr;
  Function *fn = nullptr;
  BasicBlock *failed = nullptr;
  std::string error;

  bool fail(const Twine &what) {
    if (error.empty())
      error = what.str();
    return false;
  }

  Value *I(int64_t v) { return b.getInt64(v); }

  /// The frame's word `field` (dsc_cuda_frame).
  Value *word(unsigned field) {
    return b.CreateLoad(i64, b.CreateConstInBoundsGEP1_64(i64, frame, field));
  }

  /// Entry `index` of the frame's table `field`.
  Value *entry(unsigned field, int64_t index) {
    Value *table =
        b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(i64, frame, field));
    return b.CreateLoad(i64, b.CreateConstInBoundsGEP1_64(i64, table, index));
  }

  const int64_t *weight(int64_t i) const { return weights + i * DSC_CPW_SIZE; }
  static bool quantized(const int64_t *w) {
    return w[DSC_CPW_KIND] == DSC_CPK_Q8 || w[DSC_CPW_KIND] == DSC_CPK_Q4;
  }
  /// Columns sharing a scale: a quantized weight's group, a float weight's
  /// whole row.
  static int64_t groupOf(const int64_t *w) {
    return quantized(w) ? w[DSC_CPW_GROUP] : w[DSC_CPW_COLS];
  }
  /// Values in a 32-bit word of a weight of this kind.
  static int64_t perWord(int64_t kind) {
    return kind == DSC_CPK_F32   ? 1
           : kind == DSC_CPK_F16 ? 2
           : kind == DSC_CPK_Q8  ? 4
                                 : 8;
  }

  /// Whether decode's GEMVs that read 16 bytes a lane take weight wi: a
  /// single position, the weight's rows and groups whole 16-byte vectors
  /// (then whole words too). The runtime allocates every buffer aligned, so
  /// the weights are; an activation row r (the head's) is at r times its
  /// width, the weight's columns: whole vectors too.
  bool vectorGemv(int64_t wi) const {
    const int64_t *w = weight(wi);
    int64_t kind = w[DSC_CPW_KIND], vec = 4 * perWord(kind);
    return one && kind != DSC_CPK_F32 && w[DSC_CPW_COLS] % vec == 0 &&
           groupOf(w) % vec == 0;
  }

  /// Whether two weights go through one fused kernel: same kind, columns
  /// and group (SwiGLU's also need the same rows).
  bool alike(int64_t a, int64_t c) const {
    const int64_t *x = weight(a), *y = weight(c);
    return x[DSC_CPW_KIND] == y[DSC_CPW_KIND] &&
           x[DSC_CPW_COLS] == y[DSC_CPW_COLS] && groupOf(x) == groupOf(y);
  }

  /// Whether a block's rows may multiply weight w on tensor cores (its
  /// linear op's prefill_products = f16) and gemm.mlir's kernels take its
  /// shape: rows a multiple of 8, columns and groups of 16.
  static bool tensorCores(const int64_t *w) {
    return w[DSC_CPW_PREFILL_F16] && w[DSC_CPW_KIND] != DSC_CPK_F32 &&
           w[DSC_CPW_ROWS] % 8 == 0 && w[DSC_CPW_COLS] % 16 == 0 &&
           groupOf(w) % 16 == 0;
  }

  /// Whether decode's gate and up projections with SwiGLU (a linear step
  /// with an up weight) run as one kernel: weights alike, of the same rows
  /// and of whole vectors.
  bool swigluKernel(const int64_t *st) const {
    int64_t wg = st[2], wu = st[5] - 1;
    return vectorGemv(wg) && alike(wg, wu) &&
           weight(wg)[DSC_CPW_ROWS] == weight(wu)[DSC_CPW_ROWS];
  }
  /// Whether decode's three projections of a LINEAR3 step run as one
  /// kernel: weights alike and of whole vectors.
  bool linear3Kernel(const int64_t *st) const {
    bool fused = true;
    for (int64_t w : {st[2], st[4], st[6]})
      fused &= vectorGemv(w) && alike(w, st[2]);
    return fused;
  }
  /// Whether step st's one kernel computes an RMSNorm of its input too:
  /// q, k and v, gate and up with SwiGLU, or one projection without a
  /// residual add (the classifier) that reads 16 bytes a lane (the q, k
  /// and v kernel, given one weight).
  bool takesNorm(const int64_t *st) const {
    if (st[0] == DSC_OP_LINEAR3)
      return linear3Kernel(st);
    if (st[0] != DSC_OP_LINEAR)
      return false;
    return st[5] ? swigluKernel(st) : !st[4] && vectorGemv(st[2]);
  }
  /// Whether RMSNorm step `norm` is computed by the kernel of step `after`,
  /// the next, and launches nothing itself (one position).
  bool normInKernel(const int64_t *norm, const int64_t *after) const {
    return one && norm && after && norm[0] == DSC_OP_RMS_NORM && norm[5] &&
           takesNorm(after);
  }

  Arg mem(Value *addr, Value *n) { return {Arg::Mem, addr, n}; }
  Arg mem(Value *addr, int64_t n) { return mem(addr, I(n)); }
  Arg scalar(Value *v) { return {Arg::Scalar, v}; }
  Arg scalar(int64_t v) { return scalar(I(v)); }
  Arg scalarF32(double v) {
    return scalar(ConstantFP::get(b.getFloatTy(), static_cast<float>(v)));
  }

  /// The input, norm weight, eps and flag of a GEMV kernel that takes an
  /// RMSNorm (the step before, whose input it reads instead of x; or none:
  /// the weight, not read, x again).
  std::array<Arg, 4> normArgs(const int64_t *st) {
    if (!normInKernel(prev, st)) {
      Arg x = rowsOf(st[1]);
      return {x, x, scalarF32(0), scalar(int64_t{0})};
    }
    assert(prev[3] == st[1] && "the norm's result is the step's input");
    return {rowsOf(prev[1]), values(prev[2], width[prev[1]]),
            scalarF32(mlir::dsc::stepFloat(prev[4])), scalar(1)};
  }

  /// Row `row` of activation buffer `buf` (one row per position).
  Value *rowAddr(int64_t buf, Value *row) {
    // One instruction a statement: the IR's order is the same whichever
    // order the C++ compiler evaluates arguments in.
    Value *base = entry(DSC_CF_BUF, buf);
    return b.CreateAdd(base, b.CreateMul(row, I(width[buf] * 4)));
  }
  /// The sequence's rows of buffer `buf`.
  Arg rowsOf(int64_t buf) {
    Value *addr = rowAddr(buf, r);
    return mem(addr, b.CreateMul(rows, I(width[buf])));
  }
  /// `per` values a row of the sequence.
  Value *perRow(int64_t per) { return b.CreateMul(rows, I(per)); }

  /// The block's first position, which the kernels that read positions
  /// take from device memory (io).
  Arg at() {
    Value *io = word(DSC_CF_IO);
    return mem(b.CreateAdd(io, I(DSC_CIO_AT)), 1);
  }

  /// Weight wi's values as `elements` elements of the kernel's type.
  Arg values(int64_t wi, int64_t elements) {
    return mem(entry(DSC_CF_WQ, wi), elements);
  }
  /// Weight wi's values as the 16-byte GEMVs take them: F16 values, or the
  /// quantized values as 32-bit words.
  Arg vectorValues(int64_t wi) {
    const int64_t *w = weight(wi);
    int64_t n = w[DSC_CPW_ROWS] * w[DSC_CPW_COLS];
    return values(
        wi, w[DSC_CPW_KIND] == DSC_CPK_F16 ? n : n / perWord(w[DSC_CPW_KIND]));
  }
  Arg scales(int64_t wi) {
    const int64_t *w = weight(wi);
    return mem(entry(DSC_CF_WS, wi),
               w[DSC_CPW_ROWS] * (w[DSC_CPW_COLS] / groupOf(w)));
  }

  /// A call of the kernel function `name` (its host side), whose
  /// parameters must be what `args` pass.
  bool call(StringRef name, ArrayRef<Arg> args) {
    Function *f = m.getFunction(name);
    if (!f)
      return fail("the CUDA kernels define no " + name);
    SmallVector<Value *> v;
    for (const Arg &a : args) {
      if (a.kind == Arg::Scalar) {
        v.push_back(a.a);
        continue;
      }
      Value *p = b.CreateIntToPtr(a.a, ptr);
      v.append({p, p, I(0), a.n, I(1)});
    }
    if (f->arg_size() != v.size())
      return fail(name + " takes " + Twine(f->arg_size()) +
                  " parameters; its launch passes " + Twine(v.size()));
    for (unsigned i = 0; i < v.size(); ++i)
      if (f->getArg(i)->getType() != v[i]->getType())
        return fail("parameter " + Twine(i) + " of " + name +
                    " has another type than its launch passes");
    b.CreateCall(f, v);
    return true;
  }

  /// Returns 1 from the function when `status` (an i32) is not 0.
  void check(Value *status) {
    BasicBlock *next = BasicBlock::Create(m.getContext(), "", fn);
    // In the order the steps run, for who reads the IR.
    next->moveAfter(b.GetInsertBlock());
    b.CreateCondBr(b.CreateICmpNE(status, b.getInt32(0)), failed, next);
    b.SetInsertPoint(next);
  }

  bool embed(const int64_t *st) {
    const int64_t *w = weight(st[1]);
    int64_t vocab = w[DSC_CPW_ROWS], dim = w[DSC_CPW_COLS];
    Arg q = values(st[1], vocab * dim);
    Value *io = word(DSC_CF_IO);
    Value *tokAt =
        b.CreateAdd(io, b.CreateAdd(I(DSC_CIO_TOKENS), b.CreateMul(r, I(4))));
    Arg tok = mem(tokAt, rows), y = rowsOf(st[2]);
    switch (w[DSC_CPW_KIND]) {
    case DSC_CPK_F32:
      return call("dsc_cuda_embed_f32", {q, tok, y, scalar(rows), scalar(dim)});
    case DSC_CPK_F16:
      return call("dsc_cuda_embed_f16", {q, tok, y, scalar(rows), scalar(dim)});
    default:
      return call(w[DSC_CPW_KIND] == DSC_CPK_Q8 ? "dsc_cuda_embed_q8"
                                                : "dsc_cuda_embed_q4",
                  {q, scales(st[1]), tok, y, scalar(rows), scalar(dim),
                   scalar(groupOf(w))});
    }
  }

  bool rmsNorm(const int64_t *st) {
    double eps = mlir::dsc::stepFloat(st[4]);
    int64_t dim = width[st[1]];
    // Rows of whole 16-byte vectors: the kernel that reads a vector a lane.
    return call(dim % 4 == 0 ? "dsc_cuda_rms_norm_v" : "dsc_cuda_rms_norm",
                {rowsOf(st[1]), values(st[2], dim), rowsOf(st[3]), scalar(rows),
                 scalar(dim), scalarF32(eps)});
  }

  /// y = weight wi x: decode's GEMV for one position, the matmul (each
  /// weight read once for all rows) for a block, on tensor cores where
  /// allowed; + res where radd, which only the GEMVs that read 16 bytes a
  /// lane take (vectorGemv: the caller adds apart otherwise).
  bool matvec(int64_t wi, Arg x, Arg y, Arg res, int64_t radd) {
    const int64_t *w = weight(wi);
    int64_t n = w[DSC_CPW_ROWS], k = w[DSC_CPW_COLS], group = groupOf(w);
    int64_t kind = w[DSC_CPW_KIND], per = perWord(kind);
    bool words = k % per == 0 && group % per == 0;
    Arg q = values(wi, n * k);
    Arg R = scalar(rows), N = scalar(n), K = scalar(k), G = scalar(group);
    bool f32 = kind == DSC_CPK_F32, f16 = kind == DSC_CPK_F16,
         q8 = kind == DSC_CPK_Q8;
    if (!one && tensorCores(w)) {
      if (f16)
        return call("dsc_cuda_gemm_wf16", {q, x, y, R, N, K});
      return call(q8 ? "dsc_cuda_gemm_q8" : "dsc_cuda_gemm_q4",
                  {q, scales(wi), x, y, R, N, K, G});
    }
    if (!one) {
      if (f32 || f16)
        return call(f32 ? "dsc_cuda_matmul_f32" : "dsc_cuda_matmul_f16",
                    {q, x, y, R, N, K});
      return call(q8 ? "dsc_cuda_matmul_q8" : "dsc_cuda_matmul_q4",
                  {q, scales(wi), x, y, R, N, K, G});
    }
    if (vectorGemv(wi)) {
      if (f16)
        return call("dsc_cuda_gemv_f16v",
                    {vectorValues(wi), x, res, y, N, K, scalar(radd)});
      return call(
          q8 ? "dsc_cuda_gemv_q8v" : "dsc_cuda_gemv_q4v",
          {vectorValues(wi), scales(wi), x, res, y, N, K, G, scalar(radd)});
    }
    if (f32)
      return call("dsc_cuda_gemv_f32", {q, x, y, N, K});
    if (f16)
      return words ? call("dsc_cuda_gemv_f16w",
                          {values(wi, n * k / per), x, y, N, K})
                   : call("dsc_cuda_gemv_f16", {q, x, y, N, K});
    if (words)
      return call(q8 ? "dsc_cuda_gemv_q8w" : "dsc_cuda_gemv_q4w",
                  {vectorValues(wi), scales(wi), x, y, N, K, G});
    return call(q8 ? "dsc_cuda_gemv_q8" : "dsc_cuda_gemv_q4",
                {q, scales(wi), x, y, N, K, G});
  }

  /// A projection, with the residual add fused into it (st[4]), or the
  /// gate and up projections with SwiGLU (st[5]): for decode one kernel
  /// where both weights are alike and of whole vectors (swigluKernel; the
  /// RMSNorm before them in it too where pending), else both projections
  /// and the SwiGLU kernel.
  bool linear(const int64_t *st) {
    if (st[5] && one && swigluKernel(st)) {
      int64_t wg = st[2], wu = st[5] - 1;
      const int64_t *a = weight(wg);
      Arg n = scalar(a[DSC_CPW_ROWS]), k = scalar(a[DSC_CPW_COLS]);
      auto [x, nw, eps, normed] = normArgs(st);
      Arg y = rowsOf(st[3]);
      if (a[DSC_CPW_KIND] == DSC_CPK_F16)
        return call(
            "dsc_cuda_gemv_f16v_swiglu",
            {vectorValues(wg), vectorValues(wu), x, nw, y, n, k, eps, normed});
      return call(a[DSC_CPW_KIND] == DSC_CPK_Q8 ? "dsc_cuda_gemv_q8v_swiglu"
                                                : "dsc_cuda_gemv_q4v_swiglu",
                  {vectorValues(wg), scales(wg), vectorValues(wu), scales(wu),
                   x, nw, y, n, k, scalar(groupOf(a)), eps, normed});
    }
    Arg x = rowsOf(st[1]), y = rowsOf(st[3]);
    int64_t radd = st[4] != 0;
    Arg res = radd ? rowsOf(st[4] - 1) : y;
    if (!st[5] && normInKernel(prev, st)) {
      // The classifier after the final norm: the kernel of three
      // projections with the norm, given one (the second and third of no
      // rows), so that the one-weight GEMV, which the output and down
      // projections take, keeps no norm's code.
      int64_t wi[3] = {st[2], st[2], st[2]};
      int64_t n[3] = {weight(st[2])[DSC_CPW_ROWS], 0, 0};
      Arg ys[3] = {y, y, y};
      return gemv3(st, wi, n, ys);
    }
    if (!st[5]) {
      if (!radd || vectorGemv(st[2]))
        return matvec(st[2], x, y, res, radd);
      // The product into its own buffer, then the add kernel.
      Arg t = rowsOf(st[6]);
      return matvec(st[2], x, t, t, 0) &&
             call("dsc_cuda_add", {t, res, y, scalar(perRow(width[st[3]]))});
    }
    int64_t wg = st[2], wu = st[5] - 1;
    int64_t n = weight(wg)[DSC_CPW_ROWS];
    Arg u = rowsOf(st[6]), gate = rowsOf(st[7]);
    return matvec(wg, x, gate, gate, 0) && matvec(wu, x, u, u, 0) &&
           call("dsc_cuda_swiglu", {gate, u, y, scalar(perRow(n))});
  }

  /// Three linear steps over the same input: for decode one kernel where
  /// the weights are alike and of whole vectors (linear3Kernel; the
  /// RMSNorm before them in it too where pending), else one after another.
  bool linear3(const int64_t *st) {
    int64_t wi[3] = {st[2], st[4], st[6]};
    if (!one || !linear3Kernel(st)) {
      Arg x = rowsOf(st[1]);
      for (int i = 0; i < 3; ++i) {
        Arg y = rowsOf(st[3 + 2 * i]);
        if (!matvec(wi[i], x, y, y, 0))
          return false;
      }
      return true;
    }
    int64_t n[3];
    for (int i = 0; i < 3; ++i)
      n[i] = weight(wi[i])[DSC_CPW_ROWS];
    Arg y[3] = {rowsOf(st[3]), rowsOf(st[5]), rowsOf(st[7])};
    return gemv3(st, wi, n, y);
  }

  /// Step st's one kernel of three GEMVs over its input (weights wi alike,
  /// n[i] rows of the i-th: 0 for none) into y, with the RMSNorm before
  /// it where the kernel computes that (normArgs).
  bool gemv3(const int64_t *st, const int64_t wi[3], const int64_t n[3],
             const Arg y[3]) {
    auto [x, nw, eps, normed] = normArgs(st);
    const int64_t *w0 = weight(wi[0]);
    int64_t kind = w0[DSC_CPW_KIND];
    Arg rows[3], q[3], s[3];
    for (int i = 0; i < 3; ++i) {
      rows[i] = scalar(n[i]);
      q[i] = vectorValues(wi[i]);
      if (kind != DSC_CPK_F16)
        s[i] = scales(wi[i]);
    }
    Arg k = scalar(w0[DSC_CPW_COLS]);
    if (kind == DSC_CPK_F16)
      return call("dsc_cuda_gemv_f16v3",
                  {q[0], q[1], q[2], x, nw, y[0], y[1], y[2], rows[0], rows[1],
                   rows[2], k, eps, normed});
    return call(
        kind == DSC_CPK_Q8 ? "dsc_cuda_gemv_q8v3" : "dsc_cuda_gemv_q4v3",
        {q[0], s[0], q[1], s[1], q[2], s[2], x, nw, y[0], y[1], y[2], rows[0],
         rows[1], rows[2], k, scalar(groupOf(w0)), eps, normed});
  }

  /// Layer `layer`'s key and value blocks of the cache.
  std::array<Arg, 2> cacheBlocks(int64_t layer) {
    int64_t kvh = hdr[DSC_CP_KV_HEADS], hd = hdr[DSC_CP_HEAD_DIM];
    Value *positions = word(DSC_CF_POSITIONS), *cache = word(DSC_CF_CACHE);
    // A layer's blocks are at a multiple of the positions (kv_cache.h).
    auto block = [&](int which) {
      return b.CreateAdd(
          cache, b.CreateMul(positions,
                             I(dsc_kv_block(layer, which, kvh, 1, hd) * 4)));
    };
    Value *cacheValues = b.CreateMul(positions, I(kvh * hd));
    return {mem(block(0), cacheValues), mem(block(1), cacheValues)};
  }

  /// RoPE in place over st[1] (and st[4] - 1 in the same launch), the
  /// positions from io's first, with table st[3]'s cos and sin; where
  /// st[5], the attention step after it (next) has its keys (st[4] - 1)
  /// and values stored into the cache by the same launch.
  bool rope(const int64_t *st) {
    int64_t hd = st[2], half = hd / 2;
    Value *tableRows = b.CreateMul(word(DSC_CF_POSITIONS), I(half));
    Arg cs = mem(entry(DSC_CF_ROPE, 2 * st[3]), tableRows);
    Arg sn = mem(entry(DSC_CF_ROPE, 2 * st[3] + 1), tableRows);
    Arg x = rowsOf(st[1]), x2 = st[4] ? rowsOf(st[4] - 1) : x;
    int64_t heads2 = st[4] ? width[st[4] - 1] / hd : 0;
    // A braced list: its arguments' IR in this order.
    SmallVector<Arg, 12> args({x, x2, cs, sn, at(), scalar(rows),
                               scalar(width[st[1]] / hd), scalar(heads2),
                               scalar(hd)});
    if (!st[5])
      return call("dsc_cuda_rope", args);
    assert(next[0] == DSC_OP_ATTENTION && next[2] == st[4] - 1 &&
           "the attention of the keys RoPE rotates second");
    auto [kc, vc] = cacheBlocks(next[5]);
    args.append({rowsOf(next[3]), kc, vc});
    return call("dsc_cuda_rope_kv", args);
  }

  /// The rows' keys and values into the cache, unless the RoPE launch
  /// before stored them, then attention.
  bool attention(const int64_t *st) {
    int64_t kvh = hdr[DSC_CP_KV_HEADS], hd = hdr[DSC_CP_HEAD_DIM];
    int64_t heads = st[6];
    double scale = mlir::dsc::stepFloat(st[7]);
    auto [kc, vc] = cacheBlocks(st[5]);
    Arg first = at();
    Value *scoresAt = word(DSC_CF_SCORES);
    Value *positions = word(DSC_CF_POSITIONS);
    Arg scores = mem(scoresAt, b.CreateMul(perRow(heads), positions));
    // The partial sums: their size gives the kernel its warps.
    Arg part = mem(word(DSC_CF_PART), perRow(heads * DSC_CUDA_ATTN_WARPS * hd));
    bool storedByRoPE = prev && prev[0] == DSC_OP_ROPE && prev[5];
    return (storedByRoPE || call("dsc_cuda_kv_store",
                                 {rowsOf(st[2]), rowsOf(st[3]), kc, vc, first,
                                  scalar(rows), scalar(kvh), scalar(hd)})) &&
           call("dsc_cuda_attention",
                {rowsOf(st[1]), kc, vc, scores, part, rowsOf(st[4]), first,
                 scalar(rows), scalar(heads), scalar(kvh), scalar(hd),
                 scalarF32(scale)});
  }

  bool step(const int64_t *st) {
    switch (st[0]) {
    case DSC_OP_EMBED:
      return embed(st);
    case DSC_OP_RMS_NORM:
      return rmsNorm(st);
    case DSC_OP_LINEAR:
      return linear(st);
    case DSC_OP_LINEAR3:
      return linear3(st);
    case DSC_OP_ROPE:
      return rope(st);
    case DSC_OP_ATTENTION:
      return attention(st);
    case DSC_OP_ADD:
    case DSC_OP_SWIGLU:
      return call(st[0] == DSC_OP_ADD ? "dsc_cuda_add" : "dsc_cuda_swiglu",
                  {rowsOf(st[1]), rowsOf(st[2]), rowsOf(st[3]),
                   scalar(perRow(width[st[3]]))});
    case DSC_OP_COPY: {
      FunctionCallee copy = m.getOrInsertFunction(
          "dsc_cuda_copy_rows", FunctionType::get(i32, {i64, i64, i64}, false));
      check(b.CreateCall(copy, {rowAddr(st[2], r), rowAddr(st[1], r),
                                perRow(width[st[1]] * 4)}));
      return true;
    }
    default:
      return fail("a step of unknown kind " + Twine(st[0]));
    }
  }

  /// Steps [from, to) at the insertion point, each followed by its report.
  bool sequence(int64_t from, int64_t to) {
    FunctionCallee done = m.getOrInsertFunction(
        "dsc_cuda_step_done", FunctionType::get(i32, {i64}, false));
    for (int64_t i = from; i < to; ++i) {
      const int64_t *st = &p.steps[i * kStepWords];
      prev = i > from ? st - kStepWords : nullptr;
      next = i + 1 < to ? st + kStepWords : nullptr;
      // A norm the next step's kernel computes: no launch, no report.
      if (normInKernel(st, next))
        continue;
      if (!step(st))
        return false;
      check(b.CreateCall(done, {I(st[0])}));
    }
    b.CreateRet(b.getInt32(0));
    return true;
  }

  /// The body (head = false: the steps before the head, from row 0) or
  /// the head (its steps, from row r): a sequence for one position and one
  /// for a block.
  Error function(StringRef name, bool head) {
    // (frame, rows), or the head's (frame, r, rows).
    SmallVector<Type *> params(head ? 3 : 2, i64);
    params[0] = ptr;
    if (m.getFunction(name))
      return createStringError(inconvertibleErrorCode(),
                               Twine("the executable defines ") + name +
                                   " twice");
    fn = Function::Create(FunctionType::get(i32, params, false),
                          GlobalValue::ExternalLinkage, name, m);
    frame = fn->getArg(0);
    Value *n = fn->getArg(head ? 2 : 1), *row = head ? fn->getArg(1) : I(0);
    LLVMContext &c = m.getContext();
    BasicBlock *start = BasicBlock::Create(c, "start", fn);
    BasicBlock *single = BasicBlock::Create(c, "position", fn);
    BasicBlock *block = BasicBlock::Create(c, "block", fn);
    failed = BasicBlock::Create(c, "failed", fn);
    b.SetInsertPoint(failed);
    b.CreateRet(b.getInt32(1));
    b.SetInsertPoint(start);
    b.CreateCondBr(b.CreateICmpEQ(n, I(1)), single, block);
    int64_t steps = p.steps.size() / kStepWords;
    int64_t from = head ? hdr[DSC_CP_HEAD] : 0,
            to = head ? steps : hdr[DSC_CP_HEAD];
    // One position: every size a constant.
    b.SetInsertPoint(single);
    one = true;
    rows = I(1);
    r = row;
    if (!sequence(from, to))
      return createStringError(inconvertibleErrorCode(),
                               "the device's launch sequence: " + error);
    b.SetInsertPoint(block);
    one = false;
    rows = n;
    if (!sequence(from, to))
      return createStringError(inconvertibleErrorCode(),
                               "the device's launch sequence: " + error);
    return Error::success();
  }
};

} // namespace

Error emitCUDALaunches(Module &code, const CUDAProgram &program) {
  return LaunchWriter(code, program).write();
}

} // namespace dsc
