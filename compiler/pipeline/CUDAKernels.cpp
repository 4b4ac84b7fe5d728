//===- CUDAKernels.cpp - the CUDA targets' device code in the executable --===//
//
// The kernel sources (targets/cuda/kernels/*.mlir, built into dsc), with
// the bodies dsc-gpu-derive-kernels gives the kernels they only declare
// (add, SwiGLU, RMSNorm, RoPE, attention's softmax, the KV-cache store,
// float embeddings: the CPU path's lowering; dsc-cuda-lower's first step),
// are compiled by dsc-cuda-lower with format=host: the PTX for the target's
// chip as gpu.binary globals, and each kernel function (dsc_cuda_gemv_q8,
// ...) as host code that launches its kernels through MLIR's mgpu* calls
// (runtime/cuda/driver.c). That host code is linked into the executable,
// with the forward pass's launch sequence (CUDALaunches.cpp, from the steps
// of CUDAProgram.cpp), which calls it, and what the runtime
// (runtime/cuda/cuda_forward.c) allocates for the sequence.
//
//===----------------------------------------------------------------------===//

#include "pipeline/CUDAKernels.h"
#include "pipeline/CUDALaunches.h"
#include "pipeline/Pipelines.h"
#include "registry/CUDATargets.h"
#include "targets/EmbeddedFiles.h"

#include "Dsc/Transforms/CUDAProgram.h"
#include "Dsc/Transforms/GPULower.h"
#include "Dsc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"

using namespace llvm;

namespace dsc {

/// Every kernel source, lowered by dsc-cuda-lower with `format`, reading
/// quantized weights' scales as `scales` (f16 or f32).
static Error lowerCUDAKernels(mlir::MLIRContext &ctx,
                              mlir::OwningOpRef<mlir::ModuleOp> &module,
                              const TargetDesc &target, StringRef format,
                              StringRef scales) {
  module = mlir::ModuleOp::create(mlir::UnknownLoc::get(&ctx));
  for (const EmbeddedFile *f = kEmbeddedFiles; f->name; ++f) {
    if (!StringRef(f->name).starts_with("cuda-kernel-"))
      continue;
    StringRef text(reinterpret_cast<const char *>(f->begin), f->end - f->begin);
    mlir::ParserConfig config(&ctx);
    mlir::OwningOpRef<mlir::ModuleOp> part =
        mlir::parseSourceString<mlir::ModuleOp>(text, config, f->name);
    if (!part)
      return createStringError(inconvertibleErrorCode(),
                               Twine("the built-in CUDA kernel source ") +
                                   f->name + " does not parse");
    for (mlir::Operation &op :
         llvm::make_early_inc_range(part->getBody()->getOperations())) {
      // A helper several sources declare (one dsc-gpu-derive-kernels
      // derives, as the RMSNorm the GEMVs fuse): one declaration, derived
      // once; a name declared otherwise is a conflict the verifier names.
      auto fn = llvm::dyn_cast<mlir::func::FuncOp>(op);
      auto known =
          fn ? module->lookupSymbol<mlir::func::FuncOp>(fn.getName()) : nullptr;
      if (known && fn.isDeclaration() && known.isDeclaration() &&
          known.getFunctionType() == fn.getFunctionType())
        continue;
      op.moveBefore(module->getBody(), module->getBody()->end());
    }
  }
  // Sources that launch their own kernels (the GEMM) need it to verify.
  (*module)->setAttr("gpu.container_module", mlir::UnitAttr::get(&ctx));
  const mlir::dsc::CUDADevice *gpu = mlir::dsc::getCUDADevice(target);
  mlir::dsc::CUDALowerOptions options;
  options.chip = gpu->chip;
  options.features = gpu->features;
  options.format = format.str();
  options.scales = scales.str();
  return runPasses(
      *module,
      [&](mlir::OpPassManager &pm) {
        mlir::dsc::buildCUDALowerPipeline(pm, options);
      },
      "compiling the CUDA kernels for " + gpu->chip);
}

Error embedCUDAKernels(Module &code, const TargetDesc &target,
                       mlir::ModuleOp layout) {
  if (!mlir::dsc::hasDevice(target))
    return Error::success();
  mlir::DialectRegistry registry;
  mlir::dsc::registerCUDALowerDependencies(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  // The program first: its weights decide the scales' type the kernels
  // are compiled for.
  mlir::dsc::CUDAProgram program = mlir::dsc::buildCUDAProgram(
      layout, mlir::dsc::CUDAProgramStage::Emission);
  // A forward function placed on the device has no host code and plain
  // weights: the program must be whole.
  if (!program.note.empty() && mlir::dsc::isForwardOnDevice(layout, target))
    return createStringError(inconvertibleErrorCode(),
                             "the forward function was placed on the device, "
                             "but its device program fails: " +
                                 program.note);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  if (Error e = lowerCUDAKernels(ctx, module, target, "host",
                                 program.readsF16Scales() ? "f16" : "f32"))
    return e;
  std::unique_ptr<Module> host =
      mlir::translateModuleToLLVMIR(*module, code.getContext(), "dsc_cuda");
  if (!host)
    return createStringError(inconvertibleErrorCode(),
                             "translating the CUDA kernels' host code to LLVM "
                             "IR failed");
  host->setDataLayout(code.getDataLayout());
  host->setTargetTriple(code.getTargetTriple());
  if (Linker::linkModules(code, std::move(host)))
    return createStringError(inconvertibleErrorCode(),
                             "linking the CUDA kernels' host code failed");
  if (Error e = emitCUDALaunches(code, program))
    return e;

  Type *i64 = Type::getInt64Ty(code.getContext());
  Constant *words = ConstantDataArray::get(code.getContext(), program.words);
  new GlobalVariable(code, ArrayType::get(i64, program.words.size()),
                     /*isConstant=*/true, GlobalValue::ExternalLinkage, words,
                     "dsc_cuda_program");
  Constant *note = ConstantDataArray::getString(code.getContext(), program.note,
                                                /*AddNull=*/true);
  new GlobalVariable(code, note->getType(), /*isConstant=*/true,
                     GlobalValue::ExternalLinkage, note,
                     "dsc_cuda_program_note");
  return Error::success();
}

} // namespace dsc
