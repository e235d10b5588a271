// Atomic writes leave no temporaries: not after an error, not after SIGTERM, and the next write
// into a directory removes those of processes that died without cleaning up (SIGKILL).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> temporaries_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos)
      out.push_back(e.path().filename().string());
  return out;
}

std::string atomic_test_dir(const char* name) {
  const fs::path dir =
      fs::temp_directory_path() / ("difflab_atomic_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// A PID that existed and no longer does: a child that exited and was reaped.
long dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return static_cast<long>(child);
}

TEST(AtomicWrite, StaleTemporariesOfDeadProcessesAreRemovedByTheNextWrite) {
  const std::string dir = atomic_test_dir("stale");
  const std::string dead = std::to_string(dead_pid());
  const std::string live = std::to_string(::getppid());  // our parent is alive
  for (const std::string& name :
       std::vector<std::string>{"r.json.tmp." + dead, "s.csv.tmp." + dead + ".7",
                                "r.json.tmp." + live, "notes.tmp.txt", "plain.tmp.12x"})
    std::ofstream(dir + "/" + name) << "partial";  // not write_text_atomic: it would sweep
  write_text_atomic(dir + "/r.json", "{}");
  EXPECT_TRUE(fs::exists(dir + "/r.json"));
  EXPECT_FALSE(fs::exists(dir + "/r.json.tmp." + dead));
  EXPECT_FALSE(fs::exists(dir + "/s.csv.tmp." + dead + ".7"));
  // Not ours to remove: a live process's temporary and files that only look similar.
  EXPECT_TRUE(fs::exists(dir + "/r.json.tmp." + live));
  EXPECT_TRUE(fs::exists(dir + "/notes.tmp.txt"));
  EXPECT_TRUE(fs::exists(dir + "/plain.tmp.12x"));
  fs::remove_all(dir);
}

TEST(AtomicWrite, SigtermDuringAWriteRemovesTheTemporary) {
  const std::string dir = atomic_test_dir("sigterm");
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Rewrites 16 MB forever: a temporary exists almost all the time.
    const std::string text(16u << 20, 'x');
    for (;;) write_text_atomic(dir + "/big.bin", text);
  }
  // Wait until the child is writing (its temporary appears), then stop it.
  const auto start = std::chrono::steady_clock::now();
  while (temporaries_in(dir).empty() &&
         std::chrono::steady_clock::now() - start < std::chrono::seconds(30))
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_FALSE(temporaries_in(dir).empty()) << "the child never started writing";
  ::kill(child, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  // Killed by the signal itself (the handler re-raises it), not an ordinary exit.
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
  EXPECT_TRUE(temporaries_in(dir).empty()) << "left behind: " << temporaries_in(dir)[0];
  fs::remove_all(dir);
}

TEST(AtomicWrite, FailedWriteLeavesNoTemporary) {
  const std::string dir = atomic_test_dir("fail");
  fs::create_directories(dir + "/target");
  EXPECT_THROW(write_text_atomic(dir + "/target", "x"), Error);
  EXPECT_TRUE(temporaries_in(dir).empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace difflab
