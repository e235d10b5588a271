#include "difflab/pipeline/shard_merge.hpp"

#include <filesystem>
#include <map>

#include "difflab/core/directory_lock.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/experiment_spec.hpp"
#include "difflab/experiment/report_fits.hpp"
#include "difflab/experiment/results_table.hpp"
#include "difflab/pipeline/experiment_runner.hpp"
#include "difflab/pipeline/optimized_grids.hpp"
#include "difflab/pipeline/sweep_shard.hpp"

namespace difflab {

namespace {

namespace fs = std::filesystem;

struct LoadedShard {
  std::string dir;
  ShardRecord record;
  std::vector<nlohmann::json> rows;
};

LoadedShard load_shard(const std::string& dir) {
  require(fs::exists(dir + "/spec.json"), dir, ": not a results directory (no spec.json)");
  require(fs::exists(dir + "/shard.json"), dir,
          ": not a shard (no shard.json); shards are written by run with option 'shard' i/n");
  LoadedShard s;
  s.dir = dir;
  s.record = read_shard_record(dir);
  const std::string jsonl = dir + "/results.jsonl";
  if (fs::exists(jsonl)) {
    // Read, not opened as a ResultsTable: a merge never rewrites its inputs.
    ParsedResults parsed = parse_results_jsonl(read_text(jsonl), jsonl);
    require(!parsed.torn, jsonl,
            ": the last row is torn (a run was killed); resume the shard before merging");
    s.rows = std::move(parsed.rows);
  }
  return s;
}

}  // namespace

ShardMergeSummary merge_shards(const std::vector<std::string>& dirs, const std::string& out) {
  require(!dirs.empty(), "option 'merge' needs the shard directories");
  std::vector<LoadedShard> shards;
  for (const auto& d : dirs) shards.push_back(load_shard(d));
  const nlohmann::json raw = read_json(dirs[0] + "/spec.json");
  const std::string spec_hash = options_hash(raw);
  const std::size_t count = shards[0].record.shard.count;
  std::map<std::size_t, std::string> owner;  // shard index -> directory
  for (const auto& s : shards) {
    require(options_hash(read_json(s.dir + "/spec.json")) == spec_hash &&
                s.record.spec_hash == spec_hash,
            s.dir, ": a shard of a different spec than ", dirs[0], " (spec hash ",
            s.record.spec_hash, ", not ", spec_hash, ")");
    require(s.record.shard.count == count, s.dir, ": shard ", s.record.shard.label(), ", but ",
            dirs[0], " is a shard of ", count);
    const auto [it, fresh] = owner.emplace(s.record.shard.index, s.dir);
    require(fresh, s.dir, " and ", it->second, " both hold shard ", s.record.shard.label(),
            " (overlapping shards)");
  }
  for (std::size_t i = 0; i < count; ++i)
    require(owner.count(i) == 1, "shard ", i, "/", count, " is missing (", shards.size(), " of ",
            count, " shard directories given)");

  const ExperimentSpec spec = parse_experiment_spec(raw, dirs[0] + "/spec.json");
  const std::vector<PlannedRun> runs = expand_runs(spec);
  std::vector<const nlohmann::json*> by_row(runs.size(), nullptr);
  std::vector<const LoadedShard*> from(runs.size(), nullptr);
  for (const auto& s : shards) {
    for (const auto& row : s.rows) {
      const auto k = row["row"].get<std::size_t>();
      require(k < runs.size() && row["options_hash"] == runs[k].hash, s.dir, ": row ", k,
              " is not run ", k, " of the spec");
      require(s.record.shard.holds(k), s.dir, ": row ", k, " does not belong to shard ",
              s.record.shard.label());
      by_row[k] = &row;
      from[k] = &s;
    }
  }
  for (const auto& run : runs) {
    if (by_row[run.index] != nullptr) continue;
    const std::size_t i = run.index % count;
    fail(owner[i], ": shard ", i, "/", count, " is unfinished (row ", run.index,
         " missing); resume it: run the spec with option 'out' ", owner[i], " and option 'shard' ",
         i, "/", count);
  }

  require(!fs::exists(out + "/results.jsonl"), out,
          ": already holds results; merge into a new directory");
  ensure_directory(out);
  const DirectoryLock lock(out);
  write_json(out + "/spec.json", raw);
  // Targets are content-addressed: the same file in every shard and in a serial run.
  std::vector<nlohmann::json> rows;
  for (std::size_t k = 0; k < runs.size(); ++k) {
    const nlohmann::json& row = *by_row[k];
    if (row.contains("target_file")) {
      const std::string rel = row["target_file"].get<std::string>();
      if (!fs::exists(out + "/" + rel)) {
        ensure_directory(out + "/targets");
        write_text_atomic(out + "/" + rel, read_text(from[k]->dir + "/" + rel));
      }
    }
    // So are optimised grids (pipeline/optimized_grids.hpp): the grid and its result file.
    if (row.contains("optimized_grid_file")) {
      const std::string grid = row["optimized_grid_file"].get<std::string>();
      for (const std::string& rel : {grid, optimized_grid_result_file(grid)})
        if (!fs::exists(out + "/" + rel)) {
          ensure_directory(out + "/grids");
          write_text_atomic(out + "/" + rel, read_text(from[k]->dir + "/" + rel));
        }
    }
    rows.push_back(row);
  }
  if (!spec.fits.empty() || report_hints_fit(spec)) write_sweep_fits(spec, rows, out);
  write_text_atomic(out + "/results.csv", format_results_csv(rows));
  // Written last: results.jsonl marks a finished merge (a merge interrupted before it can be
  // repeated into the same directory).
  std::string jsonl;
  for (const auto& row : rows) jsonl += row.dump() + "\n";
  write_text_atomic(out + "/results.jsonl", jsonl);
  return {runs.size(), shards.size()};
}

}  // namespace difflab
