#pragma once
// Learning the means of an equal-weight isotropic Gaussian mixture q = (1/K) sum_i N(mu*_i, I_d)
// by gradient descent on the DDPM / denoising-score-matching objective (Shah, Chen, Klivans 2023,
// "Learning mixtures of Gaussians using the DDPM objective", arXiv 2307.01178), compared with EM
// on the same data. docs/applications.md (c); equation tags there.
//
// Forward process: OU, X_t = e^{-t} X_0 + sigma_t Z, sigma_t = sqrt(1 - e^{-2t}) (lecture eq. (1)).
// Student score, the exact form with the K means trainable ([Q] SCK23 eqs. (11)-(14)):
//   s_mu(x) = sum_i w_i(x) m_i - x,  m_i = e^{-t} mu_i,  w = softmax_i(<x, m_i> - |m_i|^2 / 2).
// Loss at one noise level (lecture eq. (3), DDPM form): L_t(mu) = E || s_mu(x_t) + z / sigma_t
// ||^2. Its exact gradient ([D] in the note, re-derived and checked against finite differences in
// gmm_learning_test.cpp): with r = m_bar - x_t + z / sigma_t, m_bar = sum_i w_i m_i,
//   d loss / d mu_j = 2 e^{-t} w_j [ r + (x_t - m_j) <m_j - m_bar, r> ].
// Two stages (SCK23 abstract [V]: large noise ~ power method, small noise ~ EM; the stage
// lengths, noise levels and step sizes of their theorem are [R]/unverified, so the defaults are
// those of the note's sanity run): stage 1 at t_large = log d, stage 2 at t_small = 0.1. The
// gradient at noise level t is O(e^{-2t}), so the step is eta = lr * e^{2t}.
// EM at t = 0 for the same model: mu_j <- sum_x w_j(x) x / sum_x w_j(x).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"

namespace difflab::apps {

struct GmmLearnOptions {
  Index d = 20;                 // dimension
  Index K = 2;                  // components, 2 <= K <= min(d, 8)
  Index n = 4000;               // data points
  double radius = 2.0;          // K = 2: mu* = +-radius e_1; K > 2: mu*_i = sqrt(2) radius e_i
                                // (pairwise distance 2 radius in both cases)
  std::string init = "random";  // "random": init_scale N(0, I) (SCK23's two-component result);
                                // "warm": mu*_i + warm_radius * uniform direction (K-component)
  double init_scale = 0.1;
  double warm_radius = 0.5;
  double t_large = -1;  // stage-1 noise level; < 0 means log d
  int steps_large = 300;
  double lr_large = 0.5;  // eta = lr * e^{2t}
  double t_small = 0.1;
  int steps_small = 300;
  double lr_small = 0.5;
  int em_iterations = 200;
  std::uint64_t seed = 0;
  void validate() const;
  double stage1_t() const;
};

// The K true means (d x K) and n data points (d x n, component of point j uniform, drawn from
// (seed, kUseGmmData, j, 0)).
Matrix gmm_true_means(const GmmLearnOptions& o);
Matrix gmm_data(const GmmLearnOptions& o, const Matrix& means);
Matrix gmm_initial_means(const GmmLearnOptions& o, const Matrix& means);

// The DSM loss at noise level t and its gradient (d x K) averaged over the columns of X0 with
// noise Z (d x n); the sum over fixed-size particle blocks is taken in block order, so it is
// bit-identical for any thread count.
double gmm_dsm_loss(const Matrix& mu, const Matrix& X0, const Matrix& Z, double t);
Matrix gmm_dsm_gradient(const Matrix& mu, const Matrix& X0, const Matrix& Z, double t);

// Runs the two GD stages from `init` (fresh z at every step: (seed, kUseGmmNoise, j, step)).
Matrix gmm_learn_gd(const Matrix& X0, const Matrix& init, const GmmLearnOptions& o);
// EM iterations from `init` on the same data.
Matrix gmm_learn_em(const Matrix& X0, const Matrix& init, int iterations);

// sqrt((1/K) min_permutation sum_i |est_{pi(i)} - truth_i|^2), K <= 8.
double gmm_mean_error(const Matrix& est, const Matrix& truth);

nlohmann::json run_gmm_learn_app(const GmmLearnOptions& o);

}  // namespace difflab::apps
