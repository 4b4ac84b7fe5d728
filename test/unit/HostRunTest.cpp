//===- HostRunTest.cpp - temporaries and host runs ------------------------===//
//
// The children are small shell scripts standing in for compiled models: one
// that fails before opening its FIFO (as an executable rejecting its
// options does), one that streams bytes, one that streams forever.
//
//===----------------------------------------------------------------------===//

#include "pipeline/HostRun.h"
#include "pipeline/TempFiles.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace dsc;
using namespace llvm;

namespace {

bool exists(const std::string &p) {
  struct stat st;
  return lstat(p.c_str(), &st) == 0;
}

/// A directory holding a file, a FIFO and a subdirectory with a file.
void populate(const TempPath &dir) {
  std::error_code ec;
  raw_fd_ostream(dir.child("a.bin"), ec) << "x";
  ASSERT_FALSE(ec);
  ASSERT_EQ(mkfifo(dir.child("s.fifo").c_str(), 0600), 0);
  ASSERT_FALSE(sys::fs::create_directory(dir.child("sub")));
  raw_fd_ostream(dir.child("sub/b.bin"), ec) << "y";
  ASSERT_FALSE(ec);
}

TEST(TempFiles, DirectoryGoesWithEverythingInIt) {
  std::string path;
  {
    auto dir = createTempDirectory("dsc-test");
    ASSERT_TRUE(bool(dir)) << toString(dir.takeError());
    path = dir->path();
    populate(*dir);
    ASSERT_TRUE(exists(path + "/s.fifo"));
  }
  EXPECT_FALSE(exists(path)); // sys::fs::remove_directories leaves FIFOs
}

TEST(TempFiles, FileKeptOrRemoved) {
  SmallString<128> a, b;
  ASSERT_FALSE(sys::fs::createTemporaryFile("dsc-test", "tmp", a));
  ASSERT_FALSE(sys::fs::createTemporaryFile("dsc-test", "tmp", b));
  { TempPath t(a); }
  EXPECT_FALSE(exists(std::string(a)));
  {
    TempPath t(b);
    t.keep();
  }
  EXPECT_TRUE(exists(std::string(b)));
  sys::fs::remove(b);
}

TEST(TempFiles, FileRegistrationSparesADirectory) {
  auto dir = createTempDirectory("dsc-test");
  ASSERT_TRUE(bool(dir));
  std::string sub = dir->child("user.tmp");
  ASSERT_FALSE(sys::fs::create_directory(sub));
  { TempPath t(sub); } // a file's name that is a directory: not removed
  EXPECT_TRUE(exists(sub));
}

/// In a child process: registers a populated directory and a running
/// grandchild, then gets `sig`. The parent checks that the process died of
/// the signal, the directory is gone and the grandchild got SIGTERM.
void checkSignal(int sig) {
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  llvm::scope_exit notSubreaper([] { prctl(PR_SET_CHILD_SUBREAPER, 0); });
  int pipeFds[2];
  ASSERT_EQ(pipe(pipeFds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(pipeFds[0]);
    auto dir = createTempDirectory("dsc-test");
    if (!dir)
      _exit(2);
    populate(*dir);
    pid_t sleeper = fork();
    if (sleeper == 0) {
      execl("/bin/sleep", "sleep", "60", (char *)nullptr);
      _exit(127);
    }
    registerChildProcess(sleeper);
    std::string msg = dir->path() + "\n" + std::to_string(sleeper) + "\n";
    if (write(pipeFds[1], msg.data(), msg.size()) != (ssize_t)msg.size())
      _exit(2);
    close(pipeFds[1]);
    raise(sig);
    _exit(3); // not reached: the signal ends the process
  }
  close(pipeFds[1]);
  std::string msg;
  char buf[256];
  ssize_t r;
  while ((r = read(pipeFds[0], buf, sizeof(buf))) > 0)
    msg.append(buf, r);
  close(pipeFds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), sig);
  size_t nl = msg.find('\n');
  ASSERT_NE(nl, std::string::npos);
  std::string dir = msg.substr(0, nl);
  pid_t sleeper = std::stoi(msg.substr(nl + 1));
  EXPECT_FALSE(exists(dir)) << dir;
  // The grandchild got SIGTERM: orphaned, it is reparented to this process
  // (a subreaper), which sees how it ended.
  int sleeperStatus = 0;
  pid_t reaped = 0;
  for (int i = 0; i < 500 && reaped == 0; ++i) {
    reaped = waitpid(sleeper, &sleeperStatus, WNOHANG);
    if (reaped == 0)
      usleep(10000);
  }
  if (reaped == 0) {
    kill(sleeper, SIGKILL);
    waitpid(sleeper, nullptr, 0);
  }
  ASSERT_EQ(reaped, sleeper) << "the child process outlived dsc";
  EXPECT_TRUE(WIFSIGNALED(sleeperStatus) && WTERMSIG(sleeperStatus) == SIGTERM);
}

TEST(TempFiles, RemovedOnSIGTERM) { checkSignal(SIGTERM); }
TEST(TempFiles, RemovedOnSIGINT) { checkSignal(SIGINT); }

/// A shell script in `run`'s directory.
std::string script(HostRun &run, StringRef name, StringRef body) {
  std::string path = run.path(name);
  std::error_code ec;
  {
    raw_fd_ostream os(path, ec);
    os << "#!/bin/sh\n" << body << "\n";
  }
  EXPECT_FALSE(ec);
  chmod(path.c_str(), 0755);
  return path;
}

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t)
      .count();
}

