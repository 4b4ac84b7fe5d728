//===- Payload.cpp - the weights and tokenizer an executable maps ---------===//

#include "pipeline/Codegen.h"
#include "support/Errors.h"
#include "support/Progress.h"
#include "tokenizer/ChatTemplate.h"
#include "tokenizer/Tokenizer.h"
#include "weights/WeightReader.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "dsc/checksum.h"
#include "dsc/payload.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"

#include <cstring>

using namespace llvm;

namespace dsc {

namespace {
/// Counts bytes into an underlying stream and shows, on a terminal, how
/// many are written and which weight is being converted (quantizing one
/// happens as it is written).
class ProgressStream : public raw_ostream {
public:
  ProgressStream(raw_ostream &os, uint64_t total, bool show)
      : os(os), total(total), line(show) {
    SetUnbuffered();
  }
  void setTensor(size_t index, size_t count, StringRef name) {
    tensor = (Twine(index + 1) + "/" + Twine(count) + " " + name).str();
    update(true);
  }

private:
  void update(bool force) {
    int pct = total ? static_cast<int>(100 * written / total) : 100;
    char head[80];
    snprintf(head, sizeof(head),
             "writing weights %3d%% (%.1f / %.1f MB), tensor ", pct,
             written / 1e6, total / 1e6);
    line.show(Twine(head) + tensor, force);
  }
  void write_impl(const char *ptr, size_t size) override {
    os.write(ptr, size);
    written += size;
    update(false);
  }
  uint64_t current_pos() const override { return written; }
  raw_ostream &os;
  uint64_t total, written = 0;
  ProgressLine line;
  std::string tensor;
};

/// Passes bytes through to an underlying stream, hashing them.
class HashStream : public raw_ostream {
public:
  explicit HashStream(raw_ostream &os) : os(os) {
    SetUnbuffered();
    dsc_hash_init(&hash);
  }
  uint64_t digest() const { return dsc_hash_final(&hash); }

private:
  void write_impl(const char *ptr, size_t size) override {
    dsc_hash_update(&hash, ptr, size);
    os.write(ptr, size);
    written += size;
  }
  uint64_t current_pos() const override { return written; }
  raw_ostream &os;
  dsc_hash hash;
  uint64_t written = 0;
};
} // namespace

Error writePayload(mlir::ModuleOp module, raw_ostream &os, bool showProgress) {
  auto sizeAttr = module->getAttrOfType<mlir::IntegerAttr>(
      mlir::dsc::kWeightsSizeAttr);
  auto idAttr =
      module->getAttrOfType<mlir::IntegerAttr>(mlir::dsc::kModelIdAttr);
  if (!sizeAttr || !idAttr)
    return createStringError(inconvertibleErrorCode(),
                             "the module has no weight layout");
  uint64_t weightsSize = static_cast<uint64_t>(sizeAttr.getInt());

  // The tokenizer, serialized.
  std::vector<uint8_t> tokBlob, chatBlob;
  if (auto tokAttr = module->getAttrOfType<mlir::DictionaryAttr>(
          mlir::dsc::DscDialect::getTokenizerAttrName())) {
    TokenizerSource src{
        cast<mlir::StringAttr>(tokAttr.get("path")).getValue().str(),
        cast<mlir::StringAttr>(tokAttr.get("kind")).getValue().str()};
    mlir::dsc::ModelConfigAttr config = mlir::dsc::getModelConfig(module);
    auto tok = loadTokenizer(src, config ? config.getVocabSize() : -1);
    if (!tok)
      return tok.takeError();
    uint8_t *blob;
    size_t n;
    if (dsc_tok_serialize(tok->get(), &blob, &n) != DSC_OK)
      return createStringError(inconvertibleErrorCode(), "out of memory");
    tokBlob.assign(blob, blob + n);
    free(blob);
    // The chat pieces the driver chose (see resolveChat).
    if (auto fmt = tokAttr.getAs<mlir::StringAttr>("chat_format")) {
      auto tmpl = tokAttr.getAs<mlir::StringAttr>("chat_template");
      std::vector<std::string> missing;
      auto chat =
          compileChat(fmt.getValue(), tmpl ? tmpl.getValue() : StringRef(),
                      tok->get(), missing);
      if (!chat)
        return chat.takeError();
      chatBlob = std::move(*chat);
    }
  }

  auto align = [](uint64_t v) {
    return (v + DSC_PAYLOAD_ALIGN - 1) / DSC_PAYLOAD_ALIGN * DSC_PAYLOAD_ALIGN;
  };
  dsc_payload_header hdr;
  memset(&hdr, 0, sizeof(hdr));
  memcpy(hdr.magic, DSC_PAYLOAD_MAGIC, 8);
  hdr.model_id = static_cast<uint64_t>(idAttr.getInt());
  hdr.n_sections = 0;
  auto addSection = [&](const char *name, uint64_t offset, uint64_t size) {
    dsc_payload_section &s = hdr.sections[hdr.n_sections++];
    strcpy(s.name, name);
    s.offset = offset;
    s.size = size;
  };
  addSection("weights", DSC_PAYLOAD_ALIGN, weightsSize);
  uint64_t end = DSC_PAYLOAD_ALIGN + weightsSize;
  if (!tokBlob.empty()) {
    addSection("tokenizer", align(end), tokBlob.size());
    end = align(end) + tokBlob.size();
  }
  uint64_t chatAt = end;
  if (!chatBlob.empty()) {
    addSection("chat", chatAt, chatBlob.size());
    end = chatAt + chatBlob.size();
  }
  // The checksum covers every byte before it, so it is written last.
  uint64_t checksumAt = (end + 7) / 8 * 8;
  addSection("checksum", checksumAt, 8);
  HashStream hs(os);
  std::vector<char> page(DSC_PAYLOAD_ALIGN, 0);
  memcpy(page.data(), &hdr, sizeof(hdr));
  hs.write(page.data(), page.size());

  // Weights in offset order, padded to their alignment.
  std::vector<mlir::dsc::GlobalOp> globals;
  for (auto g : module.getOps<mlir::dsc::GlobalOp>())
    globals.push_back(g);
  llvm::sort(globals, [](mlir::dsc::GlobalOp a, mlir::dsc::GlobalOp b) {
    return a.getOffsetAttr().getInt() < b.getOffsetAttr().getInt();
  });
  WeightReader reader;
  ProgressStream ps(hs, weightsSize, showProgress);
  uint64_t pos = 0;
  static const char zeros[4096] = {};
  for (auto [i, g] : llvm::enumerate(globals)) {
    std::string what = g.getSymName().str();
    if (auto q = dyn_cast<mlir::dsc::QTensorType>(g.getType()))
      what += " (quantizing to " + std::to_string(q.getScheme().getBits()) +
              " bits)";
    ps.setTensor(i, globals.size(), what);
    uint64_t off = static_cast<uint64_t>(g.getOffsetAttr().getInt());
    ps.write(zeros, off - pos);
    mlir::Attribute src = g.getSourceAttr();
    if (!src)
      return createStringError(inconvertibleErrorCode(),
                               "weight '" + g.getSymName().str() +
                                   "' has no source to read it from");
    std::vector<float> importance;
    if (auto imp = g->getAttrOfType<mlir::DenseFPElementsAttr>(
            mlir::dsc::kImportanceAttr))
      importance.assign(imp.getValues<float>().begin(),
                        imp.getValues<float>().end());
    std::vector<float> hessian;
    if (auto h = g->getAttrOfType<mlir::DenseFPElementsAttr>(
            mlir::dsc::kHessianAttr))
      hessian.assign(h.getValues<float>().begin(), h.getValues<float>().end());
    if (Error e = reader.write(src, g.getType(), g.getLayoutAttr(), ps,
                               importance, hessian))
      return e;
    pos = off + mlir::dsc::getStorageBytes(g.getType(), g.getLayoutAttr());
  }
  if (pos != weightsSize)
    ps.write(zeros, weightsSize - pos);
  if (!tokBlob.empty()) {
    uint64_t at = DSC_PAYLOAD_ALIGN + weightsSize;
    std::vector<char> pad(align(at) - at, 0);
    hs.write(pad.data(), pad.size());
    hs.write(reinterpret_cast<const char *>(tokBlob.data()), tokBlob.size());
  }
  if (!chatBlob.empty())
    hs.write(reinterpret_cast<const char *>(chatBlob.data()), chatBlob.size());
  hs.write(zeros, checksumAt - end);
  uint8_t sum[8];
  uint64_t digest = hs.digest();
  for (int i = 0; i < 8; ++i)
    sum[i] = static_cast<uint8_t>(digest >> (8 * i));
  os.write(reinterpret_cast<const char *>(sum), sizeof(sum));
  return Error::success();
}

Error appendPayloadTrailer(StringRef exe, uint64_t payloadOffset,
                           uint64_t payloadSize, StringRef externalName) {
  std::error_code ec;
  raw_fd_ostream os(exe, ec, sys::fs::OF_Append);
  if (ec)
    return fileError(exe, ec.message());
  dsc_trailer tr;
  memset(&tr, 0, sizeof(tr));
  if (externalName.size() >= sizeof(tr.external))
    return fileError(exe, "the weights file name is too long");
  if (!externalName.empty())
    memcpy(tr.external, externalName.data(), externalName.size());
  tr.offset = payloadOffset;
  tr.size = payloadSize;
  memcpy(tr.magic, DSC_TRAILER_MAGIC, 8);
  os.write(reinterpret_cast<const char *>(&tr), sizeof(tr));
  return Error::success();
}

} // namespace dsc
