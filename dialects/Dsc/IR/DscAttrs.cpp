//===- DscAttrs.cpp - dsc attributes --------------------------------------===//

#include "Dsc/IR/DscAttrs.h"
#include "Dsc/IR/DscDialect.h"
#include "registry/TargetRegistry.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"

#include "dsc/abi/quant_layout.h"

#include <set>

#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace mlir;
using namespace mlir::dsc;

#include "Dsc/IR/DscAttrInterfaces.cpp.inc"
#include "Dsc/IR/DscEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "Dsc/IR/DscAttrs.cpp.inc"

void DscDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "Dsc/IR/DscAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Parameter helpers
//===----------------------------------------------------------------------===//

FailureOr<APFloat> mlir::dsc::parseF64(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return APFloat(value);
}

void mlir::dsc::printF64(AsmPrinter &printer, const APFloat &apValue) {
  double value = apValue.convertToDouble();
  // Shortest decimal that reads back to the same double; the MLIR lexer needs
  // a '.' to see a float.
  char buf[64];
  if (std::isfinite(value) && value == std::floor(value) &&
      std::fabs(value) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.1f", value);
    printer << buf;
    return;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value)
      break;
  }
  std::string text(buf);
  if (std::isfinite(value) && text.find('.') == std::string::npos) {
    size_t e = text.find('e');
    text.insert(e == std::string::npos ? text.size() : e, ".0");
  }
  printer << text;
}

FailureOr<bool> mlir::dsc::parseBool(AsmParser &parser) {
  if (succeeded(parser.parseOptionalKeyword("true")))
    return true;
  if (succeeded(parser.parseOptionalKeyword("false")))
    return false;
  return parser.emitError(parser.getCurrentLocation(),
                          "expected 'true' or 'false'");
}

unsigned mlir::dsc::getGGMLType(Encoding encoding) {
  switch (encoding) {
  case Encoding::F32:
  case Encoding::F16:
  case Encoding::BF16:
    return 0;
  case Encoding::Q8_0:
    return DSC_GGML_TYPE_Q8_0;
  case Encoding::Q4_0:
    return DSC_GGML_TYPE_Q4_0;
  case Encoding::Q4_1:
    return DSC_GGML_TYPE_Q4_1;
  case Encoding::Q5_0:
    return DSC_GGML_TYPE_Q5_0;
  case Encoding::Q5_1:
    return DSC_GGML_TYPE_Q5_1;
  case Encoding::Q2_K:
    return DSC_GGML_TYPE_Q2_K;
  case Encoding::Q3_K:
    return DSC_GGML_TYPE_Q3_K;
  case Encoding::Q4_K:
    return DSC_GGML_TYPE_Q4_K;
  case Encoding::Q5_K:
    return DSC_GGML_TYPE_Q5_K;
  case Encoding::Q6_K:
    return DSC_GGML_TYPE_Q6_K;
  case Encoding::Q8_K:
    return DSC_GGML_TYPE_Q8_K;
  case Encoding::IQ4_NL:
    return DSC_GGML_TYPE_IQ4_NL;
  case Encoding::IQ4_XS:
    return DSC_GGML_TYPE_IQ4_XS;
  }
  llvm_unreachable("unknown encoding");
}

int64_t mlir::dsc::getEncodingBlockBytes(Encoding encoding,
                                         int64_t *blockElems) {
  switch (encoding) {
  case Encoding::F32:
    *blockElems = 1;
    return 4;
  case Encoding::F16:
  case Encoding::BF16:
    *blockElems = 1;
    return 2;
  default:
    // The ggml block formats (dsc/abi/quant_layout.h).
    *blockElems = dsc_ggml_block_elems(getGGMLType(encoding));
    return dsc_ggml_block_bytes(getGGMLType(encoding));
  }
}

//===----------------------------------------------------------------------===//
// QuantSchemeAttr
//===----------------------------------------------------------------------===//

