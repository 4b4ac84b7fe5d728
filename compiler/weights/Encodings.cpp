//===- Encodings.cpp - checkpoint element encodings -----------------------===//

#include "weights/Encodings.h"

#include "dsc/abi/quant_layout.h"
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
  case Encoding::Q8_0:
    for (uint64_t b = 0; b < n / 32; ++b) {
      dsc_ggml_block_q8_0 blk;
      memcpy(&blk, src + b * sizeof(blk), sizeof(blk));
      float d = dsc_f16_to_f32(blk.d);
      for (int j = 0; j < 32; ++j)
        out[b * 32 + j] = blk.qs[j] * d;
    }
    return;
  case Encoding::Q4_0:
    for (uint64_t b = 0; b < n / 32; ++b) {
      dsc_ggml_block_q4_0 blk;
      memcpy(&blk, src + b * sizeof(blk), sizeof(blk));
      float d = dsc_f16_to_f32(blk.d);
      for (int j = 0; j < 16; ++j) {
        out[b * 32 + j] = ((blk.qs[j] & 0xF) - 8) * d;
        out[b * 32 + j + 16] = ((blk.qs[j] >> 4) - 8) * d;
      }
    }
    return;
  case Encoding::Q4_1:
    for (uint64_t b = 0; b < n / 32; ++b) {
      dsc_ggml_block_q4_1 blk;
      memcpy(&blk, src + b * sizeof(blk), sizeof(blk));
      float d = dsc_f16_to_f32(blk.d), m = dsc_f16_to_f32(blk.m);
      for (int j = 0; j < 16; ++j) {
        out[b * 32 + j] = (blk.qs[j] & 0xF) * d + m;
        out[b * 32 + j + 16] = (blk.qs[j] >> 4) * d + m;
      }
    }
    return;
  case Encoding::Q5_0:
  case Encoding::Q5_1: {
    bool hasMin = enc == Encoding::Q5_1;
    size_t bytes =
        hasMin ? sizeof(dsc_ggml_block_q5_1) : sizeof(dsc_ggml_block_q5_0);
    for (uint64_t b = 0; b < n / 32; ++b) {
      const uint8_t *p = src + b * bytes;
      float d = dsc_f16_to_f32(dsc_load_u16(p));
      float m = hasMin ? dsc_f16_to_f32(dsc_load_u16(p + 2)) : 0;
      const uint8_t *qh = p + (hasMin ? 4 : 2);
      const uint8_t *qs = qh + 4;
      uint32_t h = dsc_load_u32(qh);
      for (int j = 0; j < 16; ++j) {
        int lo = (qs[j] & 0xF) | (((h >> j) & 1) << 4);
        int hi = (qs[j] >> 4) | (((h >> (j + 16)) & 1) << 4);
        out[b * 32 + j] = hasMin ? lo * d + m : (lo - 16) * d;
        out[b * 32 + j + 16] = hasMin ? hi * d + m : (hi - 16) * d;
      }
    }
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
