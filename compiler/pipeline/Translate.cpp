//===- Translate.cpp - LLVM dialect to optimized machine code -------------===//

#include "pipeline/Codegen.h"
#include "pipeline/SanitizeBuild.h"

#include "Dsc/Transforms/Passes.h"
#include "targets/EmbeddedFiles.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/Transforms/IPO/Internalize.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"

using namespace llvm;

namespace dsc {

static void initLLVMTargets() {
  static bool done = [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeX86AsmParser();
    LLVMInitializeAArch64TargetInfo();
    LLVMInitializeAArch64Target();
    LLVMInitializeAArch64TargetMC();
    LLVMInitializeAArch64AsmPrinter();
    LLVMInitializeAArch64AsmParser();
    LLVMInitializeARMTargetInfo();
    LLVMInitializeARMTarget();
    LLVMInitializeARMTargetMC();
    LLVMInitializeARMAsmPrinter();
    LLVMInitializeARMAsmParser();
    return true;
  }();
  (void)done;
}

/// LLVM's backend for `target`'s triple.
static Expected<const Target *> lookupBackend(const TargetDesc &target) {
  initLLVMTargets();
  std::string err;
  const Target *t = TargetRegistry::lookupTarget(Triple(target.triple), err);
  if (!t)
    return createStringError(inconvertibleErrorCode(), err);
  return t;
}

Expected<std::unique_ptr<TargetMachine>>
createTargetMachine(const TargetDesc &target) {
  auto t = lookupBackend(target);
  if (!t)
    return t.takeError();
  Triple triple(target.triple);
  TargetOptions opts;
  opts.AllowFPOpFusion = FPOpFusion::Standard;
  std::unique_ptr<TargetMachine> tm(
      (*t)->createTargetMachine(triple, target.cpu, target.features, opts,
                                target.pie ? Reloc::PIC_ : Reloc::Static,
                                CodeModel::Small, CodeGenOptLevel::Aggressive));
  if (!tm)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a target machine for " +
                                 target.triple);
  return std::move(tm);
}

Error checkCPUAndFeatures(const TargetDesc &target) {
  auto t = lookupBackend(target);
  if (!t)
    return t.takeError();
  // A generic subtarget, to ask about names without LLVM's warnings for
  // the unknown ones.
  std::unique_ptr<MCSubtargetInfo> sti(
      (*t)->createMCSubtargetInfo(Triple(target.triple), "generic", ""));
  if (!sti->isCPUStringValid(target.cpu))
    return createStringError(
        inconvertibleErrorCode(),
        "--mcpu " + target.cpu + ": not a CPU of " + target.triple +
            " (llc -mtriple=" + target.triple + " -mcpu=help lists them)");
  SmallVector<StringRef> list;
  StringRef(target.features).split(list, ',');
  for (StringRef f : list) {
    if (f.empty())
      continue;
    StringRef name = f.drop_front();
    if (!llvm::any_of(
            sti->getAllProcessorFeatures(),
            [&](const SubtargetFeatureKV &kv) { return name == kv.Key; }))
      return createStringError(
          inconvertibleErrorCode(),
          "--mattr " + f.str() + ": not a feature of " + target.triple +
              " (llc -mtriple=" + target.triple + " -mattr=help lists them)");
  }
  return Error::success();
}

Expected<std::unique_ptr<Module>> translateAndOptimize(mlir::ModuleOp module,
                                                       LLVMContext &ctx,
                                                       const TargetDesc &target,
                                                       TargetMachine &tm) {
  mlir::registerBuiltinDialectTranslation(*module.getContext());
  mlir::registerLLVMDialectTranslation(*module.getContext());
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, ctx, "dsc_model");
  if (!llvmModule)
    return createStringError(inconvertibleErrorCode(),
                             "translation to LLVM IR failed");
  llvmModule->setTargetTriple(Triple(target.triple));
  llvmModule->setDataLayout(tm.createDataLayout());
  // MLIR's index is i64 on every target (the memref descriptors and the
  // kernel ABI are int64), so generated code allocates with malloc(i64),
  // which a 32-bit runtime's malloc(size_t) would read the low word of: it
  // calls dsc_malloc64 there, which refuses what the address space cannot
  // hold (runtime/exe/libc.c).
  if (llvmModule->getDataLayout().getPointerSizeInBits() == 32)
    if (Function *f = llvmModule->getFunction("malloc"))
      if (f->isDeclaration() && f->arg_size() == 1 &&
          f->getArg(0)->getType()->isIntegerTy(64))
        f->setName("dsc_malloc64");

  StringRef bc = getEmbeddedFile(target.kernels);
  if (bc.empty() && target.sanitize)
    return noSanitizeBuild();
  if (bc.empty())
    return createStringError(inconvertibleErrorCode(),
                             "no micro-kernels for target " + target.name);
  auto kernels = parseBitcodeFile(MemoryBufferRef(bc, target.kernels), ctx);
  if (!kernels)
    return kernels.takeError();
  (*kernels)->setDataLayout(llvmModule->getDataLayout());
  (*kernels)->setTargetTriple(llvmModule->getTargetTriple());
  if (Linker::linkModules(*llvmModule, std::move(*kernels),
                          Linker::Flags::LinkOnlyNeeded))
    return createStringError(inconvertibleErrorCode(),
                             "linking the micro-kernels failed");

  // Generated functions get the target's CPU and features, so that the
  // kernels (compiled for them) can be inlined into them.
  std::string cpu = tm.getTargetCPU().str();
  std::string features = tm.getTargetFeatureString().str();
  for (Function &f : *llvmModule) {
    if (f.isDeclaration())
      continue;
    if (!f.hasFnAttribute("target-cpu"))
      f.addFnAttr("target-cpu", cpu);
    if (!f.hasFnAttribute("target-features") && !features.empty())
      f.addFnAttr("target-features", features);
  }
  // Only the entry point and the model description are seen by the runtime.
  internalizeModule(*llvmModule, [](const GlobalValue &gv) {
    StringRef n = gv.getName();
    return n == ("_mlir_ciface_" + mlir::dsc::kForwardEntry).str() ||
           n == mlir::dsc::kModelDescName;
  });

  PassBuilder pb(&tm);
  if (target.sanitize) {
    // As clang does: instrument the optimized code (kernels inlined), so
    // that the checks cost what they must and see the real accesses.
    for (Function &f : *llvmModule)
      if (!f.isDeclaration())
        f.addFnAttr(Attribute::SanitizeAddress);
    pb.registerOptimizerLastEPCallback(
        [](ModulePassManager &mpm, OptimizationLevel, ThinOrFullLTOPhase) {
          mpm.addPass(AddressSanitizerPass(AddressSanitizerOptions()));
        });
  }
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  ModulePassManager mpm =
      pb.buildPerModuleDefaultPipeline(OptimizationLevel::O3);
  mpm.run(*llvmModule, mam);
  return std::move(llvmModule);
}

Error emitMachineCode(Module &module, TargetMachine &tm, bool assembly,
                      raw_pwrite_stream &os) {
  legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             assembly ? CodeGenFileType::AssemblyFile
                                      : CodeGenFileType::ObjectFile))
    return createStringError(inconvertibleErrorCode(),
                             "the target cannot emit this file type");
  pm.run(module);
  return Error::success();
}

} // namespace dsc
