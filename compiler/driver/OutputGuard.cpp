//===- OutputGuard.cpp - checks on `dsc compile -o` -----------------------===//

#include "driver/OutputGuard.h"
#include "support/Errors.h"

#include "Dsc/IR/DscOps.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <unistd.h>

using namespace llvm;

namespace dsc {

std::vector<std::string> writtenFiles(StringRef output, bool externalWeights) {
  if (output == "-")
    return {};
  // The payload is written to .dscw.tmp in both modes (PayloadJob).
  std::vector<std::string> files = {output.str(), (output + ".tmp").str(),
                                    (output + ".dscw.tmp").str()};
  if (externalWeights)
    files.push_back((output + ".dscw").str());
  return files;
}

Error checkWritable(ArrayRef<std::string> written) {
  StringSet<> probed;
  for (const std::string &w : written) {
    sys::fs::file_status st;
    if (!sys::fs::status(w, st)) {
      if (sys::fs::is_directory(st))
        return fileError(w, "is a directory; -o needs a file name");
      if (sys::fs::access(w, sys::fs::AccessMode::Write))
        return fileError(w, "is not writable");
    }
    SmallString<256> dir = sys::path::parent_path(w);
    if (dir.empty())
      dir = ".";
    if (!probed.insert(dir).second)
      continue;
    if (!sys::fs::is_directory(dir))
      return fileError(w, "cannot be written: directory '" + dir +
                              "' does not exist");
    // Permissions alone do not tell (read-only mounts, ACLs): create a file.
    SmallString<256> probe(dir);
    sys::path::append(probe, ".dsc-probe-%%%%%%");
    int fd;
    SmallString<256> made;
    if (std::error_code ec = sys::fs::createUniqueFile(probe, fd, made))
      return fileError(w, "cannot be written: cannot create files in '" + dir +
                              "': " + ec.message());
    ::close(fd);
    sys::fs::remove(made);
  }
  return Error::success();
}

std::vector<std::string> inputFiles(mlir::ModuleOp module, StringRef checkpoint,
                                    ArrayRef<std::string> extra) {
  std::vector<std::string> files;
  bool isDir = sys::fs::is_directory(checkpoint);
  if (!checkpoint.empty() && !isDir)
    files.push_back(checkpoint.str());
  // A Hugging Face checkpoint, named by its directory or one of its files:
  // what the reader reads besides the weights and the tokenizer.
  if (isDir || checkpoint.ends_with(".safetensors") ||
      checkpoint.ends_with("config.json")) {
    SmallString<256> dir(isDir ? checkpoint
                               : sys::path::parent_path(checkpoint));
    if (dir.empty())
      dir = ".";
    for (const char *name : {"config.json", "model.safetensors.index.json"}) {
      SmallString<256> p(dir);
      sys::path::append(p, name);
      files.push_back(std::string(p));
    }
  }
  module.walk([&](mlir::dsc::GlobalOp g) {
    if (mlir::Attribute src = g.getSourceAttr())
      src.walk([&](mlir::dsc::FileSourceAttr f) {
        files.push_back(f.getPath().str());
      });
  });
  if (auto tok = module->getAttrOfType<mlir::DictionaryAttr>(
          mlir::dsc::DscDialect::getTokenizerAttrName()))
    if (auto path = dyn_cast_or_null<mlir::StringAttr>(tok.get("path")))
      files.push_back(path.str());
  for (const std::string &e : extra)
    if (!e.empty())
      files.push_back(e);
  // Every weight names its shard: compare each file once.
  StringSet<> seen;
  llvm::erase_if(files,
                 [&](const std::string &f) { return !seen.insert(f).second; });
  return files;
}

Error checkNotInput(ArrayRef<std::string> written,
                    ArrayRef<std::string> inputs) {
  for (const std::string &w : written) {
    // A file that does not exist yet is none of the inputs, which do.
    if (!sys::fs::exists(w))
      continue;
    for (const std::string &in : inputs) {
      bool same = false;
      if (!sys::fs::equivalent(w, in, same) && same)
        return fileError(w, "is '" + in +
                                "', an input of this compile; writing it "
                                "would destroy it (choose another -o)");
    }
  }
  return Error::success();
}

} // namespace dsc
