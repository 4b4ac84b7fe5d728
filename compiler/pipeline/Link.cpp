//===- Link.cpp - object and runtime into an executable -------------------===//

#include "pipeline/Codegen.h"
#include "pipeline/SanitizeBuild.h"
#include "pipeline/TempFiles.h"
#include "registry/CUDATargets.h"
#include "targets/EmbeddedFiles.h"

#include "lld/Common/Driver.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"

LLD_HAS_DRIVER(elf)

using namespace llvm;

namespace dsc {

/// The sanitizer runtimes need libc, and the CUDA targets' runtime its
/// dlopen: --sanitize and cuda-* executables are linked dynamically by the
/// clang dsc was built with.
static Error linkHosted(const TargetDesc &target, StringRef object,
                        StringRef archive, StringRef output) {
  SmallString<128> errPath;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("dsc-link", "txt", errPath))
    return createStringError(ec, "cannot create a temporary file");
  TempPath removeErr(errPath);
  StringRef clang = DSC_HOST_CLANG;
  SmallVector<StringRef> args = {clang,  "-no-pie", "-o",       output,
                                 object, archive,   "-lpthread", "-ldl"};
  if (target.sanitize)
    args.insert(args.begin() + 1, "-fsanitize=address,undefined");
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
                           Twine(target.sanitize ? "--sanitize" : target.name) +
                               ": linking with " + clang + " failed: " + why);
}

/// Runs lld's ELF linker in-process; its messages become the error.
static Error runLLD(ArrayRef<const char *> args) {
  std::string errText;
  raw_string_ostream errs(errText);
  lld::Result r =
      lld::lldMain(args, llvm::nulls(), errs, {{lld::Gnu, &lld::elf::link}});
  if (r.retCode)
    return createStringError(inconvertibleErrorCode(),
                             "linking failed: " + errText);
  return Error::success();
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
  if (target.sanitize || mlir::dsc::getCUDADevice(target))
    return linkHosted(target, object, archivePath, output);
  std::string out = output.str(), obj = object.str(),
              arch = archivePath.str().str();
  std::vector<const char *> args = {
      "ld.lld",    "-static",     "-nostdlib",
      "-e",        "_start",      "--gc-sections",
      "-z",        "noexecstack", "--build-id=none",
      "-o",        out.c_str(),   obj.c_str(),
      arch.c_str()};
  if (target.pie) // a static PIE: no interpreter; _start relocates itself
    args.insert(args.begin() + 2,
                {"-pie", "--no-dynamic-linker", "-z", "text"});
  return runLLD(args);
}

Error linkRelocatable(ArrayRef<std::string> objects, StringRef archive,
                      StringRef output) {
  std::string out = output.str(), arch = archive.str();
  std::vector<const char *> args = {"ld.lld", "-r", "-o", out.c_str()};
  for (const std::string &o : objects)
    args.push_back(o.c_str());
  args.push_back("--whole-archive");
  args.push_back(arch.c_str());
  return runLLD(args);
}

} // namespace dsc
