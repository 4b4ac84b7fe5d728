//===- BinaryFile.h - dsc's own binary files, read and written --*- C++ -*-===//
//
// The calibration statistics (DSCCALB2) and auto's measurements (DSCMEAS1)
// are flat little-endian records: read with a cursor that checks every field
// fits, written through a temporary file renamed into place, so that a
// failed or interrupted write never leaves a half-written file.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_SUPPORT_BINARYFILE_H
#define DSC_SUPPORT_BINARYFILE_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <string>
#include <vector>

namespace dsc {

/// Reads fixed-size fields off the front of a buffer; each take fails,
/// consuming nothing, when the buffer is too short.
class ByteCursor {
public:
  explicit ByteCursor(llvm::StringRef bytes) : bytes(bytes) {}
  template <typename T> bool take(T &v) {
    if (bytes.size() < sizeof(T))
      return false;
    std::memcpy(&v, bytes.data(), sizeof(T));
    bytes = bytes.drop_front(sizeof(T));
    return true;
  }
  template <typename T> bool takeArray(std::vector<T> &v, uint64_t n) {
    if (bytes.size() / sizeof(T) < n)
      return false;
    v.resize(n);
    if (n) // an empty vector's data() may be null
      std::memcpy(v.data(), bytes.data(), n * sizeof(T));
    bytes = bytes.drop_front(n * sizeof(T));
    return true;
  }
  bool takeString(std::string &s, uint64_t n) {
    if (bytes.size() < n)
      return false;
    s.assign(bytes.data(), n);
    bytes = bytes.drop_front(n);
    return true;
  }
  size_t left() const { return bytes.size(); }

private:
  llvm::StringRef bytes;
};

/// Writes `path` with `body`'s bytes through a temporary file in the same
/// directory, renamed into place once complete; errors name `path`.
inline llvm::Error
writeFileAtomically(llvm::StringRef path,
                    llvm::function_ref<void(llvm::raw_ostream &)> body) {
  llvm::SmallString<128> tmp;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(path + ".tmp-%%%%%%", fd, tmp))
    return llvm::createStringError(ec, path + ": " + ec.message());
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    body(os);
    os.close();
    if (os.has_error()) {
      std::error_code ec = os.error();
      os.clear_error();
      llvm::sys::fs::remove(tmp);
      return llvm::createStringError(ec, path + ": " + ec.message());
    }
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path)) {
    llvm::sys::fs::remove(tmp);
    return llvm::createStringError(ec, path + ": " + ec.message());
  }
  return llvm::Error::success();
}

/// Appends the raw bytes of `n` bytes at `p` (a field of a flat record).
inline void putBytes(llvm::raw_ostream &os, const void *p, size_t n) {
  os.write(static_cast<const char *>(p), n);
}

} // namespace dsc

#endif // DSC_SUPPORT_BINARYFILE_H
