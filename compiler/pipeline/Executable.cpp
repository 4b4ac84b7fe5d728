//===- Executable.cpp - laid-out module to executable ---------------------===//

#include "support/Errors.h"
#include "pipeline/CUDAKernels.h"
#include "pipeline/Codegen.h"
#include "pipeline/Pipelines.h"
#include "pipeline/TempFiles.h"
#include "registry/CUDATargets.h"

#include "dsc/payload.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Target/TargetMachine.h"

using namespace llvm;

namespace dsc {

Error writeExecutable(Module &code, TargetMachine &tm, mlir::ModuleOp layout,
                      const TargetDesc &target, StringRef output, bool external,
                      bool showProgress, ExecutableStats &stats) {
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
    if (mlir::dsc::getCUDADevice(target))
      if (Error e = embedCUDAKernels(code, target, layout))
        return e;
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
  if (Error e = appendPayloadTrailer(tmpExe, payloadOffset, stats.payloadBytes,
                                     external ? sys::path::filename(sideFile)
                                              : StringRef()))
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
  CompileSettings settings;
  settings.target = target.name;
  settings.sanitize = target.sanitize;
  for (Phase phase : {Phase::Loops, Phase::LLVMDialect})
    if (Error e = runPhase(*code, settings, phase))
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
