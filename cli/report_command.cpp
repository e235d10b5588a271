// difflab report: the library writes the data the figures need (pipeline/report_data.hpp);
// the Python package python/difflab_report draws them into one self-contained HTML page.
#include "report_command.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli_common.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/pipeline/report_data.hpp"
#include "python_runner.hpp"

namespace difflab::cli {

namespace {

namespace fs = std::filesystem;

struct ReportOptions {
  std::string dir;
  std::string out;
  int threads = 0;
};

}  // namespace

std::string write_report(const std::string& dir, const std::string& out_html) {
  const std::vector<std::string> dirs = experiment_dirs(dir);
  for (const std::string& e : dirs) write_report_data(e);
  const std::string html = out_html.empty() ? dir + "/report.html" : out_html;
  const std::string parent = fs::path(html).parent_path().string();
  const std::string figure_dir = (parent.empty() ? std::string(".") : parent) + "/figures";
  std::vector<std::string> args = {"build", "--html", html, "--figure-dir", figure_dir};
  args.insert(args.end(), dirs.begin(), dirs.end());
  const int rc = run_python_module("difflab_report", args);
  // Exit code 2: the package has already printed its one-line error (bad hint, missing
  // matplotlib, ...); keep to one line.
  if (rc == 2) std::exit(2);
  require(rc == 0, "report: the figures could not be made (python3 -m difflab_report exited with ",
          rc, "; it needs Debian's python3-matplotlib, which scripts/setup installs)");
  return html;
}

void register_report(CLI::App& app) {
  auto opt = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report", "Write an HTML report with figures (matplotlib) of experiment results");
  sub->add_option("dir", opt->dir, "Results directory of `difflab run` (or a directory of several)")
      ->required();
  sub->add_option("--out", opt->out,
                  "HTML file (default DIR/report.html; PNGs in figures/ beside it)");
  sub->add_option("--threads", opt->threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
  sub->callback([opt] {
    set_threads(opt->threads);
    const std::string html = write_report(opt->dir, opt->out);
    std::fprintf(stderr, "difflab report: wrote %s\n", html.c_str());
  });
}

}  // namespace difflab::cli
