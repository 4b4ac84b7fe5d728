//===- Safetensors.cpp - safetensors headers ------------------------------===//

#include "frontend/Safetensors.h"
#include "support/Errors.h"

#include "llvm/Support/JSON.h"

using namespace llvm;

namespace dsc {

Expected<StringMap<SafeTensor>>
parseSafetensorsHeader(StringRef bytes, uint64_t fileSize, StringRef file) {
  if (bytes.size() < 8 || fileSize < 8)
    return fileError(file, "truncated: no safetensors header length");
  uint64_t len;
  memcpy(&len, bytes.data(), 8);
  if (len < 2 || len > kMaxSafetensorsHeader || len > fileSize - 8 ||
      len > bytes.size() - 8)
    return fileError(file, "header length " + std::to_string(len) +
                               " is invalid for a file of " +
                               std::to_string(fileSize) + " bytes");
  auto v = json::parse(bytes.substr(8, len));
  if (!v)
    return fileError(file, "bad JSON header: " + toString(v.takeError()));
  const json::Object *obj = v->getAsObject();
  if (!obj)
    return fileError(file, "header is not a JSON object");
  uint64_t dataStart = 8 + len;
  StringMap<SafeTensor> result;
  // In file order of names, so that errors are deterministic.
  std::vector<StringRef> keys;
  for (const auto &kv : *obj)
    keys.push_back(kv.first);
  llvm::sort(keys);
  for (StringRef key : keys) {
    const json::Value &val = *obj->get(key);
    if (key == "__metadata__")
      continue;
    const json::Object *t = val.getAsObject();
    std::string where = "tensor '" + key.str() + "'";
    if (!t)
      return fileError(file, where + " is not an object");
    SafeTensor st;
    auto dtype = t->getString("dtype");
    const json::Array *shape = t->getArray("shape");
    const json::Array *offs = t->getArray("data_offsets");
    if (!dtype || !shape || !offs || offs->size() != 2)
      return fileError(file, where + ": needs dtype, shape and data_offsets");
    st.dtype = dtype->str();
    // Each entry and the element count stay far from 2^64, so that byte
    // counts computed from them cannot wrap around and match by accident.
    uint64_t n = 1;
    for (const json::Value &d : *shape) {
      auto i = d.getAsInteger();
      if (!i || *i < 0 || *i > (int64_t(1) << 40) ||
          (*i && n > (uint64_t(1) << 48) / static_cast<uint64_t>(*i)))
        return fileError(file, where + ": shape entry " +
                                   std::to_string(st.shape.size()) +
                                   " is negative, not an integer, or makes "
                                   "more than 2^48 elements");
      st.shape.push_back(*i);
      n *= static_cast<uint64_t>(*i);
    }
    auto b = (*offs)[0].getAsInteger(), e = (*offs)[1].getAsInteger();
    if (!b || !e || *b < 0 || *e < *b)
      return fileError(file, where + ": bad data_offsets");
    st.begin = dataStart + static_cast<uint64_t>(*b);
    st.end = dataStart + static_cast<uint64_t>(*e);
    if (st.end > fileSize)
      return fileError(file, where + ": data_offsets [" + std::to_string(*b) +
                                 ", " + std::to_string(*e) +
                                 "] run past the end of the file");
    uint64_t elem = st.dtype == "F32" ? 4
                    : (st.dtype == "F16" || st.dtype == "BF16") ? 2
                                                                 : 0;
    if (elem && n * elem != st.end - st.begin)
      return fileError(file, where + ": " + std::to_string(st.end - st.begin) +
                                 " bytes for " + std::to_string(n) + " " +
                                 st.dtype + " elements");
    result[key] = std::move(st);
  }
  return result;
}

} // namespace dsc
