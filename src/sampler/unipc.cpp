#include "difflab/sampler/unipc.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <vector>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// The coefficients of one UniP or UniC update (unipc.hpp): the weights of D_1 .. D_{p-1} and,
// for the corrector, of m_{k+1} - m_k last.
struct UpdateWeights {
  double phi_1 = 0, B = 0;
  std::vector<double> rho;
};

UpdateWeights weights(double h, const std::vector<double>& r, int p, bool corrector,
                      UniPC::Variant variant) {
  UpdateWeights w;
  const double hh = -h;
  w.phi_1 = std::expm1(hh);
  w.B = variant == UniPC::Variant::kBh1 ? hh : std::expm1(hh);
  // r holds r_1 .. r_{p-1}; rks = [r_1 .. r_{p-1}, 1].
  std::vector<double> rks = r;
  rks.push_back(1.0);
  Matrix R(p, p);
  Vector b(p);
  double g = w.phi_1 / hh - 1, factorial = 1;
  for (int i = 1; i <= p; ++i) {
    for (int j = 0; j < p; ++j) R(i - 1, j) = std::pow(rks[static_cast<std::size_t>(j)], i - 1);
    b(i - 1) = g * factorial / w.B;
    factorial *= i + 1;
    g = g / hh - 1 / factorial;
  }
  if (corrector) {
    if (p == 1) {
      w.rho = {0.5};
    } else {
      const Vector rho = R.partialPivLu().solve(b);
      w.rho.assign(rho.data(), rho.data() + p);
    }
  } else if (p == 2) {
    w.rho = {0.5};
  } else if (p > 2) {
    const Vector rho = R.topLeftCorner(p - 1, p - 1).partialPivLu().solve(b.head(p - 1));
    w.rho.assign(rho.data(), rho.data() + p - 1);
  }
  return w;
}

}  // namespace

UniPC::UniPC(int solver_order, Variant variant) : order_(solver_order), variant_(variant) {
  require(solver_order >= 1 && solver_order <= 3, "unipc: solver order must be 1, 2 or 3, got ",
          solver_order);
}

Sampler::BlockStats UniPC::run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                                     std::uint64_t first_particle, const SamplerOptions& options,
                                     const NoiseSource& /*noise*/) const {
  const ForwardProcess& process = score.process();
  const std::size_t N = grid.steps();
  std::deque<Matrix> m;             // m.front() = m_k (newest), then m_{k-1}, ...
  Matrix last(X.rows(), X.cols());  // x_k (corrected) of the previous step
  int last_order = 0;
  const auto lam = [&](std::size_t k) { return process.log_snr(grid.t(k)); };
  for (std::size_t k = 0; k < N; ++k) {
    const double t = grid.t(k);
    Matrix D(X.rows(), X.cols());
    score.score(t, X, D);
    D = (X + process.sigma2(t) * D) / process.alpha(t);  // m_k at x~_k
    if (k > 0) {
      // UniC-p on the step t_{k-1} -> t_k, from the corrected x_{k-1} = last.
      const int p = last_order;
      const double h = lam(k) - lam(k - 1);
      std::vector<double> r;
      for (int i = 1; i < p; ++i)
        r.push_back((lam(k - 1 - static_cast<std::size_t>(i)) - lam(k - 1)) / h);
      const UpdateWeights w = weights(h, r, p, true, variant_);
      const double alpha_t = process.alpha(t);
      const Matrix& m0 = m.front();
      X = (process.sigma(t) / process.sigma(grid.t(k - 1))) * last - (alpha_t * w.phi_1) * m0;
      for (int i = 1; i < p; ++i)
        X -= (alpha_t * w.B * w.rho[static_cast<std::size_t>(i - 1)] /
              r[static_cast<std::size_t>(i - 1)]) *
             (m[static_cast<std::size_t>(i)] - m0);
      X -= (alpha_t * w.B * w.rho.back()) * (D - m0);
    }
    m.push_front(std::move(D));
    if (m.size() > static_cast<std::size_t>(order_)) m.pop_back();
    const int p = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(order_), k + 1));
    last = X;
    last_order = p;
    const double t_to = grid.t(k + 1);
    if (t_to == 0.0) {
      X = m.front();  // h = +inf: the step returns m_k
    } else {
      // UniP-p on t_k -> t_{k+1}.
      const double h = process.log_snr(t_to) - lam(k);
      std::vector<double> r;
      for (int i = 1; i < p; ++i) r.push_back((lam(k - static_cast<std::size_t>(i)) - lam(k)) / h);
      const UpdateWeights w = weights(h, r, p, false, variant_);
      const double alpha_t = process.alpha(t_to);
      const Matrix& m0 = m.front();
      X = (process.sigma(t_to) / process.sigma(t)) * last - (alpha_t * w.phi_1) * m0;
      for (int i = 1; i < p; ++i)
        X -= (alpha_t * w.B * w.rho[static_cast<std::size_t>(i - 1)] /
              r[static_cast<std::size_t>(i - 1)]) *
             (m[static_cast<std::size_t>(i)] - m0);
    }
    report_step(options, k, grid, first_particle, X);
  }
  return {};
}

}  // namespace difflab
