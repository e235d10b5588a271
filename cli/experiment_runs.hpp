#pragma once
// The progress of an experiment (pipeline/experiment_runner.hpp) on stderr, shared by `difflab
// run` and `difflab demo`: a bar on a terminal, one line per finished row in a log.
#include "difflab/pipeline/experiment_runner.hpp"

namespace difflab::cli {

// Sets options.log, options.on_row (both print on rank 0 only, as the runner calls them) and
// options.comm (this process's ranks).
void add_experiment_progress(ExperimentRunOptions& options);

}  // namespace difflab::cli