Attribute QuantSchemeAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  if (parser.parseLess())
    return {};
  SMLoc bitsLoc = parser.getCurrentLocation();
  // `iN`, or a ggml block format naming the whole scheme (both lex as
  // keywords).
  StringRef formatName;
  if (parser.parseKeyword(&formatName))
    return {};
  unsigned bits = 0;
  if (StringRef width = formatName;
      !width.consume_front("i") || width.getAsInteger(10, bits)) {
    std::optional<Encoding> format = symbolizeEncoding(formatName);
    QuantSchemeAttr scheme = format ? getGGML(ctx, *format) : QuantSchemeAttr();
    if (!scheme) {
      parser.emitError(bitsLoc, "expected an integer type or a ggml block "
                                "format (q2_k, q3_k, q4_k, q5_k, q6_k, q8_k, "
                                "iq4_nl, iq4_xs, q4_0, q4_1, q5_0, q5_1, "
                                "q8_0), got '")
          << formatName << "'";
      return {};
    }
    if (parser.parseGreater())
      return {};
    return scheme;
  }
  if (parser.parseComma())
    return {};
  SMLoc granLoc = parser.getCurrentLocation();
  StringRef granName;
  if (parser.parseKeyword(&granName))
    return {};
  std::optional<Granularity> granularity = symbolizeGranularity(granName);
  if (!granularity) {
    parser.emitError(granLoc, "unknown granularity '")
        << granName << "', expected tensor, channel, group or head";
    return {};
  }
  int64_t blockSize = 0;
  if (*granularity != Granularity::Tensor) {
    if (parser.parseEqual() || parser.parseInteger(blockSize))
      return {};
  }
  bool symmetric = true;
  Type scaleType = Float32Type::get(ctx);
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key))
      return {};
    if (key == "symmetric") {
      symmetric = true;
    } else if (key == "asymmetric") {
      symmetric = false;
    } else if (key == "scale") {
      if (parser.parseEqual() || parser.parseType(scaleType))
        return {};
    } else {
      parser.emitError(keyLoc, "unknown quantization option '")
          << key << "', expected symmetric, asymmetric or scale";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  (void)bitsLoc;
  return parser.getChecked<QuantSchemeAttr>(ctx, bits, *granularity, blockSize,
                                            symmetric, scaleType, std::nullopt);
}

QuantSchemeAttr QuantSchemeAttr::getGGML(MLIRContext *ctx, Encoding format) {
  unsigned type = getGGMLType(format);
  if (!type)
    return {};
  // The nominal width and whether values have a minimum (asymmetric).
  unsigned bits = 4;
  bool symmetric = true;
  switch (format) {
  case Encoding::Q2_K:
    bits = 2, symmetric = false;
    break;
  case Encoding::Q3_K:
    bits = 3;
    break;
  case Encoding::Q4_K:
  case Encoding::Q4_1:
    symmetric = false;
    break;
  case Encoding::Q5_K:
  case Encoding::Q5_1:
    bits = 5, symmetric = false;
    break;
  case Encoding::Q5_0:
    bits = 5;
    break;
  case Encoding::Q6_K:
    bits = 6;
    break;
  case Encoding::Q8_0:
  case Encoding::Q8_K:
    bits = 8;
    break;
  default:
    break;
  }
  Builder b(ctx);
  Type scale =
      format == Encoding::Q8_K ? Type(b.getF32Type()) : Type(b.getF16Type());
  return get(ctx, bits, Granularity::Group, dsc_ggml_block_elems(type),
             symmetric, scale, format);
}

void QuantSchemeAttr::print(AsmPrinter &printer) const {
  if (std::optional<Encoding> format = getBlocks()) {
    printer << "<" << stringifyEncoding(*format) << ">";
    return;
  }
  printer << "<i" << getBits() << ", "
          << stringifyGranularity(getGranularity());
  if (getGranularity() != Granularity::Tensor)
    printer << " = " << getBlockSize();
  printer << ", " << (getSymmetric() ? "symmetric" : "asymmetric");
  if (!getScaleType().isF32())
    printer << ", scale = " << getScaleType();
  printer << ">";
}

