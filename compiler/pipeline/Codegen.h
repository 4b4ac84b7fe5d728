//===- Codegen.h - dsc IR to executables ------------------------*- C++ -*-===//
//
// The phases of `dsc compile` after import. Each can be stopped after
// (--compile-to) and its result printed (--emit).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PIPELINE_CODEGEN_H
#define DSC_PIPELINE_CODEGEN_H

#include "pipeline/Target.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

namespace llvm {
class TargetMachine;
}

namespace dsc {

/// Graph-level rewrites on the dsc dialect (fusion, cleanup).
llvm::Error runGraphPasses(mlir::ModuleOp module);

/// What --quantize and its companions ask for.
struct QuantOptions {
  std::string scheme; // "" for none, else e.g. "int4:group=32"
  bool embeddings = false, head = false;
};

/// dsc-quant-apply with these options (nothing when the scheme is empty).
llvm::Error runQuantization(mlir::ModuleOp module, const QuantOptions &opts);

/// Records the target on the module (dsc.target), lays the weights out in
/// the blob as its kernels read them and stamps the module with its id.
llvm::Error runWeightLayout(mlir::ModuleOp module, const TargetDesc &target);

/// dsc-codegen-lower: loops, buffers and micro-kernel calls.
llvm::Error runLowerToLoops(mlir::ModuleOp module);

/// The upstream conversions to the LLVM dialect.
/// `alignedAlloc`: see buildLowerToLLVMPipeline (for --sanitize).
llvm::Error runLowerToLLVMDialect(mlir::ModuleOp module,
                                  bool alignedAlloc = false);

/// A TargetMachine for `target` (optimization level 3).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetDesc &target);

/// Translates an LLVM-dialect module to LLVM IR, links the target's
/// micro-kernels into it, internalizes and optimizes it.
llvm::Expected<std::unique_ptr<llvm::Module>>
translateAndOptimize(mlir::ModuleOp module, llvm::LLVMContext &ctx,
                     const TargetDesc &target, llvm::TargetMachine &tm);

/// Emits assembly or an object file.
llvm::Error emitMachineCode(llvm::Module &module, llvm::TargetMachine &tm,
                            bool assembly, llvm::raw_pwrite_stream &os);

/// Links an object with the target's runtime into a static executable.
llvm::Error linkExecutable(const TargetDesc &target, llvm::StringRef object,
                           llvm::StringRef output);

/// Writes the payload (weight blob, tokenizer) of a module after weight
/// layout. `progress` reports bytes written when it is not null.
llvm::Error writePayload(mlir::ModuleOp layoutModule, llvm::raw_ostream &os,
                         bool showProgress);

/// Appends the trailer that points at an embedded payload, or names a side
/// file holding it.
llvm::Error appendPayloadTrailer(llvm::StringRef exe, uint64_t payloadOffset,
                                 uint64_t payloadSize,
                                 llvm::StringRef externalName);

struct ExecutableStats {
  uint64_t codeBytes = 0, payloadBytes = 0;
};

/// Emits `code` as an object, links it with the target's runtime and adds
/// the payload of `layoutModule`, embedded or in `output`.dscw. Outputs are
/// written to temporaries and appear only when everything succeeded.
llvm::Error writeExecutable(llvm::Module &code, llvm::TargetMachine &tm,
                            mlir::ModuleOp layoutModule,
                            const TargetDesc &target, llvm::StringRef output,
                            bool externalWeights, bool showProgress,
                            ExecutableStats &stats);

/// The whole pipeline after weight layout: lowering, LLVM, linking.
llvm::Error buildExecutable(mlir::ModuleOp laidOut, const TargetDesc &target,
                            llvm::StringRef output, bool externalWeights,
                            bool showProgress, ExecutableStats &stats);

} // namespace dsc

#endif
