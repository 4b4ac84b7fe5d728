//===- Codegen.cpp - dsc IR to executables --------------------------------===//

#include "pipeline/Codegen.h"
#include "frontend/Errors.h"
#include "frontend/Tokenizer.h"
#include "frontend/WeightReader.h"
#include "pipeline/TempFiles.h"
#include "targets/EmbeddedFiles.h"

#include "Dsc/IR/DscOps.h"
#include "Dsc/Transforms/Passes.h"
#include "dsc/checksum.h"
#include "dsc/payload.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/Passes.h"

#include "lld/Common/Driver.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/Transforms/IPO/Internalize.h"
#include "llvm/Transforms/Instrumentation/AddressSanitizer.h"

LLD_HAS_DRIVER(elf)

using namespace llvm;

namespace dsc {

static Error noSanitizeBuild() {
  return createStringError(inconvertibleErrorCode(),
                           "--sanitize: this dsc was built without the "
                           "sanitizer runtime (configure with "
                           "-DDSC_SANITIZE_RUNTIME=ON; needs "
                           "libclang-rt-22-dev)");
}

static Error passFailure(StringRef phase) {
  return createStringError(inconvertibleErrorCode(),
                           (phase + " failed (diagnostics above)").str());
}

Error runGraphPasses(mlir::ModuleOp module) {
  mlir::PassManager pm(module.getContext());
  pm.addPass(mlir::dsc::createGraphFuseSwiGLU());
  pm.addPass(mlir::createCSEPass());
  if (failed(pm.run(module)))
    return passFailure("graph passes");
  return Error::success();
}

Error runQuantization(mlir::ModuleOp module, const QuantOptions &opts) {
  if (opts.scheme.empty())
    return Error::success();
  mlir::dsc::QuantSpec spec;
  std::string why;
  if (failed(mlir::dsc::parseQuantSpec(opts.scheme, spec, &why)))
    return createStringError(inconvertibleErrorCode(),
                             "--quantize " + opts.scheme + ": " + why);
  mlir::PassManager pm(module.getContext());
  mlir::dsc::QuantApplyOptions o;
  o.scheme = opts.scheme;
  o.embeddings = opts.embeddings;
  o.head = opts.head;
  pm.addPass(mlir::dsc::createQuantApply(o));
  if (failed(pm.run(module)))
    return passFailure("quantization");
  return Error::success();
}

Error runWeightLayout(mlir::ModuleOp module, const TargetDesc &target) {
  // The passes from here on read what the target's kernels handle.
  module->setAttr(mlir::dsc::kTargetAttr,
                  mlir::StringAttr::get(module.getContext(), target.name));
  mlir::PassManager pm(module.getContext());
  pm.addPass(mlir::dsc::createWeightsPack());
  pm.addPass(mlir::dsc::createWeightsAssignOffsets());
  pm.addPass(mlir::dsc::createWeightsStampId());
  if (failed(pm.run(module)))
    return passFailure("weight layout");
  return Error::success();
}

Error runLowerToLoops(mlir::ModuleOp module) {
  mlir::PassManager pm(module.getContext());
  mlir::dsc::buildLowerToLoopsPipeline(pm);
  if (failed(pm.run(module)))
    return passFailure("dsc-codegen-lower-to-loops");
  return Error::success();
}

Error runLowerToLLVMDialect(mlir::ModuleOp module, bool alignedAlloc) {
  mlir::PassManager pm(module.getContext());
  mlir::dsc::buildLowerToLLVMPipeline(pm, alignedAlloc);
  if (failed(pm.run(module)))
    return passFailure("lowering to the LLVM dialect");
  return Error::success();
}

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
    return true;
  }();
  (void)done;
}

Expected<std::unique_ptr<TargetMachine>>
createTargetMachine(const TargetDesc &target) {
  initLLVMTargets();
  Triple triple(target.triple);
  std::string err;
  const Target *t = TargetRegistry::lookupTarget(triple, err);
  if (!t)
    return createStringError(inconvertibleErrorCode(), err);
  TargetOptions opts;
  opts.AllowFPOpFusion = FPOpFusion::Standard;
  std::unique_ptr<TargetMachine> tm(t->createTargetMachine(
      triple, target.cpu, target.features, opts, Reloc::Static,
      CodeModel::Small, CodeGenOptLevel::Aggressive));
  if (!tm)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a target machine for " +
                                 target.triple);
  return std::move(tm);
}

