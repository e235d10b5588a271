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

#include "difflab/bounds/bound_inputs.hpp"

namespace difflab {

BoundInputs bound_quantities_from_json(const nlohmann::json& quantities,
                                       const std::string& where = "bound");

}  // namespace difflab
