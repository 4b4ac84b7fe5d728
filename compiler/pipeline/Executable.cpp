//===- Executable.cpp - laid-out module to executable ---------------------===//

#include "pipeline/CUDAKernels.h"
#include "pipeline/Codegen.h"
#include "pipeline/Pipelines.h"
#include "pipeline/TempFiles.h"
#include "support/Errors.h"

#include "Dsc/Transforms/Passes.h"
#include "dsc/payload.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Target/TargetMachine.h"

#include <cerrno>
#include <cstring>
#include <optional>
#include <unistd.h>

using namespace llvm;

namespace dsc {

PayloadJob::PayloadJob(mlir::ModuleOp layoutModule, std::string path,
                       bool showProgress, uint64_t at)
    : file(std::move(path)), at(at), remove(std::make_unique<TempPath>(file)) {
  thread = std::thread([this, layoutModule, showProgress] {
    std::error_code ec;
    raw_fd_ostream os(file, ec);
    if (ec) {
      error = toString(fileError(file, ec.message()));
      return;
    }
    if (this->at)
      os.seek(this->at);
    if (Error e = writePayload(layoutModule, os, showProgress)) {
      error = toString(std::move(e));
      return;
    }
    bytes = os.tell() - this->at;
    os.close();
    if (os.has_error()) {
      os.clear_error();
      error = toString(fileError(file, "write error"));
    }
  });
}

PayloadJob::~PayloadJob() {
  if (thread.joinable())
    thread.join();
}

Expected<uint64_t> PayloadJob::wait() {
  if (thread.joinable())
    thread.join();
  if (!error.empty())
    return createStringError(inconvertibleErrorCode(), error);
  return bytes;
}

std::string payloadTempPath(StringRef output) {
  return (output + ".dscw.tmp").str();
}

uint64_t payloadReserve(mlir::ModuleOp layout, bool external) {
  auto size = layout->getAttrOfType<mlir::IntegerAttr>(
      mlir::dsc::kWeightsSizeAttr);
  if (external || !size || size.getInt() < (64 << 20))
    return 0;
  return 4 << 20;
}

/// Copies [0, size) of `from` into `to` at `at` (past its end: the gap
/// reads as zeros), in the kernel where it can.
static Error copyInto(StringRef from, StringRef to, uint64_t at,
                      uint64_t size) {
  int in = -1, out = -1;
  if (std::error_code ec = sys::fs::openFileForRead(from, in))
    return fileError(from, ec.message());
  scope_exit closeIn([&] { sys::Process::SafelyCloseFileDescriptor(in); });
  if (std::error_code ec = sys::fs::openFileForWrite(
          to, out, sys::fs::CD_OpenExisting, sys::fs::OF_None))
    return fileError(to, ec.message());
  scope_exit closeOut([&] { sys::Process::SafelyCloseFileDescriptor(out); });
  off_t src = 0, dst = static_cast<off_t>(at);
  uint64_t left = size;
  while (left) {
    ssize_t n = ::copy_file_range(in, &src, out, &dst, left, 0);
    if (n <= 0)
      break; // not on this file system (or kernel): copied below
    left -= static_cast<uint64_t>(n);
  }
  std::vector<char> buf(left ? 8u << 20 : 0);
  while (left) {
    ssize_t n = ::pread(in, buf.data(), std::min<uint64_t>(left, buf.size()), src);
    if (n <= 0)
      return fileError(from, n < 0 ? std::strerror(errno) : "shorter than written");
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::pwrite(out, buf.data() + done, n - done, dst);
      if (w <= 0)
        return fileError(to, std::strerror(errno));
      done += w;
      dst += w;
    }
    src += n;
    left -= static_cast<uint64_t>(n);
  }
  return Error::success();
}

Error writeExecutable(Module &code, TargetMachine &tm, mlir::ModuleOp layout,
                      const TargetDesc &target, StringRef output, bool external,
                      bool showProgress, ExecutableStats &stats,
                      PayloadJob *payload) {
  // The weights are written while the code is generated and linked.
  std::optional<PayloadJob> ownPayload;
  if (!payload)
    payload = &ownPayload.emplace(layout, payloadTempPath(output), showProgress,
                                  payloadReserve(layout, external));
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
  auto payloadBytes = payload->wait();
  if (!payloadBytes)
    return payloadBytes.takeError();
  stats.payloadBytes = *payloadBytes;
  uint64_t payloadOffset = 0;
  if (!external && payload->offset() >= exeSize) {
    // The code into the hole in front of the payload: the file becomes the
    // executable.
    payloadOffset = payload->offset();
    if (Error e = copyInto(tmpExe, payload->path(), 0, exeSize))
      return e;
    if (std::error_code ec = sys::fs::rename(payload->path(), tmpExe))
      return fileError(tmpExe, ec.message());
  } else if (!external) {
    payloadOffset = (exeSize + DSC_PAYLOAD_ALIGN - 1) / DSC_PAYLOAD_ALIGN *
                    DSC_PAYLOAD_ALIGN;
    if (Error e = copyInto(payload->path(), tmpExe, payloadOffset,
                           stats.payloadBytes))
      return e;
    sys::fs::remove(payload->path());
  }
  if (Error e = appendPayloadTrailer(tmpExe, payloadOffset, stats.payloadBytes,
                                     external ? sys::path::filename(sideFile)
                                              : StringRef()))
    return e;
  sys::fs::setPermissions(tmpExe, sys::fs::all_read | sys::fs::all_exe |
                                      sys::fs::owner_write);
  if (external)
    if (std::error_code ec = sys::fs::rename(payload->path(), sideFile))
      return fileError(sideFile, ec.message());
  if (std::error_code ec = sys::fs::rename(tmpExe, output))
    return fileError(output, ec.message());
  return Error::success();
}

Error buildExecutable(mlir::ModuleOp laidOut, const TargetDesc &target,
                      StringRef output, bool external, bool showProgress,
                      ExecutableStats &stats) {
  PayloadJob payload(laidOut, payloadTempPath(output), showProgress,
                     payloadReserve(laidOut, external));
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
                         showProgress, stats, &payload);
}

} // namespace dsc
