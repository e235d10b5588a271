#pragma once
// Runs the project's Python tools (python/difflab_report: matplotlib figures and the HTML page)
// from the CLI. The interpreter is $DIFFLAB_PYTHON if set, else Debian's /usr/bin/python3 (where
// python3-matplotlib lives), else `python3` on PATH; the package directory is
// $DIFFLAB_PYTHON_DIR if set, else the source tree's python/ (compiled in).
#include <string>
#include <vector>

namespace difflab::cli {

// Runs `python -m module args...` with PYTHONPATH set to the package directory; returns its exit
// code (its stdout/stderr pass through). Throws difflab::Error if it cannot be started.
int run_python_module(const std::string& module, const std::vector<std::string>& args);

}  // namespace difflab::cli
