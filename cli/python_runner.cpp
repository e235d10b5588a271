#include "python_runner.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "difflab/core/error.hpp"

#ifndef DIFFLAB_PYTHON_DIR
#error "DIFFLAB_PYTHON_DIR (the source tree's python/ directory) must be defined by the build"
#endif

namespace difflab::cli {

namespace {

std::string python_interpreter() {
  if (const char* p = std::getenv("DIFFLAB_PYTHON"); p != nullptr && *p != '\0') return p;
  if (std::filesystem::exists("/usr/bin/python3")) return "/usr/bin/python3";
  return "python3";
}

std::string package_dir() {
  if (const char* p = std::getenv("DIFFLAB_PYTHON_DIR"); p != nullptr && *p != '\0') return p;
  return DIFFLAB_PYTHON_DIR;
}

}  // namespace

int run_python_module(const std::string& module, const std::vector<std::string>& args) {
  const std::string python = python_interpreter();
  const std::string dir = package_dir();
  require(std::filesystem::is_directory(dir + "/" + module), "the Python package '", module,
          "' is not in ", dir, " (set DIFFLAB_PYTHON_DIR to the repository's python/ directory)");
  std::vector<std::string> argv_s = {python, "-m", module};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string pythonpath = dir;
  if (const char* old = std::getenv("PYTHONPATH"); old != nullptr && *old != '\0')
    pythonpath += std::string(":") + old;
  // fork + execvp rather than system(): no shell, so paths need no quoting.
  const pid_t pid = fork();
  require(pid >= 0, "cannot start ", python, ": fork failed: ", std::strerror(errno));
  if (pid == 0) {
    setenv("PYTHONPATH", pythonpath.c_str(), 1);
    setenv("MPLBACKEND", "Agg", 1);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "difflab: cannot run %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    require(errno == EINTR, "waiting for ", python, " failed: ", std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace difflab::cli
