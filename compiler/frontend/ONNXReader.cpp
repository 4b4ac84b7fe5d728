//===- ONNXReader.cpp - ONNX decoder-only Llama graphs --------------------===//
//
// Recognizes the dataflow of a Llama decoder as exporters (onnxruntime-genai,
// optimum) emit it and maps its initializers to canonical weights:
//
//   Gather(embed, input_ids)
//   per layer: [Skip]SimplifiedLayerNormalization -> MatMul q/k/v [+ Add bias]
//              -> RotaryEmbedding -> MultiHeadAttention | GroupQueryAttention
//              -> MatMul o_proj -> SkipSimplifiedLayerNormalization
//              -> MatMul gate/up -> Sigmoid, Mul, Mul -> MatMul down
//   final norm -> MatMul lm_head -> logits
//
// Attention masks and position ids are recomputed by dsc (causal masking
// over the KV cache), so the mask subgraph is not translated. Any other op
// on the path from input_ids to logits is refused by name.
//
//===----------------------------------------------------------------------===//

#include "frontend/Checkpoint.h"
#include "support/Errors.h"

#include "onnx.pb.h"

#include "dsc/base.h"
#include "dsc/half.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <map>
#include <set>

using namespace llvm;

namespace dsc {

namespace {

/// Input or output `i` of a node, or "" when it has fewer: protobuf's
/// accessors do not check the index, and exports are untrusted.
const std::string &inputOf(const onnx::NodeProto &n, int i) {
  static const std::string none;
  return i >= 0 && i < n.input_size() ? n.input(i) : none;
}
const std::string &outputOf(const onnx::NodeProto &n, int i) {
  static const std::string none;
  return i >= 0 && i < n.output_size() ? n.output(i) : none;
}

struct Initializer {
  const onnx::TensorProto *proto;
  std::vector<int64_t> dims;
  std::string file; // where the bytes are
  uint64_t offset = 0, size = 0;
};

class ONNXMatcher {
public:
  ONNXMatcher(StringRef path, const onnx::GraphProto &g) : path(path), g(g) {}
  Expected<Checkpoint> run();

private:
  Error fail(const Twine &what) { return fileError(path, what); }
  Error unsupported(const onnx::NodeProto &n) {
    return fail("unsupported ONNX op '" + n.op_type() + "'" +
                (n.domain().empty() ? "" : " (domain " + n.domain() + ")") +
                " at node '" + n.name() + "'");
  }
  Error loadInitializers();
  /// The single consumer of `value` with op `op`, or null.
  const onnx::NodeProto *consumer(StringRef value, StringRef op) const;
  std::vector<const onnx::NodeProto *> consumers(StringRef value) const;
  Expected<TensorRef> weight(StringRef init, const std::string &name,
                             bool transpose);
  Expected<double> ropeTheta(StringRef cosName, StringRef sinName,
                             int64_t headDim);
  Error checkOps();

