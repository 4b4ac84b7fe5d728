//===- CUDAKernels.cpp - the CUDA targets' device code in the executable --===//
//
// The kernel sources (targets/cuda/kernels/*.mlir, built into dsc) are
// compiled to PTX for the target's chip by dsc-cuda-lower and put into the
// executable as one constant, `dsc_cuda_ptx`: the PTX modules one after
// another, each NUL-terminated, then an empty one. The runtime
// (runtime/cuda/cuda_device.c) loads each with cuModuleLoadData.
//
//===----------------------------------------------------------------------===//

#include "pipeline/CUDAKernels.h"
#include "pipeline/Pipelines.h"
#include "registry/CUDATargets.h"
#include "targets/EmbeddedFiles.h"

#include "Dsc/Transforms/GPULower.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace dsc {

Expected<std::string> compileCUDAKernels(const TargetDesc &target) {
  mlir::DialectRegistry registry;
  mlir::dsc::registerCUDALowerDependencies(registry);
  mlir::MLIRContext ctx(registry);
  ctx.loadAllAvailableDialects();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::ModuleOp::create(mlir::UnknownLoc::get(&ctx));
  // Every kernel source into one module.
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
         llvm::make_early_inc_range(part->getBody()->getOperations()))
      op.moveBefore(module->getBody(), module->getBody()->end());
  }
  // Sources that launch their own kernels (the GEMM) need it to verify.
  (*module)->setAttr("gpu.container_module", mlir::UnitAttr::get(&ctx));
  const mlir::dsc::CUDADevice *gpu = mlir::dsc::getCUDADevice(target);
  mlir::dsc::CUDALowerOptions options;
  options.chip = gpu->chip;
  options.features = gpu->features;
  if (Error e = runPasses(
          *module,
          [&](mlir::OpPassManager &pm) {
            mlir::dsc::buildCUDALowerPipeline(pm, options);
          },
          "compiling the CUDA kernels for " + gpu->chip))
    return std::move(e);
  auto ptx = mlir::dsc::collectPTX(*module);
  if (!ptx)
    return ptx.takeError();
  std::string blob;
  for (const std::string &p : *ptx)
    blob += p + '\0';
  return blob; // the final NUL of the data array ends the list
}

Error embedCUDAKernels(Module &code, const TargetDesc &target) {
  auto blob = compileCUDAKernels(target);
  if (!blob)
    return blob.takeError();
  Constant *data =
      ConstantDataArray::getString(code.getContext(), *blob, /*AddNull=*/true);
  new GlobalVariable(code, data->getType(), /*isConstant=*/true,
                     GlobalValue::ExternalLinkage, data, "dsc_cuda_ptx");
  return Error::success();
}

} // namespace dsc
