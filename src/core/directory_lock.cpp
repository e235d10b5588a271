#include "difflab/core/directory_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {

namespace {

// The PID the current holder wrote into the lock file ("unknown" if it has not written it yet).
std::string holder_pid(int fd) {
  char buf[32] = {};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.empty() ? std::string("unknown") : pid;
}

}  // namespace

DirectoryLock::DirectoryLock(const std::string& dir) : path_(dir + "/.lock") {
  ensure_directory(dir);
  // O_CLOEXEC: a child process (the report's python) must not inherit the lock.
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  require(fd_ >= 0, path_, ": cannot open the lock file (", std::strerror(errno), ")");
  // flock locks belong to the open file description, so a second DirectoryLock in this process
  // (its own open()) conflicts with the first exactly as another process would.
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string pid = err == EWOULDBLOCK ? holder_pid(fd_) : std::string();
    ::close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      fail(dir, ": in use by another difflab process (PID ", pid, ", lock ", path_,
           "); wait for it to finish or use another directory");
    fail(path_, ": cannot lock (", std::strerror(err), ")");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  // Best effort: the PID is only for the message a second holder prints.
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) > 0) ::fsync(fd_);
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the flock
}

DirectoryLock::DirectoryLock(DirectoryLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)) {}

DirectoryLock& DirectoryLock::operator=(DirectoryLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

}  // namespace difflab
