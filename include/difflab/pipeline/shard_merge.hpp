#pragma once
// Puts the shards of a sweep (pipeline/sweep_shard.hpp) together into one results directory
// equal to a serial run's: the same spec.json, targets/, results.jsonl (rows in sweep order),
// results.csv and fits.json; only each row's wall_seconds is the shard's own.
//
// Refused, with the directory named, before anything is written: a directory that is not a
// finished shard (no spec.json or shard.json, a row missing or outside the shard, a row whose
// options differ from the spec's run), shards of different specs (spec_hash) or of different
// counts, two directories holding the same shard (overlap), a shard of the count missing, and an
// output directory that already holds results.
#include <string>
#include <vector>

namespace difflab {

struct ShardMergeSummary {
  std::size_t runs = 0;    // rows written
  std::size_t shards = 0;  // directories merged
};

ShardMergeSummary merge_shards(const std::vector<std::string>& shard_dirs, const std::string& out);

}  // namespace difflab
