//===- Library.cpp - laid-out module to a static library ------------------===//
//
// `dsc compile --emit=lib`: the model's code, its payload and the library
// runtime (runtime/lib) linked into one relocatable object in which every
// symbol but the functions of dsc_model.h is local, in an archive; the
// header beside it. The object uses the application's C library only, so
// that it links into programs for glibc, Android's Bionic or any other
// libc.
//
//===----------------------------------------------------------------------===//

#include "pipeline/Codegen.h"
#include "pipeline/TempFiles.h"
#include "support/Errors.h"
#include "targets/EmbeddedFiles.h"

#include "dsc/payload.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/ObjCopy/ConfigManager.h"
#include "llvm/ObjCopy/ObjCopy.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Object/Binary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Regex.h"
#include "llvm/Target/TargetMachine.h"

using namespace llvm;

namespace dsc {

/// The functions dsc_model.h declares: the library's only global symbols.
static std::vector<std::string> apiFunctions(StringRef header) {
  std::vector<std::string> names;
  Regex fn("(dsc_model_[a-z_]+)\\(");
  SmallVector<StringRef> m;
  StringRef rest = header;
  while (fn.match(rest, &m)) {
    names.push_back(m[1].str());
    rest = rest.drop_front(m[0].data() - rest.data() + m[0].size());
  }
  return names;
}

/// An object holding the payload as dsc_lib_payload (page-aligned,
/// read-only) and its size as dsc_lib_payload_size.
static Error emitPayloadObject(StringRef payload, TargetMachine &tm,
                               raw_pwrite_stream &os) {
  LLVMContext ctx;
  Module m("dsc_payload", ctx);
  m.setTargetTriple(tm.getTargetTriple());
  m.setDataLayout(tm.createDataLayout());
  auto *bytes = ConstantDataArray::getRaw(
      payload.empty() ? StringRef("\0", 1) : payload,
      payload.empty() ? 1 : payload.size(), Type::getInt8Ty(ctx));
  auto *g = new GlobalVariable(m, bytes->getType(), /*isConstant=*/true,
                               GlobalValue::ExternalLinkage, bytes,
                               "dsc_lib_payload");
  g->setAlignment(Align(DSC_PAYLOAD_ALIGN));
  g->setSection(".rodata.dsc_payload");
  new GlobalVariable(m, Type::getInt64Ty(ctx), true,
                     GlobalValue::ExternalLinkage,
                     ConstantInt::get(Type::getInt64Ty(ctx), payload.size()),
                     "dsc_lib_payload_size");
  return emitMachineCode(m, tm, false, os);
}

static Expected<std::string>
writeTemp(StringRef prefix, StringRef suffix,
          function_ref<Error(raw_pwrite_stream &)> fill,
          std::vector<TempPath> &temps) {
  SmallString<128> path;
  if (std::error_code ec = sys::fs::createTemporaryFile(prefix, suffix, path))
    return createStringError(ec, "cannot create a temporary file");
  temps.emplace_back(path);
  std::error_code ec;
  raw_fd_ostream os(path, ec);
  if (ec)
    return fileError(path, ec.message());
  if (Error e = fill(os))
    return std::move(e);
  os.close();
  if (os.has_error())
    return fileError(path, "write error");
  return path.str().str();
}

/// Keeps the API global and makes every other defined symbol local.
static Expected<std::unique_ptr<MemoryBuffer>>
localize(StringRef object, ArrayRef<std::string> api) {
  auto buf = MemoryBuffer::getFile(object);
  if (!buf)
    return fileError(object, buf.getError().message());
  auto bin = object::createBinary((*buf)->getMemBufferRef());
  if (!bin)
    return bin.takeError();
  objcopy::ConfigManager config;
  for (const std::string &name : api)
    if (Error e = config.Common.SymbolsToKeepGlobal.addMatcher(
            objcopy::NameOrPattern::create(name, objcopy::MatchStyle::Literal,
                                           [](Error e) { return e; })))
      return std::move(e);
  SmallVector<char, 0> out;
  raw_svector_ostream os(out);
  if (Error e = objcopy::executeObjcopyOnBinary(config, **bin, os))
    return std::move(e);
  return MemoryBuffer::getMemBufferCopy(StringRef(out.data(), out.size()),
                                        "dsc_model.o");
}

Error writeLibrary(Module &code, TargetMachine &tm, mlir::ModuleOp layout,
                   const TargetDesc &target, StringRef output, bool external,
                   bool showProgress, ExecutableStats &stats) {
  std::string runtimeName = "lib-" + target.runtime;
  StringRef runtime = getEmbeddedFile(runtimeName);
  StringRef header = getEmbeddedFile("lib-header");
  if (runtime.empty() || target.sanitize)
    return createStringError(inconvertibleErrorCode(),
                             "--emit=lib: no library runtime for target " +
                                 target.name);
  std::vector<TempPath> temps;
  auto modelObj = writeTemp(
      "dsc-model", "o",
      [&](raw_pwrite_stream &os) {
        return emitMachineCode(code, tm, false, os);
      },
      temps);
  if (!modelObj)
    return modelObj.takeError();

  // The payload, embedded or in <output>.dscw.
  std::string payload;
  {
    raw_string_ostream os(payload);
    if (Error e = writePayload(layout, os, showProgress))
      return e;
  }
  stats.payloadBytes = payload.size();
  std::string sideFile = (output + ".dscw").str();
  std::string tmpSide = sideFile + ".tmp";
  TempPath removeSide(tmpSide);
  if (external) {
    std::error_code ec;
    raw_fd_ostream os(tmpSide, ec);
    if (ec)
      return fileError(tmpSide, ec.message());
    os << payload;
    os.close();
    if (os.has_error())
      return fileError(tmpSide, "write error");
  }
  auto payloadObj = writeTemp(
      "dsc-payload", "o",
      [&](raw_pwrite_stream &os) {
        return emitPayloadObject(external ? StringRef() : StringRef(payload),
                                 tm, os);
      },
      temps);
  if (!payloadObj)
    return payloadObj.takeError();
  payload.clear();
  payload.shrink_to_fit();
  auto archive = writeTemp(
      "dsc-librt", "a",
      [&](raw_pwrite_stream &os) {
        os << runtime;
        return Error::success();
      },
      temps);
  if (!archive)
    return archive.takeError();

  // One relocatable object of the three.
  SmallString<128> combined;
  if (std::error_code ec =
          sys::fs::createTemporaryFile("dsc-lib", "o", combined))
    return createStringError(ec, "cannot create a temporary file");
  TempPath removeCombined(combined);
  std::string comb = combined.str().str();
  if (Error e = linkRelocatable({*modelObj, *payloadObj}, *archive, comb))
    return e;
  auto object = localize(comb, apiFunctions(header));
  if (!object)
    return object.takeError();
  stats.codeBytes =
      (*object)->getBufferSize() - (external ? 0 : stats.payloadBytes);

  // The archive and the header, each written beside its name and renamed.
  std::string tmpLib = (output + ".tmp").str();
  TempPath removeLib(tmpLib);
  std::vector<NewArchiveMember> members(1);
  members[0].Buf = MemoryBuffer::getMemBuffer((*object)->getMemBufferRef(),
                                              /*RequiresNullTerminator=*/false);
  members[0].MemberName = "dsc_model.o";
  if (Error e = writeArchive(tmpLib, members, SymtabWritingMode::NormalSymtab,
                             object::Archive::K_GNU, /*Deterministic=*/true,
                             /*Thin=*/false))
    return e;
  SmallString<128> headerPath = sys::path::parent_path(output);
  sys::path::append(headerPath, "dsc_model.h");
  std::string tmpHeader = (headerPath + ".tmp").str();
  TempPath removeHeader(tmpHeader);
  {
    std::error_code ec;
    raw_fd_ostream os(tmpHeader, ec);
    if (ec)
      return fileError(tmpHeader, ec.message());
    os << header;
    os.close();
    if (os.has_error())
      return fileError(tmpHeader, "write error");
  }
  if (external)
    if (std::error_code ec = sys::fs::rename(tmpSide, sideFile))
      return fileError(sideFile, ec.message());
  if (std::error_code ec = sys::fs::rename(tmpHeader, headerPath))
    return fileError(headerPath, ec.message());
  if (std::error_code ec = sys::fs::rename(tmpLib, output))
    return fileError(output, ec.message());
  return Error::success();
}

} // namespace dsc
