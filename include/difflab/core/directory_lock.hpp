#pragma once
// An exclusive advisory lock on a directory: flock(2) on DIR/.lock, which holds the PID of the
// holder. A second holder, in this process or another, gets a difflab::Error naming that PID
// instead of writing the same files at the same time. The kernel drops the lock when the holder
// exits, however it exits, so a killed run never leaves a stale lock behind (the file stays,
// unlocked, and the next holder overwrites its PID).
#include <string>

namespace difflab {

class DirectoryLock {
 public:
  // Creates DIR if needed and locks it; throws difflab::Error if another holder has it.
  explicit DirectoryLock(const std::string& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  DirectoryLock(DirectoryLock&& other) noexcept;
  DirectoryLock& operator=(DirectoryLock&& other) noexcept;

  const std::string& path() const { return path_; }  // DIR/.lock

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace difflab
