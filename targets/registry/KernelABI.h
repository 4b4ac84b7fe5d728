//===- KernelABI.h - the micro-kernels as code generation sees them -*- C++ -*-===//
//
// The kernels and runtime entries of dsc/abi/kernels.def, with each one's
// symbol and argument kinds derived from its C declaration in
// dsc/abi/kernels.h: code generation calls kernels by enum, never by a
// spelled-out name, and a kernel whose C signature changes changes here too.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_TARGETS_REGISTRY_KERNELABI_H
#define DSC_TARGETS_REGISTRY_KERNELABI_H

#include "registry/TargetRegistry.h"

#include "llvm/ADT/StringRef.h"

#include <optional>

namespace mlir::dsc {

enum class Kernel {
#define DSC_KERNEL(name, params) name,
#define DSC_RUNTIME_ENTRY(name, params) rt_##name,
#include "dsc/abi/kernels.def"
#undef DSC_KERNEL
#undef DSC_RUNTIME_ENTRY
};

/// Argument kinds: 'p' a pointer (!llvm.ptr), 'i' an int64_t (i64), 'f' a
/// float (f32).
struct KernelSignature {
  llvm::StringRef symbol;
  llvm::StringRef argKinds;
};

const KernelSignature &getKernelSignature(Kernel k);

/// The kernel for linear layers with float weights of `weightType` ("f32",
/// "f16", "bf16"), row-major (tile {0, 0}) or tiled; none when no kernel
/// reads that format.
std::optional<Kernel> findLinearKernel(llvm::StringRef weightType,
                                       TileShape tile);

/// The kernel for linear layers with `bits`-bit weights in the tiled
/// quantized layout.
std::optional<Kernel> findQuantLinearKernel(unsigned bits);

} // namespace mlir::dsc

#endif
