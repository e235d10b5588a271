#include "difflab/core/directory_lock.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;

std::string lock_test_dir(const char* name) {
  const fs::path dir =
      fs::temp_directory_path() / ("difflab_lock_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  return dir.string();
}

TEST(DirectoryLock, SecondHolderInTheSameProcessIsRefusedWithThePid) {
  const std::string dir = lock_test_dir("same");
  {
    const DirectoryLock first(dir);
    EXPECT_EQ(read_text(first.path()), std::to_string(::getpid()) + "\n");
    difflab::expect_error(
        [&] { DirectoryLock second(dir); },
        "in use by another difflab process (PID " + std::to_string(::getpid()) + ",");
  }
  // Released with the first holder: the directory can be locked again.
  EXPECT_NO_THROW(DirectoryLock again(dir));
  fs::remove_all(dir);
}

TEST(DirectoryLock, AnotherProcessIsRefusedWhileTheLockIsHeld) {
  const std::string dir = lock_test_dir("fork");
  DirectoryLock held(dir);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Exit code 0: refused with the parent's PID in the message; 1: anything else.
    int code = 1;
    try {
      DirectoryLock second(dir);
    } catch (const Error& e) {
      const std::string needle = "(PID " + std::to_string(::getppid()) + ",";
      code = std::string(e.what()).find(needle) != std::string::npos ? 0 : 1;
    }
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  fs::remove_all(dir);
}

TEST(DirectoryLock, ALockFileLeftByADeadHolderDoesNotBlock) {
  const std::string dir = lock_test_dir("stale");
  fs::create_directories(dir);
  // The file of a holder that was killed: present, but nobody holds the flock.
  write_text_atomic(dir + "/.lock", "999999999\n");
  const DirectoryLock lock(dir);
  EXPECT_EQ(read_text(lock.path()), std::to_string(::getpid()) + "\n");
  fs::remove_all(dir);
}

TEST(DirectoryLock, MovedLockKeepsTheDirectoryLocked) {
  const std::string dir = lock_test_dir("move");
  DirectoryLock a(dir);
  DirectoryLock b(std::move(a));
  difflab::expect_error([&] { DirectoryLock c(dir); }, "in use by another difflab process");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace difflab
