//===- Synthetic.cpp - a small random model to try dsc on -----------------===//

#include "frontend/Synthetic.h"
#include "support/Errors.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <vector>

using namespace llvm;

namespace dsc {

namespace {
/// xorshift64* with Box-Muller normals: deterministic on every host.
struct Rng {
  uint64_t s;
  double uniform() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return ((s * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
  }
  float normal() {
    double u = uniform(), v = uniform();
    return static_cast<float>(std::sqrt(-2.0 * std::log(u + 1e-300)) *
                              std::cos(2 * M_PI * v));
  }
};
} // namespace

Expected<std::string> writeSyntheticCheckpoint(StringRef dir,
                                               const SyntheticOptions &o) {
  SmallString<256> path(dir), tokPath(dir);
  sys::path::append(path, "synthetic.bin");
  sys::path::append(tokPath, "tokenizer.bin");
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return fileError(path, ec.message());
  int32_t header[7] = {o.dim, o.hidden, o.layers, o.heads, o.kvHeads, o.vocab,
                       o.seqLen};
  os.write(reinterpret_cast<const char *>(header), sizeof(header));
  Rng rng{o.seed | 1};
  int kv = o.kvHeads * (o.dim / o.heads);
  auto put = [&](int64_t n, float scale, float mean) {
    std::vector<float> v(n);
    for (float &x : v)
      x = mean + scale * rng.normal();
    os.write(reinterpret_cast<const char *>(v.data()), n * 4);
  };
  float s = 1.0f / std::sqrt(static_cast<float>(o.dim));
  put(int64_t(o.vocab) * o.dim, 1.0f, 0.0f);
  put(int64_t(o.layers) * o.dim, 0.1f, 1.0f);
  put(int64_t(o.layers) * o.dim * o.dim, s, 0);
  put(int64_t(o.layers) * kv * o.dim, s, 0);
  put(int64_t(o.layers) * kv * o.dim, s, 0);
  put(int64_t(o.layers) * o.dim * o.dim, s, 0);
  put(int64_t(o.layers) * o.dim, 0.1f, 1.0f);
  put(int64_t(o.layers) * o.hidden * o.dim, s, 0);
  put(int64_t(o.layers) * o.dim * o.hidden,
      1.0f / std::sqrt(static_cast<float>(o.hidden)), 0);
  put(int64_t(o.layers) * o.hidden * o.dim, s, 0);
  put(o.dim, 0.1f, 1.0f);
  put(int64_t(o.seqLen) * (o.dim / o.heads), 0, 0); // legacy RoPE tables
  os.close();
  if (os.has_error())
    return fileError(path, "write error");

  // Tokenizer: <unk> <s> </s>, the 256 byte tokens, then letters, " x"
  // pairs and punctuation, so that text round-trips.
  raw_fd_ostream tok(tokPath, ec);
  if (ec)
    return fileError(tokPath, ec.message());
  std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    snprintf(buf, sizeof(buf), "<0x%02X>", b);
    pieces.push_back(buf);
  }
  pieces.push_back(" ");
  for (char c = 'a'; c <= 'z'; ++c)
    pieces.push_back(std::string(1, c));
  for (char c = 'a'; c <= 'z'; ++c)
    pieces.push_back(std::string(" ") + c);
  for (char c = 'A'; c <= 'Z'; ++c)
    pieces.push_back(std::string(1, c));
  for (const char *p : {".", ",", "!", "?", "'"})
    pieces.push_back(p);
  while (static_cast<int>(pieces.size()) < o.vocab)
    pieces.push_back("<extra_" + std::to_string(pieces.size()) + ">");
  pieces.resize(o.vocab);
  int32_t maxLen = 0;
  for (const std::string &p : pieces)
    maxLen = std::max<int32_t>(maxLen, p.size());
  tok.write(reinterpret_cast<const char *>(&maxLen), 4);
  for (size_t i = 0; i < pieces.size(); ++i) {
    float score = i < 259 ? 0.0f : -static_cast<float>(i);
    int32_t len = static_cast<int32_t>(pieces[i].size());
    tok.write(reinterpret_cast<const char *>(&score), 4);
    tok.write(reinterpret_cast<const char *>(&len), 4);
    tok << pieces[i];
  }
  return std::string(path);
}

} // namespace dsc
