#include "difflab/pipeline/optimized_grids.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/pipeline/experiment_runner.hpp"
#include "difflab/pipeline/shard_merge.hpp"
#include "difflab/pipeline/sweep_shard.hpp"
#include "difflab/schedule/grid_file.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path optgrid_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("difflab_optgrid_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

const json kGaussian2 = {
    {"type", "gaussian"}, {"mean", {0.5, -0.3}}, {"cov", {{1.5, 0.4}, {0.4, 0.3}}}};
const json kMixture1 = {
    {"type", "gmm"}, {"weights", {0.5, 0.5}}, {"means", {{-1.0}, {1.0}}}, {"vars", {0.2, 0.2}}};

// ddim, 4 steps, a coarse fixed grid-law mesh and a small optimiser budget: runs that optimise
// grids on the small targets here in about a second.
const json kSmallMeshBase = {{"sampler", "ddim"},
                             {"steps", 4},
                             {"T", 4.0},
                             {"delta", 0.01},
                             {"grid_nodes", 201},
                             {"grid_tol", 0},
                             {"grid_optimize_budget", 40}};

std::size_t count_optimisations(const json& spec, const fs::path& dir) {
  ExperimentRunOptions o;
  o.out = dir.string();
  o.threads = 1;
  std::size_t n = 0;
  o.log = [&](const std::string& line) { n += line.rfind("optimising grid", 0) == 0; };
  run_experiment(spec, "", o);
  return n;
}

TEST(OptimizedGrids, TheRunnersGridIsGridOptimizeOfTheSameRunBitForBit) {
  // Gaussian target, ddim: the recursion with its adjoint gradient and L-BFGS (fast).
  const json spec = {{"seed", 5u},
                     {"base",
                      {{"target", kGaussian2},
                       {"sampler", "ddim"},
                       {"grid", "optimized"},
                       {"steps", 6},
                       {"T", 4.0},
                       {"delta", 0.01}}},
                     {"metrics", {"law"}}};
  const fs::path dir = optgrid_dir("bits");
  EXPECT_EQ(count_optimisations(spec, dir), 1u);
  const std::vector<json> rows = ResultsTable(dir.string()).rows();
  ASSERT_EQ(rows.size(), 1u);
  const std::string rel = rows[0]["optimized_grid_file"];
  const std::vector<double> stored = grid_from_file((dir / rel).string()).times();

  RunSpec direct;
  direct.target_json = kGaussian2;
  direct.sampler = "ddim";
  direct.grid = "uniform";
  direct.steps = 6;
  direct.T = 4.0;
  direct.delta = 0.01;
  direct.seed = 5;  // the option "seed" (the spec's), not the row's derived seed
  GridOptimizeOptions go;
  go.max_evaluations = RunGridOptimizeOptions().budget;
  const GridOptimizeResult r = grid_optimize(direct, go);
  EXPECT_EQ(stored, r.times);
  EXPECT_LT(r.value, r.start_value);  // the optimiser moved: the test compares a real optimum
  // The row's exact KL is law_report's on that grid.
  EXPECT_EQ(rows[0]["metrics"]["law"]["kl_target_output"], r.law["kl_target_output"]);
  const json re = rerun_row(dir.string(), 0, 1);
  EXPECT_TRUE(re["match"].get<bool>()) << re.dump();
  fs::remove_all(dir);
}

