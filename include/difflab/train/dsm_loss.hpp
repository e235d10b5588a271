#pragma once
// Denoising score matching (seed lecture eq. (3); docs/theory.md 1.2): with X_t = alpha X_0 + sigma
// Z,
//   L(theta) = E_t E_{X_0, Z} [ lambda(t) w(t) || s_theta(t, X_t) + Z / sigma_t ||^2 ],
// which equals E_t lambda(t) w(t) E||s_theta - grad log q_t||^2 plus a constant
// (docs/theory.md 1.2), so its minimiser is the true score. The weighting lambda(t) is an option:
//   sigma2:     lambda = sigma_t^2 (the seeds' choice; per sample ||sigma s + Z||^2, Bruno et al.'s
//               kappa(t) = sigma_t^2, docs/theory.md 4.3),
//   likelihood: lambda = g(t)^2 (beta(t) for a variance-preserving process, 2 for OU; Song et al.
//   2021 "Maximum likelihood training
//               of score-based diffusion models": this weighting bounds the KL),
//   uniform:    lambda = 1 (the plain L2(q_t) error, dominated by small t where ||Z/sigma|| is
//   big).
// Time sampling:
//   uniform:    t ~ Uniform[delta, T], w = 1;
//   importance: t drawn uniformly in log-SNR, lambda(t) ~ Uniform[lambda(T), lambda(delta)], then
//               t = t(lambda); its density is p(t) = |d lambda/dt| / (lambda(delta) - lambda(T))
//               with |d lambda/dt| = beta(t) / (2 sigma_t^2), and w(t) = 1 / ((T - delta) p(t))
//               makes the estimator unbiased for the same objective as uniform time. It puts more
//               draws at small t, where the uniform and likelihood weightings are large (variance
//               reduction, as the importance sampling of Song et al. 2021, §5).
#include <cstdint>
#include <string>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/train/mlp.hpp"
#include "difflab/train/preconditioning.hpp"

namespace difflab {

struct DsmOptions {
  std::string weighting = "sigma2";       // sigma2 | likelihood | uniform
  std::string time_sampling = "uniform";  // uniform | importance
  double delta = 1e-3;                    // smallest training time, > 0
  double T = 6.0;                         // largest training time, > delta, <= process t_max
  void validate(const ForwardProcess& process) const;
  nlohmann::json to_json() const;
  static DsmOptions from_json(const nlohmann::json& j, const std::string& where);
};

// One minibatch: column j is data point data.col(index(j)) at time t(j) with noise Z.col(j), and
// the per-sample weight lambda(t) w(t).
struct DsmBatch {
  Matrix X0, Z;
  Vector t, weight;
};

// Sample j of step `step` uses the stream (seed, kTraining, j, step): first a uniform for the data
// index (with replacement, among the columns of `data`), then one for the time, then the d normals.
// So the batch is a pure function of (seed, step): a resumed run draws the same batches.
DsmBatch draw_dsm_batch(const Matrix& data, Index batch, const DsmOptions& options,
                        const ForwardProcess& process, std::uint64_t seed, std::uint64_t step);

// The minibatch mean of lambda w ||s + Z/sigma||^2 for the MLP score (s from the network output
// by `output`'s parametrisation, preconditioning.hpp); if grad is not null, also its gradient
// w.r.t. the network's parameters, its chunks shared by `reduction` if given (mlp.hpp).
double dsm_loss(const MlpNetwork& network, const Standardisation& standardisation,
                const ForwardProcess& process, const DsmBatch& batch, Vector* grad,
                const ChunkReduction* reduction = nullptr);

}  // namespace difflab
