#pragma once
// The files an experiment's runs read (target, grid, initial points, score model) and a hash of
// each file's content. A results directory records them in inputs.json, so a resume after an
// input changed is refused, naming the file, instead of mixing rows of two targets in one table.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/experiment/experiment_spec.hpp"

namespace difflab {

// {path: content hash (16 hex digits)} of every file the runs read, relative paths resolved
// against `spec_dir` where the runner resolves them (the target) and as given otherwise.
nlohmann::json input_file_hashes(const std::vector<PlannedRun>& runs, const std::string& spec_dir);

// Writes DIR/inputs.json on the first run; on a resume, refuses (difflab::Error naming the file)
// when a recorded file's content hash differs from `hashes`. A directory written before inputs
// were recorded gets its inputs.json now.
void check_input_files(const std::string& dir, const nlohmann::json& hashes);

}  // namespace difflab
