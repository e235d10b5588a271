// difflab grid optimize: a time grid optimised against the exact output error
// (pipeline/grid_optimize.hpp); writes the grid file that `--grid file --grid-file` reads and
// prints the result as JSON. Progress lines go to stderr.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "cli_common.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/pipeline/grid_optimize.hpp"
#include "difflab/schedule/grid_file.hpp"
#include "schema_flags.hpp"

namespace difflab::cli {

namespace {

struct GridOptimizeCliOptions {
  RunSpec spec;
  GridOptimizeOptions options;
  int threads = 0;
  std::string out, json;
};

void run_grid_optimize(const GridOptimizeCliOptions& opt) {
  set_threads(opt.threads);
  // Refused before the optimisation, so that a bad path is one error line, not an error after
  // the progress lines.
  if (!opt.out.empty()) require_writable_file(opt.out);
  if (!opt.json.empty()) require_writable_file(opt.json);
  GridOptimizeOptions options = opt.options;
  options.on_progress = [](const std::string& line) { std::cerr << line << "\n"; };
  const GridOptimizeResult r = grid_optimize(opt.spec, options);
  const nlohmann::json j = r.to_json();
  if (!opt.out.empty()) {
    std::ostringstream head;
    head << std::setprecision(17) << "# difflab grid optimize: " << r.metric << " " << r.value
         << " (start: " << r.start << " grid, " << r.start_value << ")\n";
    const std::string text = head.str();
    write_text_atomic(opt.out, text + format_grid_text(r.grid()));
  }
  if (!opt.json.empty()) write_json(opt.json, j);
  std::cout << j.dump(2) << "\n";
}

}  // namespace

void register_grid(CLI::App& app) {
  CLI::App* grid = app.add_subcommand("grid", "Time grids: optimise one against the exact error");
  grid->require_subcommand(1);
  auto opt = std::make_shared<GridOptimizeCliOptions>();
  CLI::App* sub = grid->add_subcommand(
      "optimize",
      "Minimise the exact output error over the N-step grid (T and delta fixed), from the best "
      "named grid; write the grid file for --grid file");
  // The grid itself is the output; particles and initial points play no part in an exact law.
  add_schema_flags(sub, run_spec_schema(), opt->spec, {"grid", "grid_file", "n", "init"});
  sub->get_option("--target")->required();
  add_schema_flags(sub, grid_optimize_schema(), opt->options);
  sub->add_option("--threads", opt->threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
  sub->add_option("--out", opt->out, "Write the optimised grid here (one time per line)");
  sub->add_option("--json", opt->json, "Also write the result JSON here");
  sub->callback([opt] { run_grid_optimize(*opt); });
}

}  // namespace difflab::cli
