// difflab law: the exact law of a sampler's output and its distances to the target
// (pipeline/law_report.hpp), printed as JSON.
#include <iostream>

#include "cli_common.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/pipeline/law_report.hpp"
#include "run_setup.hpp"
#include "schema_flags.hpp"

namespace difflab::cli {

namespace {

struct LawOptions {
  RunOptions run;
  LawReportOptions report;
  std::string out;
};

void run_law(const LawOptions& opt) {
  set_threads(opt.run.threads);
  const RunSetup run = build_run(opt.run.spec, RunUse::kExactLaw, false);
  LawReportOptions report = opt.report;
  law_report_schema().validate(report, "law");
  report.seed = opt.run.spec.seed;
  report.on_refine = [](const std::string& line) { std::cerr << line << "\n"; };
  nlohmann::json j = law_report(run, report);
  j["run"] = run.describe();
  j["start"] = opt.run.spec.start;
  if (!opt.out.empty()) write_json(opt.out, j);
  std::cout << j.dump(2) << "\n";
}

}  // namespace

void register_law(CLI::App& app) {
  auto opt = std::make_shared<LawOptions>();
  CLI::App* sub = app.add_subcommand(
      "law", "Exact law of a sampler's output and its distances to the target (JSON)");
  add_run_options(sub, opt->run);
  add_schema_flags(sub, law_report_schema(), opt->report);
  sub->add_option("--out", opt->out, "Also write the JSON here");
  sub->callback([opt] { run_law(*opt); });
}

}  // namespace difflab::cli
