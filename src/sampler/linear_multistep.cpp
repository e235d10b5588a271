#include "difflab/sampler/linear_multistep.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace difflab {

namespace {

constexpr int kOrder = 4;

// sigma_VE(t) = e^{-lambda(t)}, 0 at t = 0.
double sigma_ve(const ForwardProcess& process, double t) {
  return t == 0.0 ? 0.0 : std::exp(-process.log_snr(t));
}

}  // namespace

Matrix LinearMultistep::coefficients(const ForwardProcess& process, const TimeGrid& grid) {
  const std::size_t steps = grid.steps();
  std::vector<double> s(steps + 1);
  for (std::size_t k = 0; k <= steps; ++k) s[k] = sigma_ve(process, grid.t(k));
  // 3-point Gauss-Legendre nodes and weights on [-1, 1].
  const std::array<double, 3> node{-std::sqrt(0.6), 0.0, std::sqrt(0.6)};
  const std::array<double, 3> weight{5.0 / 9.0, 8.0 / 9.0, 5.0 / 9.0};
  Matrix c = Matrix::Zero(static_cast<Index>(steps), kOrder);
  for (std::size_t k = 0; k < steps; ++k) {
    const int p = static_cast<int>(std::min<std::size_t>(k + 1, kOrder));
    const double mid = 0.5 * (s[k] + s[k + 1]), half = 0.5 * (s[k + 1] - s[k]);
    for (int j = 0; j < p; ++j) {
      double integral = 0;
      for (std::size_t q = 0; q < node.size(); ++q) {
        const double tau = mid + half * node[q];
        double basis = 1.0;
        for (int m = 0; m < p; ++m) {
          if (m == j) continue;
          basis *= (tau - s[k - static_cast<std::size_t>(m)]) /
                   (s[k - static_cast<std::size_t>(j)] - s[k - static_cast<std::size_t>(m)]);
        }
        integral += weight[q] * basis;
      }
      c(static_cast<Index>(k), j) = half * integral;
    }
  }
  return c;
}

Sampler::BlockStats LinearMultistep::run_block(const ScoreModel& score, const TimeGrid& grid,
                                               MatrixRef X, std::uint64_t first_particle,
                                               const SamplerOptions& options,
                                               const NoiseSource& /*noise*/) const {
  const ForwardProcess& process = score.process();
  const Matrix c = coefficients(process, grid);
  // The VE state and a ring of the last kOrder slopes: slope k lives in history[k % kOrder].
  Matrix V = X / process.alpha(grid.t(0));
  std::array<Matrix, kOrder> history;
  for (Matrix& h : history) h.resize(X.rows(), X.cols());
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k);
    Matrix& slope = history[k % kOrder];
    score.score(t_from, X, slope);
    slope *= -process.sigma(t_from);  // (x_VE - D) / sigma_VE, see linear_multistep.hpp
    const int p = static_cast<int>(std::min<std::size_t>(k + 1, kOrder));
    for (int j = 0; j < p; ++j)
      V += c(static_cast<Index>(k), j) * history[(k - static_cast<std::size_t>(j)) % kOrder];
    X = process.alpha(grid.t(k + 1)) * V;
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