LogicalResult
QuantSchemeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        unsigned bits, Granularity granularity,
                        int64_t blockSize, bool symmetric, Type scaleType,
                        std::optional<Encoding> blocks) {
  if (blocks) {
    unsigned type = getGGMLType(*blocks);
    if (!type)
      return emitError() << stringifyEncoding(*blocks)
                         << " is not a ggml block format";
    // Exactly the block formats some target's kernels read.
    bool read = false;
    for (const TargetInfo &t : getTargetRegistry())
      read |= t.supportsGGMLFormat(stringifyEncoding(*blocks));
    if (!read)
      return emitError() << "no target has kernels for "
                         << stringifyEncoding(*blocks) << " blocks";
    // The other parameters are the format's (getGGML), never free.
    if (granularity != Granularity::Group ||
        blockSize != dsc_ggml_block_elems(type) ||
        scaleType != (*blocks == Encoding::Q8_K
                          ? Type(Float32Type::get(scaleType.getContext()))
                          : Type(Float16Type::get(scaleType.getContext()))))
      return emitError() << stringifyEncoding(*blocks)
                         << " blocks have groups of "
                         << dsc_ggml_block_elems(type)
                         << " values with their own scale type";
    return success();
  }
  // Exactly the widths some target's kernels read (the target registry):
  // a scheme nothing can lower is an error here, not in code generation.
  std::set<unsigned> widths;
  for (const TargetInfo &t : getTargetRegistry())
    widths.insert(t.quantBits.begin(), t.quantBits.end());
  if (!widths.count(bits)) {
    InFlightDiagnostic d = emitError();
    d << "no target has kernels for " << bits << "-bit weights (widths:";
    for (unsigned w : widths)
      d << " " << w;
    return d << ")";
  }
  switch (granularity) {
  case Granularity::Tensor:
    if (blockSize != 0)
      return emitError() << "per-tensor quantization takes no block size";
    break;
  case Granularity::Channel:
    if (blockSize != 0 && blockSize != 1)
      return emitError() << "channel axis must be 0 or 1, got " << blockSize;
    break;
  case Granularity::Group:
  case Granularity::Head:
    if (blockSize <= 0)
      return emitError() << stringifyGranularity(granularity)
                         << " size must be positive, got " << blockSize;
    break;
  }
  // The scale types the weight writer stores and the kernels read
  // (DSC_QFLAG_F32_SCALE, else f16; i8: two-level scales, DSC_QFLAG_SUPER).
  if (!scaleType.isF32() && !scaleType.isF16() && !scaleType.isInteger(8))
    return emitError() << "scale type must be f32, f16 or i8, got "
                       << scaleType;
  if (scaleType.isInteger(8)) {
    // 8-bit codes of an f16 scale per row and super-block
    // (dsc/abi/quant_layout.h).
    if (granularity != Granularity::Group || blockSize != 32)
      return emitError() << "i8 scales (codes of a super-block scale) need "
                            "groups of 32 columns";
    if (bits < 2 || bits > 6)
      return emitError() << "i8 scales need 2- to 6-bit values, got " << bits;
    if (!symmetric && bits > 4)
      return emitError() << "i8 scales with zero points need 2- to 4-bit "
                            "values (zero points are 4 bits), got "
                         << bits;
  }
  return success();
}

int64_t QuantSchemeAttr::getNumScales(int64_t rows, int64_t cols) const {
  switch (getGranularity()) {
  case Granularity::Tensor:
    return 1;
  case Granularity::Channel:
    return getAxis() == 0 ? rows : cols;
  case Granularity::Group:
    return rows * (cols / getBlockSize());
  case Granularity::Head:
    return rows / getBlockSize();
  }
  llvm_unreachable("unknown granularity");
}

