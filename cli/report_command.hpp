#pragma once
#include <string>

namespace difflab::cli {

// Writes the report of the experiment(s) in `dir` (see report_command.cpp) to out_html (default
// dir/report.html) with its PNGs in figures/ beside it; returns the HTML path. Throws
// difflab::Error on bad input or when the plotting step fails.
std::string write_report(const std::string& dir, const std::string& out_html);

}  // namespace difflab::cli
