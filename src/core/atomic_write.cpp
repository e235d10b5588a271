// Atomic file replacement (write_text_atomic, file_io.hpp): the text goes to a temporary
// "<path>.tmp.<pid>.<k>" in the same directory, is fsync'ed, renamed over <path>, and the
// directory is fsync'ed so that the rename itself survives a power cut (POSIX gives no
// durability for either without the two fsyncs). Temporaries are never left behind:
//  - an error removes its temporary;
//  - SIGINT/SIGTERM (when the program has not installed its own handler) unlink every
//    temporary in flight, then the signal is re-raised with its default action, so the exit
//    status still says "killed by SIGINT";
//  - a temporary of a process that died otherwise (SIGKILL, power loss) is removed by the next
//    write into the same directory, once its PID no longer exists.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {

namespace {

// In-flight temporaries, readable from a signal handler: fixed storage, a slot is published by
// an atomic state change (0 free, 1 being filled, 2 live). A path that does not fit, or a 65th
// concurrent write, is simply not registered (it is then cleaned up by the dead-PID sweep).
constexpr std::size_t kTempSlots = 64;
constexpr std::size_t kTempPathMax = 4096;
struct TempSlot {
  std::atomic<int> state{0};
  char path[kTempPathMax];
};
std::array<TempSlot, kTempSlots> g_temp_slots;
std::atomic<unsigned long long> g_temp_counter{0};
std::once_flag g_handlers_once;

extern "C" void difflab_unlink_temporaries_on_signal(int sig) {
  for (auto& slot : g_temp_slots)
    if (slot.state.load() == 2) ::unlink(slot.path);  // async-signal-safe
  // SA_RESETHAND restored the default action; the signal is blocked until we return, then
  // delivered again and terminates the process with the usual status.
  ::raise(sig);
}

void install_temp_cleanup_handlers() {
  for (const int sig : {SIGINT, SIGTERM}) {
    struct sigaction old {};
    if (::sigaction(sig, nullptr, &old) != 0) continue;
    // A program (or Python) with its own handler decides itself what an interrupt means.
    if ((old.sa_flags & SA_SIGINFO) != 0 || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa {};
    sa.sa_handler = difflab_unlink_temporaries_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;
    ::sigaction(sig, &sa, nullptr);
  }
}

int register_temporary(const std::string& path) {
  if (path.size() >= kTempPathMax) return -1;
  for (std::size_t i = 0; i < kTempSlots; ++i) {
    int expected = 0;
    if (g_temp_slots[i].state.compare_exchange_strong(expected, 1)) {
      std::memcpy(g_temp_slots[i].path, path.c_str(), path.size() + 1);
      g_temp_slots[i].state.store(2);
      return static_cast<int>(i);
    }
  }
  return -1;
}

void unregister_temporary(int slot) {
  if (slot >= 0) g_temp_slots[static_cast<std::size_t>(slot)].state.store(0);
}

// The PID in a temporary's name "<name>.tmp.<pid>" or "<name>.tmp.<pid>.<k>", or -1.
long temporary_owner(const std::string& name) {
  const std::size_t tag = name.rfind(".tmp.");
  if (tag == std::string::npos || tag == 0) return -1;
  std::string rest = name.substr(tag + 5);
  const std::size_t dot = rest.find('.');
  std::string pid = rest.substr(0, dot);
  const std::string k = dot == std::string::npos ? std::string("0") : rest.substr(dot + 1);
  const auto all_digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!all_digits(pid) || !all_digits(k)) return -1;
  return std::stol(pid);
}

bool process_exists(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH; }

// fsync of a directory: makes a rename in it durable. Some file systems refuse (EINVAL); the
// rename has happened anyway, so that is not an error.
void sync_directory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void write_all_or_fail(int fd, const std::string& text, const std::string& path,
                       const std::string& tmp) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t w = ::write(fd, text.data() + written, text.size() - written);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail(path, ": write failed: ", std::strerror(err));
    }
    written += static_cast<std::size_t>(w);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail(path, ": fsync failed: ", std::strerror(err));
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    fail(path, ": close failed: ", std::strerror(err));
  }
}

}  // namespace

int remove_stale_temporaries(const std::string& dir) {
  DIR* d = ::opendir(dir.empty() ? "." : dir.c_str());
  if (d == nullptr) return 0;
  int removed = 0;
  const long self = static_cast<long>(::getpid());
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    const long owner = temporary_owner(name);
    if (owner <= 0 || owner == self || process_exists(owner)) continue;
    const std::string full = (dir.empty() ? std::string(".") : dir) + "/" + name;
    struct stat st {};
    if (::lstat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::unlink(full.c_str()) == 0)
      ++removed;
  }
  ::closedir(d);
  return removed;
}

void ensure_directory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return;
  ec.clear();
  fs::create_directories(dir, ec);
  if (ec) fail(dir, ": cannot create directory: ", ec.message());
  // create_directories reports success for an existing non-directory on some libstdc++ versions.
  require(fs::is_directory(dir, ec), dir, ": exists and is not a directory");
}

void require_writable_file(const std::string& path) {
  namespace fs = std::filesystem;
  require(!path.empty(), "output path is empty");
  const fs::path target(path);
  std::error_code ec;
  if (fs::is_directory(target, ec)) fail(path, ": is a directory, not a file");
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  try {
    ensure_directory(dir);
  } catch (const Error& e) {
    fail(path, ": cannot be written: ", e.what());
  }
  const std::string probe =
      (fs::path(dir) / ("." + target.filename().string() + ".probe." + std::to_string(::getpid())))
          .string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) fail(path, ": cannot be written in ", dir, ": ", std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
}

void write_text_atomic(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  std::call_once(g_handlers_once, install_temp_cleanup_handlers);
  const fs::path target(path);
  require(!path.empty(), "output path is empty");
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::error_code ec;
  if (target.has_parent_path() && !fs::is_directory(target.parent_path(), ec)) {
    ec.clear();
    fs::create_directories(target.parent_path(), ec);
    if (ec) fail(path, ": cannot create directory ", dir, ": ", ec.message());
  }
  if (fs::is_directory(target, ec)) fail(path, ": is a directory, not a file");
  remove_stale_temporaries(dir);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(g_temp_counter.fetch_add(1));
  const int slot = register_temporary(tmp);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    unregister_temporary(slot);
    fail(path, ": cannot open for writing: ", std::strerror(err));
  }
  try {
    write_all_or_fail(fd, text, path, tmp);
  } catch (...) {
    unregister_temporary(slot);
    throw;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    unregister_temporary(slot);
    fail(path, ": cannot rename temporary file into place: ", std::strerror(err));
  }
  unregister_temporary(slot);
  sync_directory(dir);
}

}  // namespace difflab