Expected<std::unique_ptr<Module>>
translateAndOptimize(mlir::ModuleOp module, LLVMContext &ctx,
                     const TargetDesc &target, TargetMachine &tm) {
  mlir::registerBuiltinDialectTranslation(*module.getContext());
  mlir::registerLLVMDialectTranslation(*module.getContext());
  std::unique_ptr<Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, ctx, "dsc_model");
  if (!llvmModule)
    return createStringError(inconvertibleErrorCode(),
                             "translation to LLVM IR failed");
  llvmModule->setTargetTriple(Triple(target.triple));
  llvmModule->setDataLayout(tm.createDataLayout());

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
    return n == "_mlir_ciface_dsc_forward" || n == "dsc_model_desc";
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
  ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(OptimizationLevel::O3);
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

/// The sanitizer runtimes need libc: --sanitize executables are linked
/// dynamically by the clang dsc was built with.
static Error linkSanitized(StringRef object, StringRef archive,
                           StringRef output) {
  SmallString<128> errPath;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("dsc-link", "txt", errPath))
    return createStringError(ec, "cannot create a temporary file");
  TempPath removeErr(errPath);
  StringRef clang = DSC_HOST_CLANG;
  SmallVector<StringRef> args = {clang,     "-fsanitize=address,undefined",
                                 "-no-pie", "-o",
                                 output,    object,
                                 archive,   "-lpthread"};
  std::optional<StringRef> redirects[] = {std::nullopt, std::nullopt,
                                          StringRef(errPath)};
  std::string why;
  int rc =
      sys::ExecuteAndWait(clang, args, std::nullopt, redirects, 0, 0, &why);
  if (rc == 0)
    return Error::success();
  if (auto text = MemoryBuffer::getFile(errPath))
    why += (why.empty() ? "" : ": ") + (*text)->getBuffer().rtrim().str();
  return createStringError(inconvertibleErrorCode(),
                           "--sanitize: linking with " + clang.str() +
                               " failed: " + why);
}

Error linkExecutable(const TargetDesc &target, StringRef object,
                     StringRef output) {
  StringRef archive = getEmbeddedFile(target.runtime);
  if (archive.empty() && target.sanitize)
    return noSanitizeBuild();
  if (archive.empty())
    return createStringError(inconvertibleErrorCode(),
                             "no runtime for target " + target.name);
  SmallString<128> archivePath;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("dscrt", "a", archivePath))
    return createStringError(ec, "cannot create a temporary file");
  TempPath removeArchive(archivePath);
  {
    std::error_code ec;
    raw_fd_ostream os(archivePath, ec);
    if (ec)
      return createStringError(ec, "cannot write " + archivePath.str().str());
    os << archive;
  }
  if (target.sanitize)
    return linkSanitized(object, archivePath, output);
  std::string out = output.str(), obj = object.str(),
              arch = archivePath.str().str();
  std::vector<const char *> args = {
      "ld.lld", "-static", "-nostdlib", "-e", "_start", "--gc-sections",
      "-z", "noexecstack", "--build-id=none", "-o", out.c_str(), obj.c_str(),
      arch.c_str()};
  std::string errText;
  raw_string_ostream errs(errText);
  lld::Result r = lld::lldMain(args, llvm::nulls(), errs,
                               {{lld::Gnu, &lld::elf::link}});
  if (r.retCode)
    return createStringError(inconvertibleErrorCode(),
                             "linking failed: " + errText);
  return Error::success();
}

namespace {
/// Counts bytes into an underlying stream and shows progress on a terminal.
class ProgressStream : public raw_ostream {
public:
  ProgressStream(raw_ostream &os, uint64_t total, bool show)
      : os(os), total(total), show(show) {
    SetUnbuffered();
  }
  ~ProgressStream() override {
    if (show && shown)
      errs() << "\r" << std::string(60, ' ') << "\r";
  }

private:
  void write_impl(const char *ptr, size_t size) override {
    os.write(ptr, size);
    written += size;
    int pct = total ? static_cast<int>(100 * written / total) : 100;
    if (show && pct != lastPct) {
      lastPct = pct;
      shown = true;
      errs() << format("\rdsc: writing weights %3d%% (%.1f / %.1f MB)", pct,
                       written / 1e6, total / 1e6);
    }
  }
  uint64_t current_pos() const override { return written; }
  raw_ostream &os;
  uint64_t total, written = 0;
  bool show, shown = false;
  int lastPct = -1;
};

/// Passes bytes through to an underlying stream, hashing them.
class HashStream : public raw_ostream {
public:
  explicit HashStream(raw_ostream &os) : os(os) {
    SetUnbuffered();
    dsc_hash_init(&hash);
  }
  uint64_t digest() const { return dsc_hash_final(&hash); }

private:
  void write_impl(const char *ptr, size_t size) override {
    dsc_hash_update(&hash, ptr, size);
    os.write(ptr, size);
    written += size;
  }
  uint64_t current_pos() const override { return written; }
  raw_ostream &os;
  dsc_hash hash;
  uint64_t written = 0;
};
} // namespace

