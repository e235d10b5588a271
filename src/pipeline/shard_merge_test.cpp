#include "difflab/pipeline/shard_merge.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/pipeline/experiment_runner.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;

fs::path merge_test_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("difflab_merge_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

nlohmann::json merge_test_spec() {
  return {{"seed", 9u},
          {"base",
           {{"target", {{"type", "gaussian"}, {"mean", {0.5}}, {"var", 0.7}}},
            {"grid", "uniform"},
            {"T", 3.0},
            {"delta", 0.02}}},
          {"sweep", {{"axes", {{"steps", {4, 8, 16, 32}}}}}},
          {"metrics", {"law"}},
          {"fits", {{{"metric", "law.kl_target_output"}, {"against", "steps"}}}}};
}

std::vector<nlohmann::json> rows_without_wall_time(const fs::path& dir) {
  std::vector<nlohmann::json> rows =
      parse_results_jsonl(read_text((dir / "results.jsonl").string()), "results").rows;
  for (auto& r : rows) r.erase("wall_seconds");
  return rows;
}

void run_into(const fs::path& dir, const SweepShard& shard) {
  ExperimentRunOptions o;
  o.out = dir.string();
  o.threads = 1;
  o.shard = shard;
  run_experiment(merge_test_spec(), "", o);
}

TEST(ShardMerge, TwoShardsMergeIntoTheSerialRowsAndFits) {
  const fs::path base = merge_test_dir("equal");
  run_into(base / "serial", {});
  run_into(base / "a", {0, 2});
  run_into(base / "b", {1, 2});
  EXPECT_EQ(rows_without_wall_time(base / "a").size(), 2u);
  EXPECT_FALSE(fs::exists(base / "a" / "fits.json"));
  const ShardMergeSummary m =
      merge_shards({(base / "b").string(), (base / "a").string()}, (base / "m").string());
  EXPECT_EQ(m.runs, 4u);
  EXPECT_EQ(m.shards, 2u);
  EXPECT_EQ(rows_without_wall_time(base / "serial"), rows_without_wall_time(base / "m"));
  EXPECT_EQ(read_text((base / "serial" / "fits.json").string()),
            read_text((base / "m" / "fits.json").string()));
  fs::remove_all(base);
}

TEST(ShardMerge, RefusesOverlapGapsAndOtherSpecs) {
  const fs::path base = merge_test_dir("refuse");
  run_into(base / "a", {0, 2});
  run_into(base / "b", {1, 2});
  const std::string a = (base / "a").string(), b = (base / "b").string();
  expect_error([&] { merge_shards({a, a}, (base / "m").string()); }, "overlapping shards");
  expect_error([&] { merge_shards({a}, (base / "m").string()); }, "shard 1/2 is missing");
  // A shard of another count, then one of another spec.
  run_into(base / "c", {1, 3});
  expect_error(
      [&] {
        merge_shards({a, (base / "c").string()}, (base / "m").string());
      },
      "is a shard of 2");
  nlohmann::json other = merge_test_spec();
  other["seed"] = 10u;
  ExperimentRunOptions o;
  o.out = (base / "d").string();
  o.threads = 1;
  o.shard = {1, 2};
  run_experiment(other, "", o);
  expect_error(
      [&] {
        merge_shards({a, (base / "d").string()}, (base / "m").string());
      },
      "a shard of a different spec");
  EXPECT_FALSE(fs::exists(base / "m"));
  fs::remove_all(base);
}

}  // namespace
}  // namespace difflab
