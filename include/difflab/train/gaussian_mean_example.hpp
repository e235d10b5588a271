#pragma once
// The Gaussian-mean example of Bruno, Zhang, Lim, Akyildiz, Sabanis (arXiv 2311.13584, section
// 3.1) end to end, as the first author's code runs it (docs/theory.md 4.3):
//   1. data: M samples X_0 ~ N(mu, I_d);
//   2. training: theta in R^d (theta_0 = 0) of s_theta(t, x) = -x + e^{-t} theta by minimising
//      the weighted DSM loss U(theta) = E[sigma_tau^2 ||sigma_tau^{-1} Z + s_theta(tau,
//      X_tau)||^2], tau ~ Unif[eps, T], with any optimizer of train/optimizer.hpp (default: the
//      authors' SGLD);
//   3. sampling with Euler-Maruyama (the authors' sampler) and the exponential integrator from
//      N(0, I_d) on the grid linspace(T, 0, K), evaluated exactly (both output laws are
//      Gaussian, bounds/bruno_example.hpp): W2 to N(mu, I_d) and the example's bound terms;
//   4. the score error along the sampler's own iterates (the 'auxiliary process' assumption,
//      docs/theory.md 4.2): gamma sum_k E||grad log q_{tau_k}(Y_k) - s_theta(tau_k, Y_k)||^2 over
//      the EM iterates Y_k started at N(0, I_d), in closed form and by Monte Carlo.
//
// Wiring a CLI (`difflab train --example gaussian-mean`): read GaussianMeanExampleOptions with
// from_json (or set the fields from flags), call run_gaussian_mean_example, write
// report.to_json() with core/file_io's write_json (atomic).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/bounds/bound_result.hpp"
#include "difflab/bounds/bruno_example.hpp"
#include "difflab/core/types.hpp"
#include "difflab/train/optimizer.hpp"

namespace difflab {

// The notebook's mu for d = 2 (docs/theory.md 4.3).
Vector bruno_authors_mu();

// Optimizer settings of the example (docs/theory.md 4.3), by name:
//   "sgld"  the authors' run: SGLD, lr (lambda) 1e-4, inverse temperature beta 1e14;
//   "adam"  the authors' Adam variant: lr 5e-5 (beta1 0.9, beta2 0.999, eps 1e-8; beta unused;
//           the authors ran it for 100 epochs: set epochs yourself);
//   "tusla" not in the authors' runs (they ship THEOPOULA, unused): TUSLA with the SGLD settings,
//           lr 1e-4, beta 1e14, r = 0.5, eta (weight_decay) = 0 -- our choice, so that the
//           minimiser stays mu and only the taming 1 + sqrt(lr) |theta| slows the start.
// Any other name is an error listing these three.
OptimizerOptions gaussian_mean_optimizer_preset(const std::string& name);

struct GaussianMeanExampleOptions {
  Index d = 2;  // dimension, >= 1
  // Data mean; empty = the default: the authors' [-1.23486883, -0.89244735] for d = 2, and for
  // other d the same two numbers repeated (mu_i = authors[i mod 2]), so ||mu|| ~ sqrt(d).
  // When set its size must be d and it must be finite.
  Vector mu;
  Index samples = 50000;  // M, the data set size, >= 1
  Index batch = 128;      // minibatch size, 1 <= batch <= samples; an epoch is ceil(M / batch)
                          // steps over a fresh random permutation, the last batch smaller
  int epochs = 200;       // passes over the data, >= 1
  // The authors' SGLD (gaussian_mean_optimizer_preset("sgld")); any OptimizerOptions works. Its
  // seed field is ignored: the optimizer noise is keyed by `seed` below.
  OptimizerOptions optimizer = gaussian_mean_optimizer_preset("sgld");
  double T = 2;    // time horizon of the loss window and of the sampler (executed notebook cells)
  double eps = 0;  // tau ~ Unif[eps, T] in the loss, 0 <= eps < T (the notebook's eps = 0)
  // K: points of the sampler grid linspace(T, 0, K), i.e. K - 1 steps of gamma = T / (K - 1),
  // >= 2. (docs/theory.md 4.3 reads the authors' loop as K iterations of step gamma, the last one
  // at tau = 0 to forward time -gamma; a TimeGrid ends at 0, so we take the K - 1 grid steps.)
  int sampler_points = 1000;
  // false (the authors' "return mean_x"): the last sampler step adds no noise.
  bool noise_on_last_step = false;
  // Particles of the Monte Carlo evaluation of the score error along the EM iterates, >= 2.
  Index aux_particles = 10000;
  std::uint64_t seed = 0;  // data, minibatches, DSM noise, optimizer noise, sampler noise