  std::string path;
  const onnx::GraphProto &g;
  StringMap<Initializer> inits;
  StringMap<std::vector<const onnx::NodeProto *>> users;
  std::unique_ptr<MemoryBuffer> modelBytes;
  std::set<std::string> reached; // nodes on the decoder path
  int64_t cacheRows = 0, cacheCols = 0;
};

} // namespace

const onnx::NodeProto *ONNXMatcher::consumer(StringRef value,
                                             StringRef op) const {
  auto it = users.find(value);
  if (it == users.end())
    return nullptr;
  for (const onnx::NodeProto *n : it->second)
    if (n->op_type() == op)
      return n;
  return nullptr;
}

std::vector<const onnx::NodeProto *>
ONNXMatcher::consumers(StringRef value) const {
  auto it = users.find(value);
  return it == users.end() ? std::vector<const onnx::NodeProto *>{}
                           : it->second;
}

Error ONNXMatcher::loadInitializers() {
  std::string dir = sys::path::parent_path(path).str();
  for (const onnx::TensorProto &t : g.initializer()) {
    Initializer in;
    in.proto = &t;
    in.dims.assign(t.dims().begin(), t.dims().end());
    uint64_t n = 1;
    for (size_t i = 0; i < in.dims.size(); ++i) {
      int64_t d = in.dims[i];
      if (d < 0 || d > (int64_t(1) << 40) ||
          (d && n > (uint64_t(1) << 48) / static_cast<uint64_t>(d)))
        return fail("initializer '" + t.name() + "': dims[" +
                    std::to_string(i) + "] = " + std::to_string(d) +
                    " is negative or makes more than 2^48 elements");
      n *= static_cast<uint64_t>(d);
    }
    if (t.data_location() == onnx::TensorProto::EXTERNAL) {
      std::string location;
      int64_t offset = 0, length = -1;
      for (const auto &kv : t.external_data()) {
        if (kv.key() == "location")
          location = kv.value();
        else if (kv.key() == "offset")
          offset = std::strtoll(kv.value().c_str(), nullptr, 10);
        else if (kv.key() == "length")
          length = std::strtoll(kv.value().c_str(), nullptr, 10);
      }
      if (offset < 0 || length < -1)
        return fail("initializer '" + t.name() +
                    "': external data offset or length is negative");
      SmallString<256> p(dir);
      sys::path::append(p, location);
      if (location.empty() || !sys::fs::exists(p))
        return fail("initializer '" + t.name() + "': external data file '" +
                    location + "' is missing");
      in.file = std::string(p);
      in.offset = static_cast<uint64_t>(offset);
      in.size = length >= 0 ? static_cast<uint64_t>(length) : 0;
    } else if (t.has_raw_data()) {
      // Inline bytes are stored verbatim in the protobuf: find them in the
      // file so the weight can be referenced like any other.
      StringRef hay = modelBytes->getBuffer();
      size_t at = hay.find(StringRef(t.raw_data()));
      if (at == StringRef::npos)
        return fail("initializer '" + t.name() + "': raw data not found");
      in.file = path;
      in.offset = at;
      in.size = t.raw_data().size();
    }
    inits[t.name()] = std::move(in);
  }
  return Error::success();
}

Expected<TensorRef> ONNXMatcher::weight(StringRef init, const std::string &name,
                                        bool transpose) {
  auto it = inits.find(init);
  if (it == inits.end())
    return fail("'" + init + "' used as the weight '" + name +
                "' is not an initializer");
  const Initializer &in = it->second;
  TensorRef t;
  t.name = name;
  t.fileName = init.str();
  t.file = in.file;
  t.offset = in.offset;
  switch (in.proto->data_type()) {
  case onnx::TensorProto::FLOAT: t.encoding = Encoding::F32; break;
  case onnx::TensorProto::FLOAT16: t.encoding = Encoding::F16; break;
  case onnx::TensorProto::BFLOAT16: t.encoding = Encoding::BF16; break;
  default:
    return fail("initializer '" + init + "': data type " +
                std::to_string(in.proto->data_type()) +
                " is not supported (FLOAT, FLOAT16, BFLOAT16)");
  }
  uint64_t n = 1;
  for (int64_t d : in.dims)
    n *= static_cast<uint64_t>(d);
  t.size = in.size ? in.size : encodedSize(t.encoding, n);
  if (transpose) {
    if (in.dims.size() != 2)
      return fail("initializer '" + init + "' of a MatMul must be 2-D");
    t.shape = {in.dims[1], in.dims[0]};
    t.fixups.push_back({TensorFixup::Transpose});
  } else {
    t.shape = in.dims;
  }
  uint64_t fileSize = 0;
  sys::fs::file_size(t.file, fileSize);
  if (t.offset > fileSize || t.size > fileSize - t.offset)
    return fileError(t.file, "initializer '" + init + "' at offset " +
                                 std::to_string(t.offset) +
                                 " runs past the end of the file");
  return t;
}

/// Recovers RoPE's base from the cos/sin caches: the phase of frequency i
/// grows by theta^(-2i/d) per position.
Expected<double> ONNXMatcher::ropeTheta(StringRef cosName, StringRef sinName,
                                        int64_t headDim) {
  auto read = [&](StringRef name) -> Expected<std::vector<float>> {
    auto t = weight(name, name.str(), false);
    if (!t)
      return t.takeError();
    if (t->shape.size() != 2)
      return fail("'" + name + "' must be a 2-D [positions, dim/2] cache");
    // Its bytes are read here, before validateCheckpoint sees any size.
    if (t->shape[0] > ConfigLimits::seqLen || t->shape[1] > ConfigLimits::headDim)
      return fail("'" + name + "' is [" + std::to_string(t->shape[0]) + ", " +
                  std::to_string(t->shape[1]) + "], larger than dsc's limits (" +
                  std::to_string(ConfigLimits::seqLen) + " positions, " +
                  std::to_string(ConfigLimits::headDim) + " columns)");
    uint64_t n = static_cast<uint64_t>(t->shape[0] * t->shape[1]);
    if (t->size != encodedSize(t->encoding, n) ||
        (t->encoding != Encoding::F32 && t->encoding != Encoding::F16))
      return fail("'" + name + "' holds " + std::to_string(t->size) +
                  " bytes, not " + std::to_string(n) +
                  " float32 or float16 elements");
    auto buf = MemoryBuffer::getFileSlice(t->file, t->size, t->offset);
    if (!buf)
      return fail("cannot read '" + name + "'");
    std::vector<float> v(t->shape[0] * t->shape[1]);
    const auto *p = reinterpret_cast<const uint8_t *>((*buf)->getBufferStart());
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = t->encoding == Encoding::F32
                 ? dsc_load_f32(p + 4 * i)
                 : dsc_f16_to_f32(dsc_load_u16(p + 2 * i));
    cacheRows = t->shape[0];
    cacheCols = t->shape[1];
    return v;
  };
  auto cs = read(cosName);
  if (!cs)
    return cs.takeError();
  auto sn = read(sinName);
  if (!sn)
    return sn.takeError();
  // Frequency 1 is read below, so there must be two.
  if (cacheCols * 2 != headDim || cacheCols < 2 || cacheRows < 8)
    return fail("RoPE caches are [" + std::to_string(cacheRows) + ", " +
                std::to_string(cacheCols) + "], expected [positions, " +
                std::to_string(headDim / 2) + "]");
  // Frequency 1: unwrap its phase over the first positions, fit the slope.
  int64_t rows = std::min<int64_t>(cacheRows, 64);
  double prev = 0, unwrapped = 0, sxy = 0, sxx = 0;
  for (int64_t p = 1; p < rows; ++p) {
    double ph = std::atan2((*sn)[p * cacheCols + 1], (*cs)[p * cacheCols + 1]);
    double d = ph - prev;
    while (d < -M_PI)
      d += 2 * M_PI;
    while (d > M_PI)
      d -= 2 * M_PI;
    unwrapped += d;
    prev = ph;
    sxy += p * unwrapped;
    sxx += double(p) * p;
  }
  double freq1 = sxy / sxx;
  if (!(freq1 > 0 && freq1 < 1))
    return fail("RoPE caches do not look like standard rotary embeddings");
  double theta = std::pow(freq1, -static_cast<double>(headDim) / 2.0);
  // The caches are f16; snap to the round bases models use.
  for (double known : {10000.0, 100000.0, 500000.0, 1000000.0, 5000000.0,
                       10000000.0})
    if (std::fabs(theta - known) / known < 0.02)
      return known;
  return theta;
}

Expected<Checkpoint> ONNXMatcher::run() {
  auto mb = MemoryBuffer::getFile(path, false, false);
  if (!mb)
    return fail("cannot read: " + mb.getError().message());
  modelBytes = std::move(*mb);
  if (Error e = loadInitializers())
    return std::move(e);
  for (const onnx::NodeProto &n : g.node())
    for (const std::string &in : n.input())
      if (!in.empty())
        users[in].push_back(&n);

  Checkpoint ckpt;
  ckpt.path = path;
  ckpt.format = "onnx";
  ModelConfig &c = ckpt.config;
  c.arch = "llama";

  // Embedding.
  const onnx::NodeProto *gather = nullptr;
  for (const onnx::NodeProto *n : consumers("input_ids"))
    if (n->op_type() == "Gather" && inits.count(inputOf(*n, 0)))
      gather = n;
  if (!gather)
    return fail("no Gather of an initializer by 'input_ids' (not a "
                "decoder-only language model?)");
  reached.insert(gather->name());
  auto emb = weight(inputOf(*gather, 0), "token_embd", false);
  if (!emb)
    return emb.takeError();
  if (emb->shape.size() != 2)
    return fail("embedding initializer must be 2-D");
  c.vocabSize = emb->shape[0];
  c.dim = emb->shape[1];
  ckpt.tensors.push_back(*emb);

  std::string resid = outputOf(*gather, 0), pending;
  std::string ropeCos, ropeSin;
  for (int64_t layer = 0;; ++layer) {
    // A graph whose residual stream loops back would never reach logits.
    if (layer > ConfigLimits::layers)
      return fail("more than " + std::to_string(ConfigLimits::layers) +
                  " layers (n_layers exceeds dsc's limit)");
    // Norm: Simplified(resid) or Skip(resid, pending).
    const onnx::NodeProto *norm = nullptr;
    for (const onnx::NodeProto *n : consumers(resid)) {
      if (pending.empty() && n->op_type() == "SimplifiedLayerNormalization")
        norm = n;
      if (!pending.empty() && n->op_type() == "SkipSimplifiedLayerNormalization")
        norm = n;
    }
    if (!norm)
      return fail("expected a (Skip)SimplifiedLayerNormalization after '" +
                  resid + "'");
    reached.insert(norm->name());
    bool skip = norm->op_type() == "SkipSimplifiedLayerNormalization";
    for (const auto &a : norm->attribute())
      if (a.name() == "epsilon")
        c.normEps = shortestFloat32Decimal(a.f());
    std::string normW = inputOf(*norm, skip ? 2 : 1);
    std::string h = outputOf(*norm, 0);
    if (skip)
      resid = norm->output_size() > 3 ? outputOf(*norm, 3) : "";
    // Final norm: feeds the lm_head MatMul that produces the logits.
    const onnx::NodeProto *head = consumer(h, "MatMul");
    if (head && outputOf(*head, 0) == "logits") {
      reached.insert(head->name());
      auto w = weight(normW, "output_norm", false);
      if (!w)
        return w.takeError();
      ckpt.tensors.push_back(*w);
      auto out = weight(inputOf(*head, 1), "output", true);
      if (!out)
        return out.takeError();
      ckpt.tensors.push_back(*out);
      c.nLayers = layer;
      break;
    }
    std::string p = "blk." + std::to_string(layer) + ".";
    auto attnNorm = weight(normW, p + "attn_norm", false);
    if (!attnNorm)
      return attnNorm.takeError();
    ckpt.tensors.push_back(*attnNorm);

    // Attention: q/k/v MatMuls feed the attention node's inputs 0/1/2.
    const onnx::NodeProto *attn = nullptr;
    struct Proj {
      const onnx::NodeProto *mm = nullptr;
      const onnx::NodeProto *bias = nullptr;
      const onnx::NodeProto *rope = nullptr;
    } proj[3];
    for (const onnx::NodeProto *mm : consumers(h)) {
      if (mm->op_type() != "MatMul")
        return unsupported(*mm);
      Proj pr;
      pr.mm = mm;
      std::string v = outputOf(*mm, 0);
      if (const onnx::NodeProto *add = consumer(v, "Add");
          add && inits.count(inputOf(*add, 1))) {
        pr.bias = add;
        v = outputOf(*add, 0);
      }
      if (const onnx::NodeProto *rope = consumer(v, "RotaryEmbedding")) {
        pr.rope = rope;
        v = outputOf(*rope, 0);
      }
      for (const onnx::NodeProto *n : consumers(v)) {
        if (n->op_type() != "MultiHeadAttention" &&
            n->op_type() != "GroupQueryAttention")
          return unsupported(*n);
        attn = n;
        for (int i = 0; i < 3; ++i)
          if (inputOf(*n, i) == v)
            proj[i] = pr;
      }
    }
    if (!attn || !proj[0].mm || !proj[1].mm || !proj[2].mm)
      return fail("layer " + std::to_string(layer) +
                  ": could not find the q/k/v projections of an attention "
                  "node (a packed QKV MatMul is not supported)");
    reached.insert(attn->name());
    int64_t heads = 0, kvHeads = 0, interleaved = -1;
    double scale = 0;
    bool gqaRotary = false;
    for (const auto &a : attn->attribute()) {
      if (a.name() == "num_heads")
        heads = a.i();
      else if (a.name() == "kv_num_heads")
        kvHeads = a.i();
      else if (a.name() == "scale")
        scale = a.f();
      else if (a.name() == "do_rotary")
        gqaRotary = a.i() != 0;
      else if (a.name() == "rotary_interleaved")
        interleaved = a.i();
    }
    if (heads <= 0)
      return fail("node '" + attn->name() + "': num_heads is missing");
    const char *names[3] = {"attn_q", "attn_k", "attn_v"};
    for (int i = 0; i < 3; ++i) {
      auto w = weight(inputOf(*proj[i].mm, 1), p + names[i], true);
      if (!w)
        return w.takeError();
      ckpt.tensors.push_back(*w);
      reached.insert(proj[i].mm->name());
      if (proj[i].bias) {
        auto b = weight(inputOf(*proj[i].bias, 1), p + names[i] + ".bias", false);
        if (!b)
          return b.takeError();
        ckpt.tensors.push_back(*b);
        c.attentionBias = true;
        reached.insert(proj[i].bias->name());
      }
      if (proj[i].rope) {
        reached.insert(proj[i].rope->name());
        for (const auto &a : proj[i].rope->attribute())
          if (a.name() == "interleaved")
            interleaved = a.i();
        ropeCos = inputOf(*proj[i].rope, 2);
        ropeSin = inputOf(*proj[i].rope, 3);
      }
    }
    if (gqaRotary && attn->input_size() > 8) {
      ropeCos = inputOf(*attn, 7);
      ropeSin = inputOf(*attn, 8);
    }
    const TensorRef *wq = ckpt.find(p + "attn_q"), *wk = ckpt.find(p + "attn_k");
    if (wq->shape.size() != 2 || wk->shape.size() != 2)
      return fail("layer " + std::to_string(layer) +
                  ": the q and k projections must be 2-D");
    int64_t qDim = wq->shape[0], kDim = wk->shape[0];
    if (heads > ConfigLimits::heads || kvHeads < 0 ||
        kvHeads > ConfigLimits::heads || qDim % heads || qDim / heads == 0)
      return fail("node '" + attn->name() + "': num_heads " +
                  std::to_string(heads) + " or kv_num_heads " +
                  std::to_string(kvHeads) + " does not divide the q rows " +
                  std::to_string(qDim));
    c.nHeads = heads;
    c.headDim = qDim / heads;
    c.nKVHeads = kvHeads ? kvHeads : kDim / c.headDim;
    if (c.nKVHeads == 0)
      return fail("layer " + std::to_string(layer) + ": k has " +
                  std::to_string(kDim) + " rows, fewer than one head");
    if (scale != 0 && std::fabs(scale - 1.0 / std::sqrt(double(c.headDim))) > 1e-6)
      return fail("node '" + attn->name() + "': attention scale " +
                  std::to_string(scale) + " is not 1/sqrt(head_dim)");
    if (ropeCos.empty())
      return fail("layer " + std::to_string(layer) +
                  ": no rotary embedding on q and k");
    // Rotate-half (interleaved = 0) is HF's order: undo it on q/k rows.
    if (interleaved == 0)
      for (const char *n : {"attn_q", "attn_k", "attn_q.bias", "attn_k.bias"})
        for (TensorRef &t : ckpt.tensors)
          if (t.name == p + n)
            t.fixups.push_back({TensorFixup::RopePermute,
                                StringRef(n).starts_with("attn_q")
                                    ? c.nHeads
                                    : c.nKVHeads});
    const onnx::NodeProto *oproj = consumer(outputOf(*attn, 0), "MatMul");
    if (!oproj)
      return fail("node '" + attn->name() + "': its output feeds no MatMul");
    reached.insert(oproj->name());
    auto wo = weight(inputOf(*oproj, 1), p + "attn_output", true);
    if (!wo)
      return wo.takeError();
    ckpt.tensors.push_back(*wo);

    // FFN.
    const onnx::NodeProto *fnorm = nullptr;
    for (const onnx::NodeProto *n : consumers(outputOf(*oproj, 0)))
      if (n->op_type() == "SkipSimplifiedLayerNormalization")
        fnorm = n;
    if (!fnorm)
      return fail("layer " + std::to_string(layer) +
                  ": expected SkipSimplifiedLayerNormalization after the "
                  "attention output");
    reached.insert(fnorm->name());
    auto fw = weight(inputOf(*fnorm, 2), p + "ffn_norm", false);
    if (!fw)
      return fw.takeError();
    ckpt.tensors.push_back(*fw);
    std::string h2 = outputOf(*fnorm, 0);
    resid = fnorm->output_size() > 3 ? outputOf(*fnorm, 3) : "";
    const onnx::NodeProto *gate = nullptr, *up = nullptr;
    for (const onnx::NodeProto *mm : consumers(h2)) {
      if (mm->op_type() != "MatMul")
        return unsupported(*mm);
      (consumer(outputOf(*mm, 0), "Sigmoid") ? gate : up) = mm;
    }
    if (!gate || !up)
      return fail("layer " + std::to_string(layer) +
                  ": expected gate and up MatMuls with a SiLU on the gate");
    const onnx::NodeProto *sig = consumer(outputOf(*gate, 0), "Sigmoid");
    const onnx::NodeProto *silu = consumer(outputOf(*sig, 0), "Mul");
    const onnx::NodeProto *prod = silu ? consumer(outputOf(*silu, 0), "Mul") : nullptr;
    const onnx::NodeProto *down = prod ? consumer(outputOf(*prod, 0), "MatMul") : nullptr;
    if (!down)
      return fail("layer " + std::to_string(layer) +
                  ": expected silu(gate) * up -> MatMul down");
    for (const onnx::NodeProto *n : {gate, up, sig, silu, prod, down})
      reached.insert(n->name());
    for (auto [node, name] : {std::pair{gate, "ffn_gate"}, std::pair{up, "ffn_up"},
                              std::pair{down, "ffn_down"}}) {
      auto w = weight(inputOf(*node, 1), p + name, true);
      if (!w)
        return w.takeError();
      ckpt.tensors.push_back(*w);
    }
    c.hiddenDim = ckpt.find(p + "ffn_gate")->shape[0];
    pending = outputOf(*down, 0);
    if (resid.empty())
      return fail("layer " + std::to_string(layer) +
                  ": the residual sum (output 3 of the norm) is not exported");
  }
  if (c.nLayers == 0)
    return fail("no transformer layers found");
  c.maxSeqLen = 1; // from the RoPE caches, below
  if (Error e = checkConfigLimits(c, path))
    return std::move(e);
  auto theta = ropeTheta(ropeCos, ropeSin, c.headDim);
  if (!theta)
    return theta.takeError();
  c.ropeTheta = *theta;
  c.maxSeqLen = cacheRows;
  c.tieEmbeddings = false;
  if (Error e = checkOps())
    return std::move(e);
  return ckpt;
}

/// Every node that computes the logits from input_ids must have been
/// matched; name the first that was not. Attention masks, past KV inputs,
/// position ids and RoPE caches are not followed: dsc computes them itself.
Error ONNXMatcher::checkOps() {
  StringMap<const onnx::NodeProto *> producer;
  for (const onnx::NodeProto &n : g.node())
    for (const std::string &out : n.output())
      if (!out.empty())
        producer[out] = &n;
  std::vector<std::string> work{"logits"};
  std::set<const onnx::NodeProto *> seen;
  while (!work.empty()) {
    std::string v = work.back();
    work.pop_back();
    auto it = producer.find(v);
    if (it == producer.end())
      continue;
    const onnx::NodeProto *n = it->second;
    if (!seen.insert(n).second)
      continue;
    if (!reached.count(n->name()))
      return unsupported(*n);
    int follow = n->input_size();
    if (n->op_type() == "MultiHeadAttention" ||
        n->op_type() == "GroupQueryAttention")
      follow = 3;
    else if (n->op_type() == "RotaryEmbedding")
      follow = 1;
    for (int i = 0; i < follow; ++i)
      work.push_back(inputOf(*n, i));
  }
  return Error::success();
}

Expected<Checkpoint> readONNX(StringRef file) {
  auto buf = MemoryBuffer::getFile(file, false, false);
  if (!buf)
    return fileError(file, "cannot read: " + buf.getError().message());
  onnx::ModelProto model;
  StringRef bytes = (*buf)->getBuffer();
  if (bytes.size() > INT32_MAX ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return fileError(file, "not a valid ONNX model (protobuf parse failed)");
  if (!model.has_graph())
    return fileError(file, "ONNX model has no graph");
  for (const auto &opset : model.opset_import())
    if (!opset.domain().empty() && opset.domain() != "ai.onnx" &&
        opset.domain() != "com.microsoft")
      return fileError(file, "ONNX opset domain '" + opset.domain() +
                                 "' is not supported");
  ONNXMatcher m(file, model.graph());
  return m.run();
}

} // namespace dsc