Error writePayload(mlir::ModuleOp module, raw_ostream &os, bool showProgress) {
  auto sizeAttr = module->getAttrOfType<mlir::IntegerAttr>(
      mlir::dsc::kWeightsSizeAttr);
  auto idAttr =
      module->getAttrOfType<mlir::IntegerAttr>(mlir::dsc::kModelIdAttr);
  if (!sizeAttr || !idAttr)
    return createStringError(inconvertibleErrorCode(),
                             "the module has no weight layout");
  uint64_t weightsSize = static_cast<uint64_t>(sizeAttr.getInt());

  // The tokenizer, serialized.
  std::vector<uint8_t> tokBlob;
  if (auto tokAttr = module->getAttrOfType<mlir::DictionaryAttr>(
          mlir::dsc::DscDialect::getTokenizerAttrName())) {
    TokenizerSource src{
        cast<mlir::StringAttr>(tokAttr.get("path")).getValue().str(),
        cast<mlir::StringAttr>(tokAttr.get("kind")).getValue().str()};
    mlir::dsc::ModelConfigAttr config = mlir::dsc::getModelConfig(module);
    auto tok = loadTokenizer(src, config ? config.getVocabSize() : -1);
    if (!tok)
      return tok.takeError();
    uint8_t *blob;
    size_t n;
    if (dsc_tok_serialize(tok->get(), &blob, &n) != DSC_OK)
      return createStringError(inconvertibleErrorCode(), "out of memory");
    tokBlob.assign(blob, blob + n);
    free(blob);
  }

  auto align = [](uint64_t v) {
    return (v + DSC_PAYLOAD_ALIGN - 1) / DSC_PAYLOAD_ALIGN * DSC_PAYLOAD_ALIGN;
  };
  dsc_payload_header hdr;
  memset(&hdr, 0, sizeof(hdr));
  memcpy(hdr.magic, DSC_PAYLOAD_MAGIC, 8);
  hdr.model_id = static_cast<uint64_t>(idAttr.getInt());
  hdr.n_sections = 0;
  auto addSection = [&](const char *name, uint64_t offset, uint64_t size) {
    dsc_payload_section &s = hdr.sections[hdr.n_sections++];
    strcpy(s.name, name);
    s.offset = offset;
    s.size = size;
  };
  addSection("weights", DSC_PAYLOAD_ALIGN, weightsSize);
  uint64_t end = DSC_PAYLOAD_ALIGN + weightsSize;
  if (!tokBlob.empty()) {
    addSection("tokenizer", align(end), tokBlob.size());
    end = align(end) + tokBlob.size();
  }
  // The checksum covers every byte before it, so it is written last.
  uint64_t checksumAt = (end + 7) / 8 * 8;
  addSection("checksum", checksumAt, 8);
  HashStream hs(os);
  std::vector<char> page(DSC_PAYLOAD_ALIGN, 0);
  memcpy(page.data(), &hdr, sizeof(hdr));
  hs.write(page.data(), page.size());

  // Weights in offset order, padded to their alignment.
  std::vector<mlir::dsc::GlobalOp> globals;
  for (auto g : module.getOps<mlir::dsc::GlobalOp>())
    globals.push_back(g);
  llvm::sort(globals, [](mlir::dsc::GlobalOp a, mlir::dsc::GlobalOp b) {
    return a.getOffsetAttr().getInt() < b.getOffsetAttr().getInt();
  });
  WeightReader reader;
  ProgressStream ps(hs, weightsSize, showProgress && weightsSize > (64 << 20));
  uint64_t pos = 0;
  static const char zeros[4096] = {};
  for (auto g : globals) {
    uint64_t off = static_cast<uint64_t>(g.getOffsetAttr().getInt());
    ps.write(zeros, off - pos);
    mlir::Attribute src = g.getSourceAttr();
    if (!src)
      return createStringError(inconvertibleErrorCode(),
                               "weight '" + g.getSymName().str() +
                                   "' has no source to read it from");
    std::vector<float> importance;
    if (auto imp = g->getAttrOfType<mlir::DenseFPElementsAttr>(
            mlir::dsc::kImportanceAttr))
      importance.assign(imp.getValues<float>().begin(),
                        imp.getValues<float>().end());
    if (Error e = reader.write(src, g.getType(), g.getLayoutAttr(), ps,
                               importance))
      return e;
    pos = off + mlir::dsc::getStorageBytes(g.getType(), g.getLayoutAttr());
  }
  if (pos != weightsSize)
    ps.write(zeros, weightsSize - pos);
  if (!tokBlob.empty()) {
    uint64_t at = DSC_PAYLOAD_ALIGN + weightsSize;
    std::vector<char> pad(align(at) - at, 0);
    hs.write(pad.data(), pad.size());
    hs.write(reinterpret_cast<const char *>(tokBlob.data()), tokBlob.size());
  }
  hs.write(zeros, checksumAt - end);
  uint8_t sum[8];
  uint64_t digest = hs.digest();
  for (int i = 0; i < 8; ++i)
    sum[i] = static_cast<uint8_t>(digest >> (8 * i));
  os.write(reinterpret_cast<const char *>(sum), sizeof(sum));
  return Error::success();
}

