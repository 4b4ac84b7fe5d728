//===- Encodings.cpp - checkpoint element encodings -----------------------===//

#include "weights/Encodings.h"

#include "dsc/abi/ggml_decode.h"
#include "dsc/base.h"
#include "dsc/half.h"

#include <algorithm>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

using namespace mlir;
using namespace mlir::dsc;

namespace dsc {

#if defined(__x86_64__)
/// F16 rows eight at a time with F16C (about a tenth of a compile's time
/// went to the scalar decode of TinyLlama's F16 weights). Blocks holding an
/// infinity or NaN take the scalar path, so every bit pattern decodes as
/// dsc_f16_to_f32 decodes it (F16C quiets signaling NaNs).
__attribute__((target("f16c,avx"))) static uint64_t
decodeF16Fast(const uint8_t *src, uint64_t n, float *out) {
  uint64_t i = 0;
  const __m128i expMask = _mm_set1_epi16(0x7C00);
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i *>(src + 2 * i));
    if (_mm_movemask_epi8(_mm_cmpeq_epi16(_mm_and_si128(h, expMask), expMask)))
      break;
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
  }
  return i;
}
#endif

void decodeRow(Encoding enc, const uint8_t *src, uint64_t n, float *out) {
  switch (enc) {
  case Encoding::F32:
    memcpy(out, src, n * 4);
    return;
  case Encoding::F16: {
    uint64_t i = 0;
#if defined(__x86_64__)
    static const bool f16c = __builtin_cpu_supports("f16c");
    while (f16c && i + 8 <= n) {
      uint64_t done = decodeF16Fast(src + 2 * i, n - i, out + i);
      i += done;
      // A block with an infinity or NaN: its eight through the scalar path.
      for (uint64_t end = std::min(n, i + 8); i < end; ++i)
        out[i] = dsc_f16_to_f32(dsc_load_u16(src + 2 * i));
    }
#endif
    for (; i < n; ++i)
      out[i] = dsc_f16_to_f32(dsc_load_u16(src + 2 * i));
    return;
  }
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