LogicalResult QuantSchemeAttr::checkShape(ArrayRef<int64_t> shape,
                                          std::string *why) const {
  if (shape.size() != 2) {
    *why = "quantized weights must be 2-D";
    return failure();
  }
  if (isGGML() && shape[1] % getBlockSize()) {
    *why = stringifyEncoding(*getBlocks()).str() +
           " stores rows in blocks of " + std::to_string(getBlockSize()) +
           " values; " + std::to_string(shape[1]) +
           " columns are not a multiple";
    return failure();
  }
  if (getScaleType().isInteger(8) && shape[1] % 64) {
    *why = "i8 scales need super-blocks of a multiple of 64 columns; " +
           std::to_string(shape[1]) + " columns are not a multiple";
    return failure();
  }
  if (getGranularity() == Granularity::Group && shape[1] % getBlockSize()) {
    *why = "group size " + std::to_string(getBlockSize()) +
           " does not divide the input dimension " + std::to_string(shape[1]);
    return failure();
  }
  if (getGranularity() == Granularity::Head && shape[0] % getBlockSize()) {
    *why = "head size " + std::to_string(getBlockSize()) +
           " does not divide the output dimension " + std::to_string(shape[0]);
    return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// RopeScalingAttr, ModelConfigAttr
//===----------------------------------------------------------------------===//

LogicalResult
RopeScalingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        APFloat factorAP, APFloat lowAP, APFloat highAP,
                        int64_t originalMax) {
  double factor = factorAP.convertToDouble();
  double lowFreqFactor = lowAP.convertToDouble();
  double highFreqFactor = highAP.convertToDouble();
  if (!(factor >= 1.0))
    return emitError() << "rope scaling factor must be >= 1, got " << factor;
  if (!(lowFreqFactor > 0.0) || !(highFreqFactor > lowFreqFactor))
    return emitError() << "rope scaling needs 0 < low_freq_factor < "
                          "high_freq_factor";
  if (originalMax <= 0)
    return emitError()
           << "original_max_position_embeddings must be positive";
  return success();
}

LogicalResult ModelConfigAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, StringRef arch,
    int64_t vocabSize, int64_t dim, int64_t hiddenDim, int64_t nLayers,
    int64_t nHeads, int64_t nKVHeads, int64_t headDim, int64_t maxSeqLen,
    APFloat ropeThetaAP, APFloat normEpsAP, bool, bool, int64_t slidingWindow,
    RopeScalingAttr) {
  double ropeTheta = ropeThetaAP.convertToDouble();
  double normEps = normEpsAP.convertToDouble();
  if (arch != "llama" && arch != "qwen2" && arch != "mistral")
    return emitError() << "unknown architecture '" << arch
                       << "', expected llama, qwen2 or mistral";
  struct Field {
    const char *name;
    int64_t value;
  } positive[] = {{"vocab_size", vocabSize}, {"dim", dim},
                  {"hidden_dim", hiddenDim}, {"n_layers", nLayers},
                  {"n_heads", nHeads},       {"n_kv_heads", nKVHeads},
                  {"head_dim", headDim},     {"max_seq_len", maxSeqLen}};
  for (const Field &f : positive)
    if (f.value <= 0)
      return emitError() << f.name << " must be positive, got " << f.value;
  if (nHeads % nKVHeads)
    return emitError() << "n_heads (" << nHeads
                       << ") must be a multiple of n_kv_heads (" << nKVHeads
                       << ")";
  if (headDim % 2)
    return emitError() << "head_dim must be even for RoPE, got " << headDim;
  if (!(ropeTheta > 0.0))
    return emitError() << "rope_theta must be positive";
  if (!(normEps > 0.0))
    return emitError() << "norm_eps must be positive";
  if (slidingWindow < 0)
    return emitError() << "sliding_window must not be negative";
  return success();
}

LogicalResult
TiledLayoutAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0)
    return emitError() << "tile sizes must be positive, got " << rows << "x"
                       << cols;
  return success();
}