Error appendPayloadTrailer(StringRef exe, uint64_t payloadOffset,
                           uint64_t payloadSize, StringRef externalName) {
  std::error_code ec;
  raw_fd_ostream os(exe, ec, sys::fs::OF_Append);
  if (ec)
    return fileError(exe, ec.message());
  dsc_trailer tr;
  memset(&tr, 0, sizeof(tr));
  if (externalName.size() >= sizeof(tr.external))
    return fileError(exe, "the weights file name is too long");
  if (!externalName.empty())
    memcpy(tr.external, externalName.data(), externalName.size());
  tr.offset = payloadOffset;
  tr.size = payloadSize;
  memcpy(tr.magic, DSC_TRAILER_MAGIC, 8);
  os.write(reinterpret_cast<const char *>(&tr), sizeof(tr));
  return Error::success();
}

Error writeExecutable(Module &code, TargetMachine &tm, mlir::ModuleOp layout,
                      const TargetDesc &target, StringRef output,
                      bool external, bool showProgress,
                      ExecutableStats &stats) {
  SmallString<128> objPath;
  if (std::error_code ec = sys::fs::createTemporaryFile("dsc", "o", objPath))
    return createStringError(ec, "cannot create a temporary file");
  // Temporaries go on every way out, SIGINT/SIGTERM included; the outputs
  // appear only by the renames at the end.
  TempPath removeObj(objPath);
  {
    std::error_code ec;
    raw_fd_ostream os(objPath, ec);
    if (ec)
      return fileError(objPath, ec.message());
    if (Error e = emitMachineCode(code, tm, false, os))
      return e;
  }
  std::string tmpExe = (output + ".tmp").str();
  TempPath removeExe(tmpExe);
  if (Error e = linkExecutable(target, objPath, tmpExe))
    return e;
  uint64_t exeSize = 0;
  sys::fs::file_size(tmpExe, exeSize);
  stats.codeBytes = exeSize;
  std::string sideFile = (output + ".dscw").str();
  std::string tmpSide = sideFile + ".tmp";
  TempPath removeSide(tmpSide);
  uint64_t payloadOffset = 0;
  {
    std::error_code ec;
    raw_fd_ostream os(external ? tmpSide : tmpExe, ec,
                      external ? sys::fs::OF_None : sys::fs::OF_Append);
    if (ec)
      return fileError(external ? tmpSide : tmpExe, ec.message());
    if (!external) {
      payloadOffset = (exeSize + DSC_PAYLOAD_ALIGN - 1) / DSC_PAYLOAD_ALIGN *
                      DSC_PAYLOAD_ALIGN;
      std::vector<char> pad(payloadOffset - exeSize, 0);
      os.write(pad.data(), pad.size());
    }
    uint64_t before = os.tell();
    if (Error e = writePayload(layout, os, showProgress))
      return e;
    stats.payloadBytes = os.tell() - before;
    os.close();
    if (os.has_error())
      return fileError(external ? tmpSide : tmpExe, "write error");
  }
  if (Error e = appendPayloadTrailer(
          tmpExe, payloadOffset, stats.payloadBytes,
          external ? sys::path::filename(sideFile) : StringRef()))
    return e;
  sys::fs::setPermissions(tmpExe, sys::fs::all_read | sys::fs::all_exe |
                                      sys::fs::owner_write);
  if (external)
    if (std::error_code ec = sys::fs::rename(tmpSide, sideFile))
      return fileError(sideFile, ec.message());
  if (std::error_code ec = sys::fs::rename(tmpExe, output))
    return fileError(output, ec.message());
  return Error::success();
}

Error buildExecutable(mlir::ModuleOp laidOut, const TargetDesc &target,
                      StringRef output, bool external, bool showProgress,
                      ExecutableStats &stats) {
  mlir::OwningOpRef<mlir::ModuleOp> code = laidOut.clone();
  if (Error e = runLowerToLoops(*code))
    return e;
  if (Error e = runLowerToLLVMDialect(*code, target.sanitize))
    return e;
  auto tm = createTargetMachine(target);
  if (!tm)
    return tm.takeError();
  LLVMContext ctx;
  auto llvmModule = translateAndOptimize(*code, ctx, target, **tm);
  if (!llvmModule)
    return llvmModule.takeError();
  return writeExecutable(**llvmModule, **tm, laidOut, target, output, external,
                         showProgress, stats);
}

} // namespace dsc
