// difflab demo: the README's first command. The library runs small versions of three
// reproductions (pipeline/demo.hpp), each into DIR/<spec>/ (rerunning resumes); this face prints
// their progress and draws the report: DIR/report.html with its PNGs in DIR/figures/. About a
// minute on 2 cores.
#include "difflab/pipeline/demo.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli_common.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "experiment_runs.hpp"
#include "report_command.hpp"

namespace difflab::cli {

namespace {

// Prints the summary lines the report assembled for one experiment.
void print_demo_summary(const std::string& dir) {
  const std::string path = dir + "/report/report_data.json";
  if (!std::filesystem::exists(path)) return;
  const nlohmann::json data = read_json(path);
  std::printf("  %s\n", data.value("title", std::string()).c_str());
  if (data.contains("summary"))
    for (const auto& line : data["summary"])
      std::printf("    - %s\n", line.get<std::string>().c_str());
}

void run_demo_command(DemoOptions& opt) {
  const auto t0 = std::chrono::steady_clock::now();
  auto t1 = t0;
  add_experiment_progress(opt.run);
  opt.on_start = [&](std::size_t k, std::size_t count, const DemoExperiment& e) {
    std::printf("difflab demo [%zu/%zu] %s: %s\n", k + 1, count, e.spec.value("name", "").c_str(),
                e.spec.value("description", "").c_str());
    std::fflush(stdout);
    t1 = std::chrono::steady_clock::now();
  };
  opt.on_done = [&](std::size_t, std::size_t, const std::string& dir) {
    std::printf("  done in %.1f s -> %s/results.csv\n", seconds_since(t1), dir.c_str());
    std::fflush(stdout);
  };
  const std::vector<std::string> dirs = run_demo(opt);
  std::printf("difflab demo: drawing the report (matplotlib)...\n");
  std::fflush(stdout);
  const std::string html = write_report(opt.out, opt.out + "/report.html");
  std::printf("\nWhat was measured:\n");
  for (const auto& d : dirs) print_demo_summary(d);
  std::printf("\ndifflab demo: report written to %s (figures in %s/figures), %.0f s in all\n",
              html.c_str(), opt.out.c_str(), seconds_since(t0));
}

}  // namespace

void register_demo(CLI::App& app) {
  auto opt = std::make_shared<DemoOptions>();
  CLI::App* sub = app.add_subcommand(
      "demo",
      "Run small versions of three reproductions (CCL23 rates, Langevin vs diffusion, samplers at "
      "equal NFE) and write their report (no arguments needed)");
  sub->add_option("--out", opt->out, "Output directory (report.html, figures/, results)")
      ->capture_default_str();
  sub->add_option("--threads", opt->run.threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
  sub->callback([opt] {
    set_threads(opt->run.threads);
    run_demo_command(*opt);
  });
}

}  // namespace difflab::cli
