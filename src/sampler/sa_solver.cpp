#include "difflab/sampler/sa_solver.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <deque>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {
// 8-point Gauss-Legendre nodes and weights on [-1, 1] (Abramowitz & Stegun, Table 25.4).
constexpr std::array<double, 4> kSaNode{0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                        0.9602898564975363};
constexpr std::array<double, 4> kSaWeight{0.3626837833783620, 0.3137066458778873,
                                          0.2223810344533745, 0.1012285362903763};
constexpr int kSaPieces = 2;

// One data prediction of the history, newest first.
struct SaEvaluation {
  double lambda;
  Matrix D;
};
}  // namespace

std::vector<double> sa_solver_weights(double lambda_s, double lambda_t,
                                      const std::vector<double>& nodes, double tau) {
  require(!nodes.empty() && std::isfinite(lambda_s) && std::isfinite(lambda_t),
          "sa-solver: weights need nodes and a finite step");
  const double rate = 1.0 + tau * tau;
  const std::size_t p = nodes.size();
  std::vector<double> b(p, 0.0);
  const double piece = (lambda_t - lambda_s) / kSaPieces;
  for (int m = 0; m < kSaPieces; ++m) {
    const double mid = lambda_s + (m + 0.5) * piece, half = 0.5 * piece;
    for (std::size_t q = 0; q < 2 * kSaNode.size(); ++q) {
      const double l = mid + (q % 2 == 0 ? -1.0 : 1.0) * kSaNode[q / 2] * half;
      const double weight = half * kSaWeight[q / 2] * rate * std::exp(-rate * (lambda_t - l));
      for (std::size_t j = 0; j < p; ++j) {
        double basis = 1.0;
        for (std::size_t i = 0; i < p; ++i)
          if (i != j) basis *= (l - nodes[i]) / (nodes[j] - nodes[i]);
        b[j] += weight * basis;
      }
    }
  }
  return b;
}

Sampler::BlockStats SaSolver::run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                                        std::uint64_t first_particle, const SamplerOptions& options,
                                        const NoiseSource& noise) const {
  const ForwardProcess& process = score.process();
  // tau of the step that starts at time t (sampler.hpp, sa_tau_window): constant over a step, so
  // each step is the header's exact solution of the SDE with that step's tau, and the corrector
  // redoes a step with the tau the predictor used.
  const auto tau_at = [&](double t) {
    const std::vector<double>& w = options.sa_tau_window;
    return w.empty() || (t >= w[0] && t <= w[1]) ? options.sa_tau : 0.0;
  };
  const int p = options.sa_predictor_order, c = options.sa_corrector_order;
  const std::size_t keep = static_cast<std::size_t>(std::max(p, c));
  const Index d = X.rows(), n = X.cols();
  std::deque<SaEvaluation> history;  // newest first, at most max(p, c) entries
  // The start of the last predictor step and its noise: the corrector redoes that step.
  Matrix last_start(d, n), last_noise = Matrix::Zero(d, n), Z = Matrix::Zero(d, n);
  bool last_noisy = false;
  double last_tau = 0;
  // One step x_s -> x_t through the newest `order` entries of `history`, with noise Z if
  // `noisy` (same formula for predictor and corrector, header).
  const auto adams_step = [&](double t_s, double t_t, double tau, ConstMatrixRef start,
                              std::size_t order, const Matrix& z, bool noisy, MatrixRef out) {
    const double lambda_s = process.log_snr(t_s), lambda_t = process.log_snr(t_t);
    const double h = lambda_t - lambda_s;
    std::vector<double> nodes(order);
    for (std::size_t j = 0; j < order; ++j) nodes[j] = history[j].lambda;
    const std::vector<double> b = sa_solver_weights(lambda_s, lambda_t, nodes, tau);
    const double alpha_t = process.alpha(t_t);
    const double keep_factor =
        std::sqrt(process.sigma2(t_t) / process.sigma2(t_s)) * std::exp(-tau * tau * h);
    out = keep_factor * start;
    for (std::size_t j = 0; j < order; ++j) out += (alpha_t * b[j]) * history[j].D;
    if (noisy) out += std::sqrt(process.sigma2(t_t) * -std::expm1(-2.0 * tau * tau * h)) * z;
  };

  const std::size_t steps = grid.steps();
  for (std::size_t k = 0; k < steps; ++k) {
    const double t_from = grid.t(k), t_to = grid.t(k + 1);
    const double alpha_from = process.alpha(t_from), sigma2_from = process.sigma2(t_from);
    Matrix D(d, n);
    score.score(t_from, X, D);
    D = (X + sigma2_from * D) / alpha_from;  // D_k = x0 (Tweedie, docs/theory.md 1.2)
    history.push_front({process.log_snr(t_from), std::move(D)});
    if (history.size() > keep) history.pop_back();
    // SA-Corrector of step k - 1, with the evaluation just made at the predicted point.
    if (k > 0 && c > 0) {
      const std::size_t order = std::min<std::size_t>(static_cast<std::size_t>(c), k + 1);
      adams_step(grid.t(k - 1), t_from, last_tau, last_start, order, last_noise, last_noisy, X);
    }
    if (t_to == 0.0) {
      X = history.front().D;  // h = +inf: the step returns D_k, no noise
    } else {
      const double tau = tau_at(t_from);
      const bool noisy = tau > 0 && !(options.denoise_last_step && k + 1 == steps);
      if (noisy)
        noise.increment(Z, first_particle, k, RngUse::kStepNoise, grid_step_interval(grid, k));
      last_start = X;
      last_noise.swap(Z);
      last_noisy = noisy;
      last_tau = tau;
      const std::size_t order = std::min<std::size_t>(static_cast<std::size_t>(p), k + 1);
      adams_step(t_from, t_to, tau, last_start, order, last_noise, noisy, X);
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
