//===- Passes.h - dsc passes ------------------------------------*- C++ -*-===//

#ifndef DSC_TRANSFORMS_PASSES_H
#define DSC_TRANSFORMS_PASSES_H

#include "Dsc/IR/DscOps.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "registry/TargetRegistry.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::dsc {

#define GEN_PASS_DECL
#include "Dsc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "Dsc/Transforms/Passes.h.inc"

/// A quantization scheme as the command line spells it (`int4:group=32`).
struct QuantSpec {
  unsigned bits = 8;
  Granularity granularity = Granularity::Channel;
  int64_t blockSize = 0;
  bool symmetric = true;
  bool f32Scale = false;
  bool i8Scale = false; // two-level scales: codes of a super-block scale
  /// `iq4_nl`: stored as IQ4_NL blocks (16 non-uniform levels, an f16
  /// scale per 32 columns), quantized by dsc.
  std::optional<Encoding> ggml;
};
LogicalResult parseQuantSpec(llvm::StringRef text, QuantSpec &spec,
                             std::string *error);
/// The --quantize spelling of a scheme, for messages and reports.
std::string spellQuantScheme(QuantSchemeAttr scheme);

/// The scheme `spec` gives a [rows, cols] weight under the policy of
/// dsc-quant-apply, or null when the weight stays unquantized.
QuantSchemeAttr chooseQuantScheme(MLIRContext *ctx, const QuantSpec &spec,
                                  int64_t rows, int64_t cols, int64_t headRows);

/// The activations `fn`'s linear layers read, in the order of their first
/// reads: the observation points of dsc-calib-instrument.
llvm::SmallVector<Value> getLinearInputs(func::FuncOp fn);

/// The globals that are read, and only as dsc.linear weights: those
/// dsc-weights-pack may store in tiles (an embedding table the classifier
/// shares stays row-major for the lookup), and the int4:group=32 ones of
/// which in row-interleaved blocks (dsc compile --int4-layout asks of them).
llvm::DenseSet<StringAttr> getLinearOnlyGlobals(ModuleOp module);

/// From the forward function on tensors to loops, buffers and kernel calls:
/// dsc-codegen-lower, one-shot bufferization, ownership-based buffer
/// deallocation with each buffer freed after its last use, linalg to loops
/// and dsc-codegen-lower-ukernels. Registered as dsc-codegen-lower-to-loops.
void buildLowerToLoopsPipeline(OpPassManager &pm);

/// The upstream conversions from loops, memrefs and calls to the LLVM
/// dialect, after buildLowerToLoopsPipeline. `alignedAlloc` (dsc compile
/// --sanitize) allocates buffers with aligned_alloc rather than with malloc
/// and alignment slack, so that ASan's redzone starts where a buffer ends.
void buildLowerToLLVMPipeline(OpPassManager &pm, bool alignedAlloc = false);
void registerDscPipelines();

/// The target a pass compiles for: `option` when it is set, else the
/// module's `dsc.target`, else the registry's default (portable x86-64).
/// Emits an error on `module` for a name the registry does not know.
FailureOr<const TargetInfo *> resolveTarget(ModuleOp module,
                                                    llvm::StringRef option);

/// Names shared by the code generator and the runtime.
constexpr llvm::StringLiteral kForwardEntry = "dsc_forward";
constexpr llvm::StringLiteral kModelDescName = "dsc_model_desc";
constexpr llvm::StringLiteral kWeightsSizeAttr = "dsc.weights_size";
constexpr llvm::StringLiteral kModelIdAttr = "dsc.model_id";
/// On a dsc.global: the #dsc.quant scheme dsc-quant-apply gives it, or
/// false to keep it float (mixed precision).
constexpr llvm::StringLiteral kQuantizeAttr = "dsc.quantize";
/// On the module: the name of the registry target it is compiled for.
constexpr llvm::StringLiteral kTargetAttr = "dsc.target";
/// On a quantized dsc.global: per input column, how much its errors cost
/// (calibration's mean square activation); the weight writer searches each
/// group's scale to minimize the error weighted by it.
constexpr llvm::StringLiteral kImportanceAttr = "dsc.importance";
/// On a quantized dsc.global: the mean x^T x of its inputs (cols x cols);
/// the weight writer rounds with GPTQ against it.
constexpr llvm::StringLiteral kHessianAttr = "dsc.hessian";

} // namespace mlir::dsc

#endif // DSC_TRANSFORMS_PASSES_H
