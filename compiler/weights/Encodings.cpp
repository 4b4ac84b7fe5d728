//===- Encodings.cpp - checkpoint element encodings -----------------------===//

#include "weights/Encodings.h"

#include "dsc/abi/ggml_decode.h"
#include "dsc/base.h"
#include "dsc/half.h"

#include <cstring>
#include <vector>

using namespace mlir;
using namespace mlir::dsc;

namespace dsc {

void decodeRow(Encoding enc, const uint8_t *src, uint64_t n, float *out) {
  switch (enc) {
  case Encoding::F32:
    memcpy(out, src, n * 4);
    return;
  case Encoding::F16:
    for (uint64_t i = 0; i < n; ++i)
      out[i] = dsc_f16_to_f32(dsc_load_u16(src + 2 * i));
    return;
  case Encoding::BF16:
    for (uint64_t i = 0; i < n; ++i)
      out[i] = dsc_bf16_to_f32(dsc_load_u16(src + 2 * i));
    return;
  default: {
    // ggml blocks: the decoder the kernels use.
    unsigned type = getGGMLType(enc);
    unsigned elems = dsc_ggml_block_elems(type),
             bytes = dsc_ggml_block_bytes(type);
    for (uint64_t b = 0; b < n / elems; ++b)
      dsc_ggml_decode_block(type, src + b * bytes, out + b * elems);
    return;
  }
  }
}

void encodeRow(Type elem, const float *in, uint64_t n, llvm::raw_ostream &os) {
  if (elem.isF32()) {
    os.write(reinterpret_cast<const char *>(in), n * 4);
    return;
  }
  std::vector<uint16_t> tmp(n);
  for (uint64_t i = 0; i < n; ++i)
    tmp[i] = elem.isF16() ? dsc_f32_to_f16(in[i]) : dsc_f32_to_bf16(in[i]);
  os.write(reinterpret_cast<const char *>(tmp.data()), n * 2);
}

bool encodingMatches(Encoding enc, Type elem) {
  return (enc == Encoding::F32 && elem.isF32()) ||
         (enc == Encoding::F16 && elem.isF16()) ||
         (enc == Encoding::BF16 && elem.isBF16());
}

} // namespace dsc
