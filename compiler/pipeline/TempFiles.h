//===- TempFiles.h - temporaries removed on every way out -------*- C++ -*-===//
//
// dsc writes large temporaries (`<output>.tmp`, the calibration and eval
// builds, their FIFOs). They must go on every way out of the process: a
// normal return, an error, and SIGINT/SIGTERM/SIGHUP in the middle of a long
// compile. LLVM's RemoveFileOnSignal removes only regular files, so FIFOs and
// directories are kept in a registry of our own, which a signal handler
// empties (and kills the registered child processes) before re-raising the
// signal. The handler uses only async-signal-safe calls.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PIPELINE_TEMPFILES_H
#define DSC_PIPELINE_TEMPFILES_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <sys/types.h>

namespace dsc {

/// A path that is removed when this object goes out of scope, or when the
/// process gets SIGINT, SIGTERM or SIGHUP, unless keep() was called.
class TempPath {
public:
  TempPath() = default;
  /// Registers `path`, which need not exist yet. A `directory` is removed
  /// with everything in it; otherwise only a non-directory is removed, so
  /// that a user's directory that happens to have the name survives.
  TempPath(llvm::StringRef path, bool directory = false);
  TempPath(TempPath &&other);
  TempPath &operator=(TempPath &&other);
  TempPath(const TempPath &) = delete;
  TempPath &operator=(const TempPath &) = delete;
  ~TempPath();

  const std::string &path() const { return p; }
  /// The path of `name` inside this directory.
  std::string child(llvm::StringRef name) const;
  /// Stops tracking the path without removing it (e.g. after renaming the
  /// temporary onto the real output).
  void keep();
  /// Removes the path now.
  void remove();

private:
  std::string p;
  bool directory = false;
  int slot = -1; // in the signal handler's registry; -1 when not tracked
};

/// A new, uniquely named directory in the system's temporary directory
/// ($TMPDIR), `<prefix>-XXXXXX`.
llvm::Expected<TempPath> createTempDirectory(llvm::StringRef prefix);

/// Child processes that get SIGTERM when dsc is interrupted, so that they
/// do not outlive it.
void registerChildProcess(pid_t pid);
void unregisterChildProcess(pid_t pid);

} // namespace dsc

#endif
