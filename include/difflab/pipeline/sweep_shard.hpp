#pragma once
// A deterministic share of a sweep for scheduler array jobs (docs/scale-out.md): shard i of n
// runs the rows whose index k has k mod n == i. Rows are independent and every random number is
// keyed by the run's seed (experiment/run_seed.hpp), so a row computed in any shard has the bits
// it has in a serial run; `merge_shards` (pipeline/shard_merge.hpp) puts the shards together.
//
// A shard's results directory holds DIR/shard.json, {"index": i, "count": n, "spec_hash": h},
// h = options_hash of the spec: the merge checks every shard against it.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace difflab {

struct SweepShard {
  std::size_t index = 0;
  std::size_t count = 1;  // 1: the whole sweep, no shard file
  bool holds(std::size_t row) const { return row % count == index; }
  bool whole() const { return count == 1; }
  std::string label() const;  // "i/n"
};

// Parses "i/n" (0 <= i < n, both decimal integers); errors name `where`.
SweepShard parse_sweep_shard(const std::string& text, const std::string& where = "option 'shard'");

// The shard.json object of a shard of the spec `raw`.
nlohmann::json shard_record(const SweepShard& shard, const nlohmann::json& raw_spec);
// Reads DIR/shard.json (checked: index < count, count >= 2, a spec_hash string).
struct ShardRecord {
  SweepShard shard;
  std::string spec_hash;
};
ShardRecord read_shard_record(const std::string& dir);

}  // namespace difflab
