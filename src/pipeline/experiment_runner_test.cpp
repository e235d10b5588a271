#include "difflab/pipeline/experiment_runner.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/pipeline/law_report.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("difflab_runner_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

nlohmann::json steps_spec() {
  return {{"seed", 3u},
          {"base",
           {{"target", {{"type", "gaussian"}, {"mean", {1.0}}, {"var", 0.5}}},
            {"grid", "uniform"},
            {"T", 4.0},
            {"delta", 0.01}}},
          {"sweep", {{"axes", {{"steps", {8, 16, 32}}}}}},
          {"metrics", {"law"}},
          {"bounds", {"benton24"}},
          {"fits", {{{"metric", "law.kl_target_output"}, {"against", "steps"}}}}};
}

TEST(ExperimentRunner, RowsEqualTheLawOfEachRunAndResumeAddsNothing) {
  const fs::path dir = fresh_dir("steps");
  ExperimentRunOptions o;
  o.out = dir.string();
  o.threads = 1;
  std::size_t calls = 0;
  o.on_row = [&](std::size_t, std::size_t, const nlohmann::json&) { ++calls; };
  run_experiment(steps_spec(), "", o);
  EXPECT_EQ(calls, 4u);  // once before the first row, once per row
  std::vector<nlohmann::json> rows = ResultsTable(dir.string()).rows();
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& row : rows) {
    // The row's law is the law of the same run built directly.
    const RunSpec s =
        run_spec_from_options(row["options"], dir.string(), row["target_file"].get<std::string>(),
                              row["seed"].get<std::uint64_t>());
    LawReportOptions lo;
    lo.seed = row["seed"];
    const nlohmann::json law = law_report(build_run(s, RunUse::kExactLaw, false), lo);
    EXPECT_EQ(row["metrics"]["law"]["kl_target_output"], law["kl_target_output"]);
    EXPECT_TRUE(row["bounds"]["benton24"].contains("value")) << row["bounds"].dump();
  }
  EXPECT_TRUE(fs::exists(dir / "fits.json"));
  // The KL of the exponential integrator on a Gaussian falls with the step count.
  EXPECT_GT(rows[0]["metrics"]["law"]["kl_target_output"].get<double>(),
            rows[2]["metrics"]["law"]["kl_target_output"].get<double>());
  calls = 0;
  run_experiment(steps_spec(), "", o);
  EXPECT_EQ(calls, 1u);  // nothing left to run
  EXPECT_EQ(ResultsTable(dir.string()).rows().size(), 3u);
  const nlohmann::json re = rerun_row(dir.string(), 1, 2);
  EXPECT_TRUE(re["match"].get<bool>()) << re.dump();
  fs::remove_all(dir);
}

TEST(ExperimentRunner, EveryRunIsValidatedBeforeTheFirstRuns) {
  nlohmann::json spec = steps_spec();
  spec["sweep"]["axes"]["steps"] = {8, 4294967306LL};
  const fs::path dir = fresh_dir("bad");
  ExperimentRunOptions o;
  o.out = dir.string();
  difflab::expect_error([&] { run_experiment(spec, "", o); },
                        "'steps' must be an integer in [1, 100000000], got 4294967306");
  difflab::expect_error([&] { run_experiment(spec, "", o); }, "spec: run 1 (");
  EXPECT_FALSE(fs::exists(dir / "results.jsonl"));
  fs::remove_all(dir);
}

TEST(ExperimentRunner, ResumeAfterTheTargetFileChangedIsRefusedNamingTheFile) {
  const fs::path dir = fresh_dir("inputs");
  fs::create_directories(dir / "spec");
  const fs::path target = dir / "spec" / "target.json";
  write_json(target.string(), {{"type", "gaussian"}, {"mean", {1.0}}, {"var", 0.5}});
  nlohmann::json spec = steps_spec();
  spec["base"]["target"] = "target.json";  // relative to the spec's directory
  spec["sweep"]["axes"]["steps"] = {8, 16};
  ExperimentRunOptions o;
  o.out = (dir / "out").string();
  o.threads = 1;
  run_experiment(spec, (dir / "spec").string(), o);
  EXPECT_TRUE(fs::exists(dir / "out" / "inputs.json"));
  run_experiment(spec, (dir / "spec").string(), o);  // unchanged inputs: the resume is accepted
  write_json(target.string(), {{"type", "gaussian"}, {"mean", {2.0}}, {"var", 0.5}});
  difflab::expect_error([&] { run_experiment(spec, (dir / "spec").string(), o); },
                        "the input file " + target.string() + " changed since");
  EXPECT_EQ(ResultsTable(o.out).rows().size(), 2u);
  fs::remove_all(dir);
}

TEST(ExperimentRunner, AFitOfAQuantityTheSpecDoesNotComputeIsRefusedBeforeAnyRun) {
  const fs::path dir = fresh_dir("fits");
  ExperimentRunOptions o;
  o.out = dir.string();
  nlohmann::json spec = steps_spec();
  spec["metrics"] = {"sw2"};
  spec["fits"] = {{{"metric", "w2"}, {"against", "steps"}}};
  difflab::expect_error([&] { run_experiment(spec, "", o); },
                        "fit of 'w2': the spec does not compute metric 'w2'");
  spec["fits"] = {{{"metric", "bounds.ccl23.value"}, {"against", "steps"}}};
  difflab::expect_error([&] { run_experiment(spec, "", o); },
                        "fit of 'bounds.ccl23.value': the spec does not compute bound 'ccl23'");
  spec["metrics"] = {"w2"};
  spec["fits"] = {{{"metric", "law.kl_target_output"}, {"against", "steps"}}};
  difflab::expect_error([&] { run_experiment(spec, "", o); },
                        "the spec does not compute metric 'law'");
  EXPECT_FALSE(fs::exists(dir / "results.jsonl"));
  fs::remove_all(dir);
}

TEST(ExperimentRunner, SpecKeysAreTheFacesOptions) {
  // Options a spec could not set before (rtol, atol, annealed_step_rule) are run options now.
  for (const char* key : {"rtol", "atol", "annealed_step_rule", "block_size", "w2_max_pairs"}) {
    bool found = false;
    for (const auto& o : run_option_table()) found = found || o.name == key;
    EXPECT_TRUE(found) << key;
  }
}

}  // namespace
}  // namespace difflab