TEST(OptimizedGrids, BeatsEveryNamedGridOnceAndIsReusedPerDistinctKey) {
  // A 1-D mixture (grid law, Nelder-Mead) and its transfer to a 1-D Gaussian. Rows 4 and 5 share
  // one optimisation (they differ only in n, which the exact law does not use); row 6 uses the
  // same grid on another target; row 7 is the Gaussian's own optimum.
  const json spec = {{"base", kSmallMeshBase},
                     {"sweep",
                      {{"mode", "zip"},
                       {"axes",
                        {{"target",
                          {kMixture1, kMixture1, kMixture1, kMixture1, kMixture1, kMixture1,
                           json{{"type", "gaussian"}, {"mean", {0.3}}, {"cov", {{0.5}}}},
                           json{{"type", "gaussian"}, {"mean", {0.3}}, {"cov", {{0.5}}}}}},
                         {"grid",
                          {"uniform", "karras", "quadratic", "logsnr", "optimized", "optimized",
                           "optimized", "optimized"}},
                         {"n", {100, 100, 100, 100, 100, 200, 100, 100}},
                         {"grid_optimize_source",
                          {"self", "self", "self", "self", "self", "self", kMixture1, "self"}}}}}},
                     {"metrics", {"law"}}};
  const fs::path dir = optgrid_dir("named");
  EXPECT_EQ(count_optimisations(spec, dir), 2u);  // the mixture's grid and the Gaussian's
  std::vector<json> rows = ResultsTable(dir.string()).rows();
  ASSERT_EQ(rows.size(), 8u);
  // An infinite KL (an output that misses target mass) is null with a reason (json_util).
  const auto kl = [&](std::size_t k) {
    const json& v = rows[k]["metrics"]["law"]["kl_target_output"];
    return v.is_null() ? std::numeric_limits<double>::infinity() : v.get<double>();
  };
  ASSERT_TRUE(std::isfinite(kl(4)));
  for (std::size_t k = 0; k < 4; ++k) EXPECT_LE(kl(4), kl(k)) << rows[k]["options"]["grid"];
  EXPECT_EQ(kl(4), kl(5));
  EXPECT_EQ(rows[4]["optimized_grid_file"], rows[5]["optimized_grid_file"]);
  EXPECT_EQ(rows[4]["optimized_grid_file"], rows[6]["optimized_grid_file"]);
  EXPECT_NE(rows[6]["optimized_grid_file"], rows[7]["optimized_grid_file"]);
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir / "grids"))
    files += e.path().extension() == ".json";
  EXPECT_EQ(files, 2u);
  // A resume optimises nothing again.
  EXPECT_EQ(count_optimisations(spec, dir), 0u);
  fs::remove_all(dir);
}

TEST(OptimizedGrids, GridsMadeTwoAtATimeAreTheSameBits) {
  const json spec = {{"base", kSmallMeshBase},
                     {"sweep",
                      {{"mode", "zip"},
                       {"axes",
                        {{"target", {kMixture1, kMixture1, kGaussian2}},
                         {"grid", {"optimized", "ays", "optimized"}}}}}},
                     {"metrics", {"law"}}};
  std::map<std::string, std::string> files[2];
  for (const int jobs : {1, 2}) {
    const fs::path dir = optgrid_dir("jobs" + std::to_string(jobs));
    ExperimentRunOptions o;
    o.out = dir.string();
    o.threads = jobs;
    o.jobs = jobs;
    run_experiment(spec, "", o);
    for (const auto& e : fs::directory_iterator(dir / "grids"))
      files[jobs - 1][e.path().filename().string()] = read_text(e.path().string());
    fs::remove_all(dir);
  }
  EXPECT_EQ(files[0].size(), 6u);  // three grids and their results
  EXPECT_EQ(files[0], files[1]);
}

TEST(OptimizedGrids, AShardOptimisesOnlyItsRowsGridsAndTheMergeCarriesThem) {
  // Rows 0, 2 (shard 0/2) use the 4-step grid, row 1 (shard 1/2) the 6-step one.
  const json spec = {
      {"base",
       {{"target", kGaussian2},
        {"sampler", "ddim"},
        {"grid", "optimized"},
        {"T", 4.0},
        {"delta", 0.01}}},
      {"sweep", {{"mode", "zip"}, {"axes", {{"steps", {4, 6, 4}}, {"n", {10, 10, 20}}}}}},
      {"metrics", {"law"}}};
  const fs::path root = optgrid_dir("shards");
  std::vector<std::string> dirs;
  for (const char* label : {"0/2", "1/2"}) {
    ExperimentRunOptions o;
    o.out = (root / (std::string("s") + label[0])).string();
    o.threads = 1;
    o.shard = parse_sweep_shard(label);
    std::size_t n = 0;
    o.log = [&](const std::string& line) { n += line.rfind("optimising grid", 0) == 0; };
    run_experiment(spec, "", o);
    EXPECT_EQ(n, 1u) << label;
    dirs.push_back(o.out);
  }
  const std::string merged = (root / "merged").string();
  merge_shards(dirs, merged);
  for (std::size_t k = 0; k < 3; ++k) {
    const json re = rerun_row(merged, k, 1);
    EXPECT_TRUE(re["match"].get<bool>()) << re.dump();
  }
  fs::remove_all(root);
}

