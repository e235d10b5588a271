#pragma once
// Model log-likelihood under the probability-flow ODE of a score model (instantaneous change of
// variables: Chen et al. 2018, Song et al. 2021 score_sde `likelihood.py`).
//
// With f(t) = -beta(t)/2 and g(t)^2 = beta(t) of score.process(), the PF-ODE
//   dx/dt = v(t, x) = f(t) x - (g(t)^2 / 2) s(t, x)
// carries the model's density p_t along its trajectories with d/dt log p_t(x_t) = -div v, so
//   log p_delta(x) = log p_T(x_T) + int_delta^T div v(t, x_t) dt,
//   div v = d f(t) - (g(t)^2 / 2) div s(t, x),
// where x_T is the ODE solution started at x at time delta and p_T = N(0, I) (the model's prior;
// FlowPrior::kModelDensity uses the model's own log q_T instead where it has one, which removes
// the initialisation error). The joint system (x, log-density increment) is integrated forward
// in time by classical fixed-step RK4 on a time grid of schedule/grids.hpp (reversed).
//
// div s is computed by central differences along directions:
//   exact       sum_i (s_i(x + h e_i) - s_i(x - h e_i)) / (2h)      (2d evaluations per stage)
//   hutchinson  mean_p eps_p . (s(x + h eps_p) - s(x - h eps_p)) / (2h), eps_p Rademacher or
//               standard Gaussian probes, fresh at every step (the same for the four stages of
//               one step), drawn from the stream (seed, kMonteCarlo, particle, step).
// For a score that is affine in x (e.g. the exact score of a Gaussian) central differences are
// exact up to rounding. Each particle's result depends only on its own column and its own
// random streams, so results are bit-identical for any thread count and block size.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/types.hpp"
#include "difflab/score/score_model.hpp"

namespace difflab {

enum class DivergenceMethod { kAuto, kExact, kHutchinson };
enum class ProbeKind { kRademacher, kGaussian };
enum class FlowPrior {
  kStandardNormal,  // log N(x_T; 0, I): the model's likelihood as a generative model (default)
  kModelDensity     // log q_T(x_T) of score.log_density (needs score.has_log_density())
};

struct FlowLikelihoodOptions {
  int steps = 100;              // RK4 steps (4 stages each), >= 1
  double T = 0;                 // end time; 0 = the process's t_max if finite, else 10 (OU)
  double delta = 1e-5;          // start time (score_sde's eps), 0 <= delta < T
  std::string grid = "logsnr";  // a grid name of make_grid (not "file")
  DivergenceMethod divergence = DivergenceMethod::kAuto;  // auto: exact for d <= 16
  ProbeKind probe = ProbeKind::kRademacher;               // Hutchinson probes
  int probes = 1;                                         // Hutchinson probes per step, >= 1
  double fd_step = 1e-4;  // h of the central differences (absolute), > 0
  FlowPrior prior = FlowPrior::kStandardNormal;
  std::uint64_t seed = 0;  // Hutchinson probes
  Index block_size = 256;  // particles per block handed to a thread, >= 1
  // Throws difflab::Error when an option is out of range.
  void validate() const;
};

// Largest dimension for which DivergenceMethod::kAuto uses the exact divergence.
inline constexpr Index kFlowExactDivergenceMaxDim = 16;

std::string to_string(DivergenceMethod method);
std::string to_string(ProbeKind probe);
// From "auto" | "exact" | "hutchinson" and "rademacher" | "gaussian"; errors list the names.
DivergenceMethod divergence_method_from_string(const std::string& name);
ProbeKind probe_kind_from_string(const std::string& name);

struct FlowLikelihoodResult {
  Vector log_likelihood;      // log p_delta(x_j) per point, nats
  double mean = 0;            // mean log-likelihood
  double nll = 0;             // -mean (nats)
  double standard_error = 0;  // of the mean: sample sd of the points / sqrt(n) (0 when n = 1)
  double nll_ci_lo = 0, nll_ci_hi = 0;  // 95% normal interval for the mean NLL
  double bits_per_dim = 0;              // nll / (d log 2) (continuous data, no dequantisation)
  Index dim = 0, n = 0;
  double nfe = 0;             // score evaluations per point (all stages and differences)
  std::string method;         // e.g. "pf-ode rk4 (logsnr grid), exact divergence"
  std::string divergence;     // "exact" | "hutchinson"
  int steps = 0, probes = 0;  // probes: 0 for the exact divergence
  double T = 0, delta = 0;
  std::string prior;               // "standard_normal" | "model_density"
  nlohmann::json to_json() const;  // everything except the per-point values
};

// log p_delta(x) of the columns of X (d x n, finite, d = score.dim(), n >= 1) under the PF-ODE
// of `score`. Throws difflab::Error on bad options or input, and when a point's result is not
// finite (the ODE left the range where the score is finite).
FlowLikelihoodResult flow_log_likelihood(const ScoreModel& score, const Matrix& X,
                                         const FlowLikelihoodOptions& options = {});

}  // namespace difflab
