//===- KernelABI.cpp - the micro-kernels as code generation sees them -----===//

#include "registry/KernelABI.h"

#include "dsc/abi/kernels.h"

#include <cstdint>
#include <string>

namespace mlir::dsc {
namespace {

template <typename T> struct ArgKind;
template <typename T> struct ArgKind<T *> {
  static constexpr char value = 'p';
};
template <> struct ArgKind<int64_t> {
  static constexpr char value = 'i';
};
template <> struct ArgKind<float> {
  static constexpr char value = 'f';
};

template <typename F> struct Signature;
template <typename... Args> struct Signature<void(Args...)> {
  static constexpr char kinds[] = {ArgKind<Args>::value..., '\0'};
};

#define DSC_STRINGIFY_(x) #x
#define DSC_STRINGIFY(x) DSC_STRINGIFY_(x)

const KernelSignature signatures[] = {
#define DSC_KERNEL(name, params)                                               \
  {DSC_STRINGIFY(DSC_UK(name)), Signature<decltype(DSC_UK(name))>::kinds},
#define DSC_RUNTIME_ENTRY(name, params)                                        \
  {DSC_STRINGIFY(DSC_RT(name)), Signature<decltype(DSC_RT(name))>::kinds},
#include "dsc/abi/kernels.def"
#undef DSC_KERNEL
#undef DSC_RUNTIME_ENTRY
};

struct LinearEntry {
  const char *weightType;
  TileShape tile;
  Kernel kernel;
};

// The float linear kernels by the weight format they read.
const LinearEntry linearKernels[] = {
    {"f32", {0, 0}, Kernel::linear_f32},
    {"f16", {0, 0}, Kernel::linear_f16},
    {"bf16", {0, 0}, Kernel::linear_bf16},
    {"f32", {4, 16}, Kernel::linear_f32_t4x16},
    {"f16", {4, 16}, Kernel::linear_f16_t4x16},
    {"bf16", {4, 16}, Kernel::linear_bf16_t4x16},
};

} // namespace

const KernelSignature &getKernelSignature(Kernel k) {
  return signatures[static_cast<int>(k)];
}

std::optional<Kernel> findLinearKernel(llvm::StringRef weightType,
                                       TileShape tile) {
  for (const LinearEntry &e : linearKernels)
    if (weightType == e.weightType && tile.rows == e.tile.rows &&
        tile.cols == e.tile.cols)
      return e.kernel;
  return std::nullopt;
}

std::optional<Kernel> findQuantLinearKernel(unsigned bits) {
  switch (bits) {
  case 8:
    return Kernel::linear_q8_t4;
  case 4:
    return Kernel::linear_q4_t4;
  case 2:
    return Kernel::linear_q2_t4;
  case 3:
    return Kernel::linear_q3_t4;
  case 5:
    return Kernel::linear_q5_t4;
  case 6:
    return Kernel::linear_q6_t4;
  default:
    return std::nullopt;
  }
}

} // namespace mlir::dsc