TEST(OptimizedGrids, BadRunsFailAtSpecCheckWithOneLine) {
  const auto message = [](const json& base) {
    const fs::path dir = optgrid_dir("bad");
    std::string what;
    try {
      count_optimisations({{"base", base}, {"metrics", {"law"}}}, dir);
    } catch (const Error& e) {
      what = e.what();
    }
    EXPECT_FALSE(fs::exists(dir / "grids")) << what;
    fs::remove_all(dir);
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    return what;
  };
  json three_d = {{"type", "gmm"},
                  {"weights", {0.5, 0.5}},
                  {"means", {{-1.0, 0.0, 0.0}, {1.0, 0.0, 0.0}}},
                  {"vars", {0.2, 0.2}}};
  json base = {{"target", three_d}, {"grid", "optimized"}, {"steps", 4}, {"T", 4.0}};
  EXPECT_NE(message(base).find("needs a run with an exact output law"), std::string::npos);
  base = {{"target", kGaussian2}, {"grid", "uniform"}, {"grid_optimize_source", kMixture1}};
  EXPECT_NE(message(base).find("'grid_optimize_source' is only used with grid 'optimized'"),
            std::string::npos);
  base = {{"target", kGaussian2}, {"grid", "optimized"}, {"grid_optimize_metric", "tv"}};
  EXPECT_NE(message(base).find("'tv' has no closed form"), std::string::npos);
  base = {{"target", kGaussian2}, {"grid", "optimized"}, {"grid_optimize_metric", "hellinger"}};
  EXPECT_NE(message(base).find("grid_optimize_metric"), std::string::npos);
  base = {{"target", three_d}, {"grid", "ays"}, {"steps", 4}, {"T", 4.0}, {"delta", 0.0}};
  EXPECT_NE(message(base).find("needs delta > 0"), std::string::npos);
  base = {{"target", kGaussian2}, {"grid", "ays"}, {"grid_optimize_source", kMixture1}};
  EXPECT_NE(message(base).find("'grid_optimize_source' is only used with grid 'optimized'"),
            std::string::npos);
}

TEST(OptimizedGrids, TheAysGridIsAysGridOfTheRunsTargetOncePerTargetAndSteps) {
  // Two samplers share one AYS grid (the bound does not depend on the sampler); the mixture's
  // 4- and 6-step grids are two more.
  const json spec = {
      {"base",
       {{"target", kMixture1},
        {"grid", "ays"},
        {"T", 4.0},
        {"delta", 0.01},
        {"grid_nodes", 201},
        {"grid_tol", 0}}},
      {"sweep",
       {{"mode", "zip"}, {"axes", {{"sampler", {"ddim", "ei", "ddim"}}, {"steps", {6, 6, 4}}}}}},
      {"metrics", {"law"}}};
  const fs::path dir = optgrid_dir("ays");
  ExperimentRunOptions o;
  o.out = dir.string();
  o.threads = 1;
  std::size_t made = 0;
  o.log = [&](const std::string& line) { made += line.rfind("computing the ays grid", 0) == 0; };
  run_experiment(spec, "", o);
  EXPECT_EQ(made, 2u);
  const std::vector<json> rows = ResultsTable(dir.string()).rows();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["optimized_grid_file"], rows[1]["optimized_grid_file"]);
  EXPECT_NE(rows[0]["optimized_grid_file"], rows[2]["optimized_grid_file"]);
  RunSpec direct;
  direct.target_json = kMixture1;
  direct.steps = 6;
  direct.T = 4.0;
  direct.delta = 0.01;
  const std::string rel = rows[0]["optimized_grid_file"];
  EXPECT_EQ(grid_from_file((dir / rel).string()).times(), ays_grid(direct).times);
  EXPECT_TRUE(rows[0]["metrics"]["law"]["kl_target_output"].is_number());
  const json re = rerun_row(dir.string(), 1, 1);
  EXPECT_TRUE(re["match"].get<bool>()) << re.dump();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace difflab
