#pragma once
// `difflab run` on a spec given as JSON, with its progress lines (demo reuses it).
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/pipeline/sweep_shard.hpp"

namespace difflab::cli {

// Relative target paths are read from spec_dir; results go to `out` (resuming what is there).
void run_experiment_spec(const nlohmann::json& spec, const std::string& spec_dir,
                         const std::string& out, int threads, int jobs = 0,
                         const SweepShard& shard = {});

}  // namespace difflab::cli
