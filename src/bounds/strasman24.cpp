#include "difflab/bounds/strasman24.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// H(t) = int_0^t 2 max(L(s), 0) ds with L(s) = min(1/(1 - e^{-2s}), e^{2s}/l) - 1 (Prop. D.2 of
// Strasman et al. for OU, l = l_min). The min is e^{2s}/l up to t* = log(1 + l)/2, where the two
// meet, and 1/(1 - e^{-2s}) after; e^{2s}/l - 1 < 0 before t0 = max(0, log(l)/2). The authors'
// code integrates L itself; a negative part only lowers their sum, so clipping it at 0 keeps
// the value an upper bound on theirs.
double strasman_lipschitz_integral(double t, double l) {
  const double t0 = std::max(0.0, 0.5 * std::log(l));
  const double ts = 0.5 * std::log1p(l);
  if (t <= t0) return 0;
  const double up_to = std::min(t, ts);
  // int_{t0}^{up_to} (2 e^{2s}/l - 2) ds
  double H = (std::exp(2 * up_to) - std::exp(2 * t0)) / l - 2 * (up_to - t0);
  if (t > ts) {
    // int_{ts}^{t} (2/(1 - e^{-2s}) - 2) ds = log((e^{2t} - 1)/(e^{2 ts} - 1)) - 2 (t - ts),
    // with e^{2 ts} - 1 = l.
    H += std::log(std::expm1(2 * t) / l) - 2 * (t - ts);
  }
  return H;
}

}  // namespace

BoundResult bound_strasman24(const BoundInputs& inputs) {
  const std::string paper = "strasman24";
  inputs.validate();
  require(inputs.stop_time() == 0, paper,
          " runs the backward process to forward time 0 (no early stopping): delta must be 0, "
          "got ",
          inputs.stop_time());
  require(inputs.data_mean.has_value() && inputs.cov_eigenvalues.has_value(), paper,
          " evaluates the authors' Gaussian-data constants (their Propositions D.1, D.2): it "
          "needs Gaussian data, i.e. a Gaussian target or option 'data_mean' and option "
          "'cov_eigenvalues'; other "
          "targets are refused");
  const Vector& m = *inputs.data_mean;
  const Vector& lam = *inputs.cov_eigenvalues;
  const double d = static_cast<double>(lam.size());
  if (inputs.d)
    require(*inputs.d == lam.size(), paper, ": d = ", *inputs.d, " but cov_eigenvalues has ",
            lam.size(), " entries");
  const double h = inputs.uniform_step(paper);
  const TimeGrid grid = inputs.resolve_grid(paper, "uniform");
  const double T = grid.T();
  const std::size_t N = grid.steps();
  const double eps = inputs.eps_score;

  BoundResult r;
  r.paper = paper;
  r.reference =
      "Strasman, Ocello, Boyer, Le Corff, Lemaire, TMLR 2025 (arXiv 2402.04650), W2 bound for "
      "Gaussian data as the authors' code evaluates it (Props. D.1, D.2; theorem text not read)";
  r.metric = "W2";
  r.direction = "W2(Law(Y_N), q)";
  r.grid = grid;
  r.constant = 1;
  r.constant_is_explicit = true;
  r.statement_verified = false;
  record_constants(r, inputs, {}, false);

  const double l_min = lam.minCoeff(), l_max = lam.maxCoeff();
  const double norm_m = m.norm();
  const double second_moment =
      inputs.m2 ? *inputs.m2 * *inputs.m2 : m.squaredNorm() + lam.sum();  // E||X||^2
  const double B = std::sqrt(second_moment + d);
  const double M2 = 2 * std::sqrt(h) + h;
  double w2_data = m.squaredNorm();
  for (Index i = 0; i < lam.size(); ++i) {
    const double s = std::sqrt(lam(i)) - 1;
    w2_data += s * s;
  }
  w2_data = std::sqrt(w2_data);

  // Mixing: W2(q, N(0, I)) exp(-int_0^T 2/v(t) dt), v(t) = 1 + (l_max - 1) e^{-2t}; the integral
  // is log((e^{2T} + l_max - 1)/l_max) in closed form.
  const double contraction = l_max / (std::exp(2 * T) + l_max - 1);
  r.terms["initialisation"] = w2_data * contraction;

  // Approximation/discretisation sum over the steps (forward-time interval of step k:
  // [T - (k+1) h, T - k h]) and the time-regularity constant ellbar.
  double sum = 0, ellbar = 0;
  for (std::size_t k = 0; k < N; ++k) {
    const double hi = T - static_cast<double>(k) * h;
    const double lo = std::max(0.0, T - static_cast<double>(k + 1) * h);
    const double Ik =
        strasman_lipschitz_integral(hi, l_min) - strasman_lipschitz_integral(lo, l_min);
    sum += Ik * (M2 + 2 * Ik) * B;
    const double tk = static_cast<double>(k) * h, tk1 = static_cast<double>(k + 1) * h;
    const double under =
        std::abs((1 + std::exp(-2 * tk) * (l_min - 1)) * (1 + std::exp(-2 * tk1) * (l_min - 1)));
    const double kappa1 = 2 * std::exp(-2 * tk) * std::abs(l_min - 1) / under;
    const double kappa2 =
        norm_m * std::exp(-tk) * std::abs(std::exp(-tk - tk1) * (l_min - 1) - 1) / under;
    ellbar = std::max({ellbar, kappa1, kappa2});
  }
  r.terms["discretisation"] = sum + 2 * ellbar * h * T * (1 + 2 * B);
  r.terms["score_error"] = 2 * T * eps;
  r.value = r.terms["initialisation"] + r.terms["discretisation"] + r.terms["score_error"];

  r.details["strong_log_concavity"] = 1 / l_max;
  r.details["score_lipschitz"] = 1 / l_min;
  r.details["w2_data_to_normal"] = w2_data;
  r.details["B"] = B;
  r.details["M_2"] = M2;
  r.details["ellbar"] = ellbar;
  r.details["h"] = h;
  r.details["steps"] = static_cast<double>(N);
  r.details["discretisation_lipschitz_sum"] = sum;
  r.details["discretisation_ellbar"] = 2 * ellbar * h * T * (1 + 2 * B);
  r.assumptions["strongly_log_concave"] = std::isfinite(l_max) && l_max > 0;
  r.assumptions["lipschitz_score"] = std::isfinite(1 / l_min);

  if (eps == 0) r.notes.push_back("eps_score = 0: exact score assumed");
  r.notes.push_back(
      "eps_score is the largest L2 error over the steps, sqrt(max_k E||s - grad log q_{t_k}||^2) "
      "(score_error_forms.hpp, max_over_steps)");
  r.notes.push_back(
      "transcribed from the authors' code (upperbounds.py compute_w2_bound, Gaussian case) with "
      "beta = 2, sigma_infinity = 1 (OU); the step is h = T/N where their code writes 1/N (their "
      "experiments use T = 1); the negative part of L(t) is clipped at 0, which can only raise "
      "the value");
  r.notes.push_back(
      "the theorem's statement was not read: not certified, though every constant is explicit");
  return r;
}

}  // namespace difflab
