#pragma once
// `difflab train --example gaussian-mean`: the Gaussian-mean example of Bruno et al. end to end
// (train/gaussian_mean_example.hpp), run from the train subcommand's flags.
#include <string>

#include "cli_common.hpp"
#include "difflab/core/types.hpp"

namespace difflab::cli {

struct TrainExampleFlags {
  std::string name;       // --example: "gaussian-mean" (the only built-in example)
  std::string config;     // --example-config: JSON of GaussianMeanExampleOptions (optional)
  std::string optimizer;  // --example-optimizer: sgld | adam | tusla preset (optional)
  int epochs = 0;         // --example-epochs (0 = the config's / the authors' 200)
  Index d = 0;            // --example-d (0 = the config's / 2)
};

// Runs the example, prints its summary (JSON) and writes the full report to `out` if non-empty.
void run_train_example(const TrainExampleFlags& flags, const CommonOptions& common,
                       const std::string& out);

}  // namespace difflab::cli
