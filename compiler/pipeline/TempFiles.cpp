//===- TempFiles.cpp - temporaries removed on every way out ---------------===//

#include "pipeline/TempFiles.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Signals.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <mutex>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace dsc {

namespace {
// The registry is fixed-size arrays of atomics: the signal handler may run
// on any thread at any time, so it can neither lock nor allocate. Whoever
// exchanges an entry to null owns it (the handler or the unregistering
// thread), so an entry is never used after it is freed.
constexpr int kSlots = 256;
constexpr int kChildren = 64;
// Each entry is a malloc'd "<kind><path>", kind 'd' for a directory.
std::atomic<char *> slots[kSlots];
std::atomic<pid_t> children[kChildren];
const int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
std::once_flag installOnce;

/// Removes everything in the directory `fd`, recursing `depth` levels at
/// most. getdents64 and the *at calls are async-signal-safe, unlike
/// opendir (which allocates). Entries removed while reading may make the
/// kernel skip others, so it reads again until a pass removes nothing.
void emptyDirectory(int fd, int depth) {
  alignas(struct dirent64) char buf[4096];
  for (int pass = 0; pass < 8; ++pass) {
    bool removed = false;
    if (lseek(fd, 0, SEEK_SET) != 0)
      return;
    for (;;) {
      ssize_t n = getdents64(fd, buf, sizeof(buf));
      if (n <= 0)
        break;
      for (ssize_t off = 0; off < n;) {
        auto *d = reinterpret_cast<struct dirent64 *>(buf + off);
        off += d->d_reclen;
        const char *name = d->d_name;
        if (!strcmp(name, ".") || !strcmp(name, ".."))
          continue;
        struct stat st;
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
          continue;
        if (S_ISDIR(st.st_mode)) {
          if (depth <= 0)
            continue;
          int sub =
              openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub >= 0) {
            emptyDirectory(sub, depth - 1);
            close(sub);
          }
          removed |= unlinkat(fd, name, AT_REMOVEDIR) == 0;
        } else {
          removed |= unlinkat(fd, name, 0) == 0;
        }
      }
    }
    if (!removed)
      return;
  }
}

/// Removes `path`: any non-directory (FIFOs too, which sys::fs::remove
/// refuses), or with `directory` a directory and all it holds.
void removePath(const char *path, bool directory) {
  struct stat st;
  if (lstat(path, &st) != 0)
    return;
  if (!S_ISDIR(st.st_mode)) {
    unlink(path);
    return;
  }
  if (!directory)
    return;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;
  emptyDirectory(fd, 16);
  close(fd);
  rmdir(path);
}

void onSignal(int sig) {
  for (std::atomic<pid_t> &c : children)
    if (pid_t pid = c.exchange(0))
      kill(pid, SIGTERM);
  for (std::atomic<char *> &s : slots)
    if (char *entry = s.exchange(nullptr))
      removePath(entry + 1, entry[0] == 'd'); // not freed: dsc is ending
  // What LLVM registered with RemoveFileOnSignal (lld's output buffers).
  sys::RunInterruptHandlers();
  // Die of the signal, so that the parent sees how dsc ended.
  struct sigaction dfl;
  memset(&dfl, 0, sizeof(dfl));
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, sig);
  pthread_sigmask(SIG_UNBLOCK, &unblock, nullptr);
  raise(sig);
}

void installHandlers() {
  std::call_once(installOnce, [] {
    // LLVM installs its handlers for these signals lazily; have it do so
    // now, so that ours (which run its file removal) are installed last.
    sys::SetInterruptFunction(nullptr);
    for (int sig : kSignals) {
      struct sigaction old;
      if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN)
        continue; // e.g. under nohup: stay immune
      struct sigaction sa;
      memset(&sa, 0, sizeof(sa));
      sa.sa_handler = onSignal;
      sigemptyset(&sa.sa_mask);
      for (int other : kSignals)
        sigaddset(&sa.sa_mask, other);
      sigaction(sig, &sa, nullptr);
    }
  });
}

int track(StringRef path, bool directory) {
  installHandlers();
  char *entry = static_cast<char *>(malloc(path.size() + 2));
  if (!entry)
    return -1;
  entry[0] = directory ? 'd' : 'f';
  memcpy(entry + 1, path.data(), path.size());
  entry[path.size() + 1] = '\0';
  for (int i = 0; i < kSlots; ++i) {
    char *expected = nullptr;
    if (slots[i].compare_exchange_strong(expected, entry))
      return i;
  }
  // More temporaries at once than dsc ever makes: still removed on normal
  // exits, only not on signals.
  free(entry);
  return -1;
}

/// Takes the entry back; false if the signal handler has it.
bool untrack(int slot) {
  if (slot < 0)
    return true;
  char *entry = slots[slot].exchange(nullptr);
  free(entry);
  return entry != nullptr;
}
} // namespace

TempPath::TempPath(StringRef path, bool directory)
    : p(path.str()), directory(directory), slot(track(path, directory)) {}

TempPath::TempPath(TempPath &&other)
    : p(std::move(other.p)), directory(other.directory), slot(other.slot) {
  other.p.clear();
  other.slot = -1;
}

TempPath &TempPath::operator=(TempPath &&other) {
  if (this != &other) {
    remove();
    p = std::move(other.p);
    directory = other.directory;
    slot = other.slot;
    other.p.clear();
    other.slot = -1;
  }
  return *this;
}

TempPath::~TempPath() { remove(); }

std::string TempPath::child(StringRef name) const {
  SmallString<128> c(p);
  sys::path::append(c, name);
  return std::string(c);
}

void TempPath::keep() {
  untrack(slot);
  slot = -1;
  p.clear();
}

void TempPath::remove() {
  if (p.empty())
    return;
  removePath(p.c_str(), directory);
  keep();
}

Expected<TempPath> createTempDirectory(StringRef prefix) {
  SmallString<128> dir;
  if (std::error_code ec = sys::fs::createUniqueDirectory(prefix, dir))
    return createStringError(ec, "cannot create a temporary directory (" +
                                     prefix + "-XXXXXX): " + ec.message());
  return TempPath(dir, /*directory=*/true);
}

void registerChildProcess(pid_t pid) {
  installHandlers();
  for (std::atomic<pid_t> &c : children) {
    pid_t expected = 0;
    if (c.compare_exchange_strong(expected, pid))
      return;
  }
}

void unregisterChildProcess(pid_t pid) {
  for (std::atomic<pid_t> &c : children) {
    pid_t expected = pid;
    if (c.compare_exchange_strong(expected, 0))
      return;
  }
}

} // namespace dsc
