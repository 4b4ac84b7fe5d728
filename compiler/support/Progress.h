//===- Progress.h - a status line on a terminal -----------------*- C++ -*-===//
//
// Long work (loading, quantizing, generating code, writing gigabytes of
// weights) says what it is doing on one line of stderr, rewritten in place
// and erased when done, so that what stays on the screen is the result.
// Only on a terminal and without --quiet: logs and pipes get nothing.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_SUPPORT_PROGRESS_H
#define DSC_SUPPORT_PROGRESS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <string>

namespace dsc {

class ProgressLine {
public:
  /// On when `wanted` (not --quiet) and stderr is a terminal.
  explicit ProgressLine(bool wanted)
      : on(wanted && llvm::sys::Process::StandardErrIsDisplayed()) {}
  ~ProgressLine() { clear(); }
  ProgressLine(const ProgressLine &) = delete;
  ProgressLine &operator=(const ProgressLine &) = delete;

  bool enabled() const { return on; }

  /// Shows "dsc: TEXT". Updates that follow within 100 ms are skipped
  /// unless `force` (a new phase), so that a loop may call it freely.
  void show(const llvm::Twine &text, bool force = true) {
    if (!on)
      return;
    auto now = std::chrono::steady_clock::now();
    if (!force && shown && now - last < std::chrono::milliseconds(100))
      return;
    last = now;
    std::string line = "dsc: " + text.str();
    size_t width = line.size();
    if (width < this->width)
      line.append(this->width - width, ' ');
    llvm::errs() << "\r" << line;
    llvm::errs().flush();
    this->width = width;
    shown = true;
  }

  /// Erases the line (before a message that stays, and at the end).
  void clear() {
    if (!on || !shown)
      return;
    llvm::errs() << "\r" << std::string(width, ' ') << "\r";
    llvm::errs().flush();
    shown = false;
    width = 0;
  }

private:
  bool on;
  bool shown = false;
  size_t width = 0;
  std::chrono::steady_clock::time_point last;
};

} // namespace dsc

#endif
