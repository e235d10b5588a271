#pragma once
// Applications as experiment runs (spec key "app"; the application specs and the Bruno et al.
// example reproduction of experiments/README.md): a run of an app takes the app's own options
// instead of a sampler's, and its row's metrics are the app's result JSON (`difflab app ...`,
// `difflab train --example gaussian-mean`).
//
//   sk, z2          apps/sk_model.hpp, apps/z2_synchronization.hpp (stochastic localization)
//   gmm-learn       apps/gmm_learning.hpp (DDPM-objective GD vs EM)
//   langevin-modes  apps/langevin_modes.hpp (SE19 Fig. 3)
//   gaussian-mean   train/gaussian_mean_example.hpp (Bruno et al., section 3.1)
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/experiment/experiment_spec.hpp"

namespace difflab {

// The app names, in documentation order.
const std::vector<std::string>& experiment_apps();

// The options app `app` accepts in a spec (its `difflab app` flags with '-' written '_', plus
// "seed"); throws difflab::Error naming the valid apps for an unknown one.
const std::vector<RunOptionInfo>& app_option_table(const std::string& app);

// Builds and validates the app's options struct from `options` (a spec run's options; "seed" is
// the key, not used here) with the run's derived seed, without running; throws difflab::Error.
void validate_app_run(const std::string& app, const nlohmann::json& options, std::uint64_t seed);

// Runs the app and returns its result JSON, with every array of more than 16 entries removed
// (rows hold numbers, not d-vectors or per-epoch histories). Bit-identical for a given seed.
nlohmann::json run_app(const std::string& app, const nlohmann::json& options, std::uint64_t seed);

// The app's whole result JSON (what `difflab app` writes); run_app is this without long arrays.
nlohmann::json run_app_report(const std::string& app, const nlohmann::json& options,
                              std::uint64_t seed);

}  // namespace difflab
