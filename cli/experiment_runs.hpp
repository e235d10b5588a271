#pragma once
// The pieces of `difflab run` that `difflab report` and `difflab demo` reuse.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "run_setup.hpp"

namespace difflab::cli {

// The run options (the flags of `difflab sample`) of a spec run's options object, with the
// run's target file, derived seed and thread count.
RunOptions run_options_from_spec(const nlohmann::json& options, const std::string& target_path,
                                 std::uint64_t seed, int threads);

// `difflab run` on a spec given as JSON: relative target paths are read from spec_dir; results go
// to `out` (resuming what is there).
void run_experiment_spec(const nlohmann::json& spec, const std::string& spec_dir,
                         const std::string& out, int threads);

}  // namespace difflab::cli