TEST(HostRun, ChildExitingBeforeOpeningItsFifo) {
  auto run = HostRun::create("dsc-test");
  ASSERT_TRUE(bool(run));
  std::string exe = script(**run, "model",
                           "echo \"model: error: -c needs a positive "
                           "integer, got '0'\" >&2\nexit 1");
  auto s = (*run)->start(exe, {"-c", "0"}, "--dump-logits");
  ASSERT_TRUE(bool(s)) << toString(s.takeError());
  auto t0 = std::chrono::steady_clock::now();
  char buf[16];
  EXPECT_FALSE((*run)->read(*s, buf, sizeof(buf)));
  EXPECT_LT(secondsSince(t0), 10.0); // it used to wait forever
  Error e = (*run)->finish();
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(toString(std::move(e)),
            "model exited with code 1: model: error: -c needs a positive "
            "integer, got '0'");
}

TEST(HostRun, StreamThenEnd) {
  auto run = HostRun::create("dsc-test");
  ASSERT_TRUE(bool(run));
  std::string exe = script(**run, "model", "shift\nprintf 'abcdefgh' > \"$1\"");
  auto s = (*run)->start(exe, {}, "--out");
  ASSERT_TRUE(bool(s));
  char buf[8];
  ASSERT_TRUE((*run)->read(*s, buf, 8));
  EXPECT_EQ(std::string(buf, 8), "abcdefgh");
  EXPECT_FALSE((*run)->read(*s, buf, 1)); // the end
  EXPECT_FALSE(bool((*run)->finish()));
}

TEST(HostRun, CrashIsNamed) {
  auto run = HostRun::create("dsc-test");
  ASSERT_TRUE(bool(run));
  std::string exe = script(**run, "model", "kill -SEGV $$");
  auto s = (*run)->start(exe, {}, "--out");
  ASSERT_TRUE(bool(s));
  char c;
  EXPECT_FALSE((*run)->read(*s, &c, 1));
  Error e = (*run)->finish();
  ASSERT_TRUE(bool(e));
  EXPECT_NE(toString(std::move(e)).find("model was killed by signal"),
            std::string::npos);
}

TEST(HostRun, FailureOfOneStopsTheOther) {
  auto run = HostRun::create("dsc-test");
  ASSERT_TRUE(bool(run));
  std::string ref = script(**run, "ref", "shift\nexec cat /dev/zero > \"$1\"");
  std::string quant =
      script(**run, "quant", "echo 'quant: error: bad weights' >&2\nexit 2");
  auto a = (*run)->start(ref, {}, "--out");
  auto b = (*run)->start(quant, {}, "--out");
  ASSERT_TRUE(a && b);
  std::vector<char> row(1 << 16);
  EXPECT_TRUE((*run)->read(*a, row.data(), row.size()));
  EXPECT_FALSE((*run)->read(*b, row.data(), row.size()));
  auto t0 = std::chrono::steady_clock::now();
  Error e = (*run)->finish(); // ref, blocked writing, is stopped
  EXPECT_LT(secondsSince(t0), 10.0);
  ASSERT_TRUE(bool(e));
  EXPECT_EQ(toString(std::move(e)),
            "quant exited with code 2: quant: error: bad weights");
}

TEST(HostRun, DirectoryRemovedWithTheRun) {
  std::string dir;
  {
    auto run = HostRun::create("dsc-test");
    ASSERT_TRUE(bool(run));
    dir = (*run)->path("");
    std::string exe = script(**run, "model", "sleep 60");
    ASSERT_TRUE(bool((*run)->start(exe, {}, "--out")));
    // Not finished: the destructor stops the child.
  }
  EXPECT_FALSE(exists(dir));
}

} // namespace
