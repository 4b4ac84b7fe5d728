//===- HostRun.cpp - running compiled models on this host -----------------===//

#include "pipeline/HostRun.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace llvm;

namespace dsc {

static Error error(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

Expected<std::unique_ptr<HostRun>> HostRun::create(StringRef prefix) {
  auto dir = createTempDirectory(prefix);
  if (!dir)
    return dir.takeError();
  return std::unique_ptr<HostRun>(new HostRun(std::move(*dir)));
}

HostRun::~HostRun() {
  if (!finished)
    consumeError(finish());
}

Expected<std::string> HostRun::writeTokens(StringRef name,
                                           ArrayRef<int32_t> ids) {
  std::string file = path(name);
  std::error_code ec;
  raw_fd_ostream os(file, ec);
  if (ec)
    return createStringError(ec, file + ": " + ec.message());
  os.write(reinterpret_cast<const char *>(ids.data()), ids.size() * 4);
  os.close();
  if (os.has_error())
    return createStringError(os.error(), file + ": " + os.error().message());
  return file;
}

Expected<unsigned> HostRun::start(StringRef exe, ArrayRef<std::string> args,
                                  StringRef streamFlag) {
  Child c;
  c.name = sys::path::filename(exe).str();
  c.stderrPath = path(c.name + ".stderr");
  std::string fifo = path(c.name + ".fifo");
  if (mkfifo(fifo.c_str(), 0600))
    return error(fifo + ": cannot create a FIFO: " + strerror(errno));
  // Opened before the child starts, without waiting for a writer: the
  // child's open for writing then never waits either, and dsc never waits
  // in open() for a child that may have exited already.
  c.fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (c.fd < 0)
    return error(fifo + ": " + strerror(errno));
  SmallVector<StringRef> argv = {c.name};
  for (const std::string &a : args)
    argv.push_back(a);
  argv.push_back(streamFlag);
  argv.push_back(fifo);
  std::optional<StringRef> redirects[] = {StringRef(""), StringRef(""),
                                          StringRef(c.stderrPath)};
  std::string err;
  sys::ProcessInfo pi =
      sys::ExecuteNoWait(exe, argv, std::nullopt, redirects, 0, &err);
  if (!pi.Pid) {
    ::close(c.fd);
    return error("cannot run " + exe + ": " + err);
  }
  c.pid = pi.Pid;
  registerChildProcess(c.pid);
  children.push_back(std::move(c));
  return static_cast<unsigned>(children.size() - 1);
}

bool HostRun::poll(Child &c, bool wait) {
  if (c.exited)
    return true;
  int status = 0;
  pid_t r;
  do
    r = waitpid(c.pid, &status, wait ? 0 : WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0)
    return false;
  c.exited = true;
  c.status = r == c.pid ? status : -1;
  unregisterChildProcess(c.pid);
  return true;
}

bool HostRun::read(unsigned i, void *buf, size_t n) {
  Child &c = children[i];
  char *p = static_cast<char *>(buf);
  while (n && !c.ended && c.fd >= 0) {
    ssize_t r = ::read(c.fd, p, n);
    if (r > 0) {
      p += r;
      n -= static_cast<size_t>(r);
      continue;
    }
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0 && errno != EAGAIN) {
      c.ended = true;
      break;
    }
    // Nothing to read: either no writer yet (the child is starting) or the
    // writer closed. A child that has exited writes nothing more, and what
    // it wrote was read above.
    if (c.exited) {
      c.ended = true;
      break;
    }
    // Linux reports POLLHUP on a FIFO only once a writer has come and gone,
    // so this waits for the child's data or its end; the timeout bounds how
    // long an exit before opening the FIFO goes unnoticed.
    struct pollfd pfd = {c.fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, 100);
    if (ready > 0 && (pfd.revents & POLLIN))
      continue;
    if (ready > 0 && (pfd.revents & (POLLHUP | POLLERR))) {
      c.ended = true;
      break;
    }
    poll(c, /*wait=*/false); // then one more read drains what is left
  }
  return n == 0;
}

std::string HostRun::describe(const Child &c) const {
  std::string how;
  if (c.status < 0)
    how = "could not be waited for";
  else if (WIFEXITED(c.status))
    how = "exited with code " + std::to_string(WEXITSTATUS(c.status));
  else if (WIFSIGNALED(c.status))
    how = std::string("was killed by signal ") + strsignal(WTERMSIG(c.status));
  std::string msg = c.name + " " + how;
  // The last lines it wrote say why (e.g. "quant: error: ...").
  auto text = MemoryBuffer::getFile(c.stderrPath, /*IsText=*/true);
  if (text) {
    SmallVector<StringRef> lines;
    (*text)->getBuffer().split(lines, '\n', -1, /*KeepEmpty=*/false);
    size_t from = lines.size() > 3 ? lines.size() - 3 : 0;
    for (size_t i = from; i < lines.size(); ++i)
      msg += (i == from ? ": " : "; ") + lines[i].trim().str();
  }
  return msg;
}

Error HostRun::finish() {
  finished = true;
  for (Child &c : children) {
    if (c.fd >= 0)
      ::close(c.fd);
    c.fd = -1;
    // Nobody reads the rest of its stream: it would block writing it.
    if (!c.ended && !poll(c, false)) {
      ::kill(c.pid, SIGTERM);
      c.stopped = true;
    }
  }
  for (Child &c : children)
    poll(c, /*wait=*/true);
  // A child stopped here, or one that failed writing the stream dsc had
  // stopped reading, failed because of another's failure or dsc's: report
  // the others.
  std::string msg;
  for (Child &c : children) {
    bool failed = c.status != 0;
    if (failed && !c.stopped && c.ended)
      msg += (msg.empty() ? "" : "; ") + describe(c);
  }
  if (!msg.empty())
    return error(msg);
  return Error::success();
}

} // namespace dsc
