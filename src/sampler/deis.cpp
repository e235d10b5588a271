#include "difflab/sampler/deis.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// 8-point Gauss-Legendre nodes and weights on [-1, 1] (Abramowitz & Stegun, Table 25.4).
constexpr std::array<double, 4> kNode{0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                      0.9602898564975363};
constexpr std::array<double, 4> kWeight{0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                        0.1012285362903763};

// Pieces per step: t(v) has large derivatives where alpha -> 0 (the cosine schedule near its end),
// so one 8-point rule per step is accurate to ~1e-8 only; 4 pieces reach rounding level.
constexpr int kPieces = 4;

}  // namespace

Deis::Deis(int order) : order_(order) {
  require(order >= 1 && order <= 3, "deis: order must be 1, 2 or 3, got ", order);
}

Matrix Deis::coefficients(const ForwardProcess& process, const TimeGrid& grid) const {
  const std::size_t steps = grid.steps();
  const auto v_of = [&](double t) { return t == 0.0 ? 0.0 : std::exp(-process.log_snr(t)); };
  Matrix c = Matrix::Zero(static_cast<Index>(steps), order_);
  for (std::size_t k = 0; k < steps; ++k) {
    const int p = static_cast<int>(std::min<std::size_t>(k + 1, static_cast<std::size_t>(order_)));
    const double v0 = v_of(grid.t(k)), v1 = v_of(grid.t(k + 1));
    const auto t_at = [&](std::size_t m) { return grid.t(k - m); };
    // Composite rule: kPieces equal pieces of [v0, v1], 8 nodes each.
    for (int piece = 0; piece < kPieces; ++piece) {
      const double a = v0 + (v1 - v0) * piece / kPieces, b = v0 + (v1 - v0) * (piece + 1) / kPieces;
      const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
      for (std::size_t q = 0; q < 2 * kNode.size(); ++q) {
        const double x = (q % 2 == 0 ? -1.0 : 1.0) * kNode[q / 2];
        const double tau = process.t_of_log_snr(-std::log(mid + half * x));
        for (int j = 0; j < p; ++j) {
          double basis = 1.0;
          for (int m = 0; m < p; ++m) {
            if (m == j) continue;
            const auto mj = static_cast<std::size_t>(j), mm = static_cast<std::size_t>(m);
            basis *= (tau - t_at(mm)) / (t_at(mj) - t_at(mm));
          }
          c(static_cast<Index>(k), j) += half * kWeight[q / 2] * basis;
        }
      }
    }
    c.row(static_cast<Index>(k)) *= process.alpha(grid.t(k + 1));
  }
  return c;
}

Sampler::BlockStats Deis::run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                                    std::uint64_t first_particle, const SamplerOptions& options,
                                    const NoiseSource& /*noise*/) const {
  const ForwardProcess& process = score.process();
  const Matrix c = coefficients(process, grid);
  // The last `order` noise predictions: eps_k lives in history[k % order].
  std::vector<Matrix> history(static_cast<std::size_t>(order_), Matrix(X.rows(), X.cols()));
  const auto r = static_cast<std::size_t>(order_);
  for (std::size_t k = 0; k < grid.steps(); ++k) {
    const double t_from = grid.t(k), t_to = grid.t(k + 1);
    Matrix& eps = history[k % r];
    score.score(t_from, X, eps);
    eps *= -process.sigma(t_from);  // eps = -sigma s
    X *= process.alpha(t_to) / process.alpha(t_from);
    const int p = static_cast<int>(std::min<std::size_t>(k + 1, r));
    for (int j = 0; j < p; ++j)
      X += c(static_cast<Index>(k), j) * history[(k - static_cast<std::size_t>(j)) % r];
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
