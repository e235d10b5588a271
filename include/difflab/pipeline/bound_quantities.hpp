#pragma once
// The quantities of the bound calculator (`difflab bound` without --target, Python's bound()
// with `inputs`), by name, into BoundInputs: one reader for both faces.
//
//   d, T, delta, steps        problem and grid size (only those given are used)
//   grid, grid_file           a named grid (difflab sample --list) built from T, delta, steps;
//                             without it each bound uses its paper's own grid
//   L, m2, kl, eps_score, strong_log_concavity, identity_covariance, accuracy
//   fisher                    the relative Fisher information I(q | N(0, I)) (conforti23)
//   data_mean, cov_eigenvalues Gaussian data N(m, Sigma): m and Sigma's eigenvalues (strasman24)
//   mu, theta_hat             bruno-example: lists of numbers
//   sampler ("em" | "ei"), denoise (no noise on the last step)
//   constants                 {"NAME": value, "paper.NAME": value}
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/core/option_schema.hpp"
#include "difflab/core/types.hpp"

namespace difflab {

BoundInputs bound_quantities_from_json(const nlohmann::json& quantities,
                                       const std::string& where = "bound");

// The data quantities as an options struct, for a face that takes them one by one (the CLI's
// --d, --L, ...): only those the caller marks as given enter the JSON the reader above takes,
// so an unset quantity stays unset (the bound then names it). Ranges are checked by that reader.
struct BoundQuantityOptions {
  Index d = 0;
  double L = 0, m2 = 0, kl = 0, eps_score = 0, strong_log_concavity = 0, accuracy = 0, fisher = 0;
  bool identity_covariance = false;
  std::vector<double> mu, theta_hat, data_mean, cov_eigenvalues;
};
const OptionSchema<BoundQuantityOptions>& bound_quantity_schema();
// The fields named in `given` (schema names), as quantities JSON.
nlohmann::json bound_quantities_given(const BoundQuantityOptions& q,
                                      const std::vector<std::string>& given);

// Constants hidden by '<~' given as "NAME=VALUE" or "PAPER.NAME=VALUE": the object {NAME: value}
// of the quantities' "constants" (each name once, each value a finite number).
nlohmann::json bound_constants_from_assignments(const std::vector<std::string>& assignments);

}  // namespace difflab
