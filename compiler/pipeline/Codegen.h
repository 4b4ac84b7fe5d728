//===- Codegen.h - dsc IR to executables ------------------------*- C++ -*-===//
//
// From the LLVM dialect to files: LLVM IR, machine code, the payload of
// weights, the linked executable. The IR phases before are pass pipelines
// (Pipelines.h).
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
#include <string>
#include <thread>

namespace llvm {
class TargetMachine;
}

namespace dsc {

class TempPath;

/// A TargetMachine for `target` (optimization level 3).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const TargetDesc &target);

/// Checks `target`'s CPU and feature names (--mcpu, --mattr) against LLVM's
/// description of its architecture; the error lists what is known.
llvm::Error checkCPUAndFeatures(const TargetDesc &target);

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

/// Links objects and all of `archive` into one relocatable object (ld -r).
llvm::Error linkRelocatable(llvm::ArrayRef<std::string> objects,
                            llvm::StringRef archive, llvm::StringRef output);

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

/// The payload of a laid-out module written into a file by a thread of its
/// own, so that the weights are quantized and written while the code is
/// lowered, optimized and linked (the two are independent; one after the
/// other they took about half again the time of either on two cores). The
/// file is removed unless it is renamed away; the destructor waits for the
/// thread.
class PayloadJob {
public:
  /// Writes the payload at offset `at` of `path` (a hole before it: see
  /// payloadReserve).
  PayloadJob(mlir::ModuleOp layoutModule, std::string path, bool showProgress,
             uint64_t at = 0);
  ~PayloadJob();
  PayloadJob(const PayloadJob &) = delete;
  PayloadJob &operator=(const PayloadJob &) = delete;
  /// Waits for the payload: its size in bytes, or what went wrong.
  llvm::Expected<uint64_t> wait();
  const std::string &path() const { return file; }
  uint64_t offset() const { return at; }

private:
  std::string file;
  uint64_t at;
  std::unique_ptr<TempPath> remove;
  std::thread thread;
  std::string error;
  uint64_t bytes = 0;
};

/// The file a PayloadJob for `output` writes: `output`.dscw.tmp, renamed to
/// `output`.dscw for external weights and copied into the executable
/// otherwise.
std::string payloadTempPath(llvm::StringRef output);

/// Where a PayloadJob starts an embedded payload: for large payloads, past
/// room for the code (4 MiB, a hole), so that the linked code is copied in
/// front of the payload rather than the payload behind the code; small
/// ones, and external files, at 0 (copied behind the code).
uint64_t payloadReserve(mlir::ModuleOp layoutModule, bool externalWeights);

/// Emits `code` as an object, links it with the target's runtime and adds
/// the payload of `layoutModule`, embedded or in `output`.dscw: the one
/// `payload` writes (started with payloadTempPath(output)) when given,
/// else one started here. Outputs are written to temporaries and appear
/// only when everything succeeded.
llvm::Error writeExecutable(llvm::Module &code, llvm::TargetMachine &tm,
                            mlir::ModuleOp layoutModule,
                            const TargetDesc &target, llvm::StringRef output,
                            bool externalWeights, bool showProgress,
                            ExecutableStats &stats,
                            PayloadJob *payload = nullptr);

/// The static library of --emit=lib: `code` (position-independent), the
/// payload (embedded, or in `output`.dscw) and the library runtime in one
/// object whose only global symbols are dsc_model.h's functions, archived
/// as `output`; dsc_model.h is written beside it.
llvm::Error writeLibrary(llvm::Module &code, llvm::TargetMachine &tm,
                         mlir::ModuleOp layoutModule, const TargetDesc &target,
                         llvm::StringRef output, bool externalWeights,
                         bool showProgress, ExecutableStats &stats);

/// The whole pipeline after weight layout: lowering, LLVM, linking.
llvm::Error buildExecutable(mlir::ModuleOp laidOut, const TargetDesc &target,
                            llvm::StringRef output, bool externalWeights,
                            bool showProgress, ExecutableStats &stats);

} // namespace dsc

#endif