  // Throws difflab::Error naming the first invalid field ("gaussian-mean example: batch ...").
  void validate() const;
  // mu resolved to its default when empty.
  Vector resolved_mu() const;
  // Every field; mu always explicit (resolved).
  nlohmann::json to_json() const;
  // Keys: d, mu, samples, batch, epochs, optimizer (a preset name "sgld" | "adam" | "tusla", or
  // an OptimizerOptions object, whose missing fields take OptimizerOptions' defaults), T, eps,
  // sampler_points, noise_on_last_step, aux_particles, seed; all optional (defaults above);
  // unknown keys are errors. Validates.
  static GaussianMeanExampleOptions from_json(const nlohmann::json& j);
};

struct GaussianMeanExampleReport {
  GaussianMeanExampleOptions options;
  Vector mu;
  Vector theta;                       // final theta_hat
  std::vector<Vector> theta_history;  // theta after each epoch (epochs entries)
  std::vector<double> loss_history;   // mean per-sample loss ||r||^2 over each epoch, each sample's
                                      // loss taken at the theta its batch was trained from
  // E theta after each epoch from the mean recursion E theta_{n+1} = E theta_n - lr_n 2 c
  // (E theta_n - mu) (docs/theory.md 4.3; lr_n from the schedule), exact in expectation over data
  // and training for plain sgld and sgd without momentum or weight decay (the stochastic gradient
  // is linear in theta and unbiased for 2 c (theta - mu) given the past); empty for other
  // optimizers, whose mean dynamics are not linear.
  std::vector<Vector> expected_theta_history;
  Index steps_per_epoch = 0;
  double loss_curvature = 0;            // c_{T,eps} (bruno_loss_curvature)
  double loss_minimum = 0;              // U* (bruno_loss_minimum)
  double final_population_loss = 0;     // U(theta_hat), closed form (bruno_loss)
  IsotropicGaussianLaw law_em, law_ei;  // exact output laws (bruno_example_law)
  double w2_em = 0, w2_ei = 0;          // exact W2(output law, N(mu, I_d))
  BoundResult bound_em, bound_ei;       // bound_bruno_example: terms optimisation,
                                        // initialisation, discretisation
  // gamma sum_{k<K-1} E||grad log q_{tau_k}(Y_k) - s_theta(tau_k, Y_k)||^2 over the EM iterates:
  // closed form sum_k gamma_k e^{-2 tau_k} ||mu - theta||^2 (the difference e^{-tau}(mu - theta)
  // does not depend on x) and by Monte Carlo over aux_particles runs of the EM sampler
  // (sampler/euler_maruyama.hpp through its on_step callback, with the true score from
  // score/exact_score.hpp), with its standard error.
  double aux_score_error_closed_form = 0;
  double aux_score_error_monte_carlo = 0;
  double aux_score_error_monte_carlo_se = 0;
  double train_seconds = 0;

  // Keys: options, mu, theta, theta_history, loss_history, expected_theta_history,
  // steps_per_epoch, loss_curvature, loss_minimum, final_population_loss, law_em, law_ei
  // ({mean, variance}), w2_em, w2_ei, bound_em, bound_ei (BoundResult::to_json), bound_terms
  // ({em: {optimisation, initialisation, discretisation}, ei: {...}}), aux_score_error
  // ({closed_form, monte_carlo, monte_carlo_se, particles, method}), train_seconds.
  nlohmann::json to_json() const;
  // The headline numbers: example, mu, theta, w2_em, w2_ei, bound_terms, aux_score_error,
  // train_seconds (what `difflab train --example` prints; the full report is to_json()).
  nlohmann::json headline() const;
};

// Trains theta (steps 1-2 above), then evaluates (3-4). Validates the options. Bit-identical for
// a given seed whatever the thread count.
GaussianMeanExampleReport run_gaussian_mean_example(const GaussianMeanExampleOptions& options);

// The training alone (used by run_gaussian_mean_example; exposed for tests): theta after each
// epoch and the epoch mean losses.
struct GaussianMeanTraining {
  std::vector<Vector> theta_history;
  std::vector<double> loss_history;
  Index steps_per_epoch = 0;
};
GaussianMeanTraining train_gaussian_mean(const GaussianMeanExampleOptions& options);

// E theta after each epoch by the mean recursion (see expected_theta_history), without training:
// empty unless the optimizer is sgld, or sgd with momentum 0, with weight_decay 0 and clip_norm 0.
// Validates the options.
std::vector<Vector> gaussian_mean_expected_theta(const GaussianMeanExampleOptions& options);

}  // namespace difflab
