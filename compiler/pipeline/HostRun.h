//===- HostRun.h - running compiled models on this host ---------*- C++ -*-===//
//
// Calibration and `dsc eval` run executables dsc has just compiled for the
// host on a file of token ids, and read what they stream (activations,
// logits) through FIFOs. HostRun is that orchestration, once: a temporary
// directory removed on every way out (signals included), the children
// started with their stderr kept for messages, FIFOs read without ever
// blocking on a child that has exited, and the children's exit status
// turned into an error that says what went wrong.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_PIPELINE_HOSTRUN_H
#define DSC_PIPELINE_HOSTRUN_H

#include "pipeline/TempFiles.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dsc {

class HostRun {
public:
  /// A run with its own temporary directory, `<prefix>-XXXXXX` in $TMPDIR.
  static llvm::Expected<std::unique_ptr<HostRun>>
  create(llvm::StringRef prefix);
  /// Stops the children still running and removes the directory.
  ~HostRun();
  HostRun(const HostRun &) = delete;
  HostRun &operator=(const HostRun &) = delete;

  /// The path of `name` in the run's directory.
  std::string path(llvm::StringRef name) const { return dir.child(name); }

  /// Writes token ids as the executables' --eval-tokens read them (int32,
  /// host order) to `name` in the directory; returns its path.
  llvm::Expected<std::string> writeTokens(llvm::StringRef name,
                                          llvm::ArrayRef<int32_t> ids);

  /// Starts `exe args... streamFlag <fifo>`, the FIFO in the directory;
  /// returns the index of its stream. The child is named by the file name
  /// of `exe` in messages; its stderr is kept for them.
  llvm::Expected<unsigned> start(llvm::StringRef exe,
                                 llvm::ArrayRef<std::string> args,
                                 llvm::StringRef streamFlag);

  /// Reads exactly `n` bytes of stream `i`; false at the end of the stream,
  /// which is also where a child that exited (or never opened its FIFO)
  /// leaves it. Waits only while the child is alive.
  bool read(unsigned i, void *buf, size_t n);

  /// Closes the streams (a child whose stream was not read to its end is
  /// stopped) and waits for the children. Fails if one of them failed,
  /// naming it, how it ended and the last lines it wrote to stderr.
  llvm::Error finish();

private:
  struct Child {
    std::string name, stderrPath;
    int pid = 0;
    int fd = -1;          // the read end of its FIFO
    bool ended = false;   // its stream reached its end
    bool exited = false;  // reaped; `status` is valid
    bool stopped = false; // we sent it SIGTERM
    int status = 0;
  };

  explicit HostRun(TempPath dir) : dir(std::move(dir)) {}
  /// Reaps the child if it has exited; true if it has.
  bool poll(Child &c, bool wait);
  std::string describe(const Child &c) const;

  // Declared first, destroyed last: the children are gone before it is.
  TempPath dir;
  std::vector<Child> children;
  bool finished = false;
};

} // namespace dsc

#endif
