#include "difflab/law/gaussian_grid_objective.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// A number with its partial derivatives with respect to the two times of one step, (t_k,
// t_{k+1}): forward-mode differentiation of the step coefficients. Small and local on purpose:
// the coefficients are a few exp/expm1/sqrt of alpha and sigma, and the recursion itself is
// differentiated by its adjoint (gaussian_grid_objective).
struct GgoDual {
  double v = 0, d0 = 0, d1 = 0;
};
GgoDual operator+(GgoDual a, GgoDual b) { return {a.v + b.v, a.d0 + b.d0, a.d1 + b.d1}; }
GgoDual operator-(GgoDual a, GgoDual b) { return {a.v - b.v, a.d0 - b.d0, a.d1 - b.d1}; }
GgoDual operator*(GgoDual a, GgoDual b) {
  return {a.v * b.v, a.d0 * b.v + a.v * b.d0, a.d1 * b.v + a.v * b.d1};
}
GgoDual operator/(GgoDual a, GgoDual b) {
  const double q = a.v / b.v;
  return {q, (a.d0 - q * b.d0) / b.v, (a.d1 - q * b.d1) / b.v};
}
GgoDual operator*(double s, GgoDual a) { return {s * a.v, s * a.d0, s * a.d1}; }
GgoDual ggo_exp(GgoDual a) {
  const double e = std::exp(a.v);
  return {e, e * a.d0, e * a.d1};
}
GgoDual ggo_expm1(GgoDual a) {
  const double e = std::exp(a.v);
  return {std::expm1(a.v), e * a.d0, e * a.d1};
}
// sqrt with the derivative left at 0 where the argument does not depend on the seeded times
// (sigma(0) = 0 at a fixed end point delta = 0 would otherwise give 0/0).
GgoDual ggo_sqrt(GgoDual a) {
  const double r = std::sqrt(a.v);
  return {r, a.d0 == 0 ? 0 : a.d0 / (2 * r), a.d1 == 0 ? 0 : a.d1 / (2 * r)};
}
GgoDual ggo_const(double v) { return {v, 0, 0}; }

// log alpha(t), alpha, sigma^2 at one time, seeded in slot `slot` (0: t_k, 1: t_{k+1}, -1: a
// fixed end point). d log alpha / dt = -beta(t)/2 (process/forward_process.hpp).
struct GgoTime {
  GgoDual log_alpha, alpha, sigma2;
};
GgoTime ggo_time(const ForwardProcess& p, double t, int slot) {
  GgoDual la = ggo_const(p.log_alpha(t));
  const double dla = -0.5 * p.beta(t);
  if (slot == 0) la.d0 = dla;
  if (slot == 1) la.d1 = dla;
  return {la, ggo_exp(la), -1.0 * ggo_expm1(2.0 * la)};
}

// One step's coefficients on one coordinate: x' = A x + B mu + c xi, var(c xi) = C2.
struct GgoStep {
  GgoDual A, B, C2;
};

// ei (sampler/exponential_integrator.hpp): x' = g x + w s(t_k, x) + n xi with
// g = e^{rho/2}, w = 2 (e^{rho/2} - 1), n^2 = e^{rho} - 1, rho/2 = log alpha_{k+1} - log alpha_k.
GgoStep ggo_ei_step(const GgoTime& from, const GgoTime& to, double lambda, bool noise) {
  const GgoDual half_rho = to.log_alpha - from.log_alpha;
  const GgoDual w = 2.0 * ggo_expm1(half_rho);
  const GgoDual v = lambda * (from.alpha * from.alpha) + from.sigma2;
  return {ggo_exp(half_rho) - w / v, w * from.alpha / v,
          noise ? ggo_expm1(2.0 * half_rho) : ggo_const(0)};
}

// ddim (sampler/ddim.hpp): x' = (sigma_{k+1}/sigma_k) x + (alpha_{k+1} - alpha_k sigma_{k+1} /
// sigma_k) x0, with the data prediction x0 = (x + sigma_k^2 s)/alpha_k
// = x alpha_k lambda / v + sigma_k^2 mu / v.
GgoStep ggo_ddim_step(const GgoTime& from, const GgoTime& to, double lambda) {
  const GgoDual keep = ggo_sqrt(to.sigma2 / from.sigma2);
  const GgoDual e = to.alpha - from.alpha * keep;
  const GgoDual v = lambda * (from.alpha * from.alpha) + from.sigma2;
  return {keep + e * (lambda * from.alpha) / v, e * from.sigma2 / v, ggo_const(0)};
}

// The error of N(m, P) against N(mu, lambda) summed over coordinates, and its partial
// derivatives dm, dP (KL(q || p) with q the target, or W2).
double ggo_error(const std::string& metric, const Vector& m, const Vector& P, const Vector& mu,
                 const Vector& lambda, Vector& dm, Vector& dP) {
  const Index d = m.size();
  dm.resize(d);
  dP.resize(d);
  if (metric == "kl") {
    double kl = 0;
    for (Index i = 0; i < d; ++i) {
      const double e = m(i) - mu(i);
      kl += 0.5 * (lambda(i) / P(i) + e * e / P(i) - 1 + std::log(P(i) / lambda(i)));
      dm(i) = e / P(i);
      dP(i) = 0.5 * (-(lambda(i) + e * e) / (P(i) * P(i)) + 1 / P(i));
    }
    return kl;
  }
  double w2sq = 0;
  for (Index i = 0; i < d; ++i) {
    const double e = m(i) - mu(i), r = std::sqrt(P(i)) - std::sqrt(lambda(i));
    w2sq += e * e + r * r;
    dm(i) = 2 * e;
    dP(i) = r / std::sqrt(P(i));
  }
  const double w2 = std::sqrt(w2sq);
  const double scale = w2 > 0 ? 0.5 / w2 : 0;  // d sqrt(x) = dx / (2 sqrt(x))
  dm *= scale;
  dP *= scale;
  return w2;
}

}  // namespace

const std::vector<std::string>& gaussian_grid_samplers() {
  static const std::vector<std::string> names{"ei", "ddim"};
  return names;
}

double gaussian_grid_objective(const GaussianGridProblem& pr, const std::vector<double>& times,
                               std::vector<double>* grad) {
  require(pr.process != nullptr, "gaussian_grid_objective: no process");
  require(pr.sampler == "ei" || pr.sampler == "ddim", "gaussian_grid_objective: sampler '",
          pr.sampler, "' has no written recursion (ei, ddim)");
  require(pr.metric == "kl" || pr.metric == "w2", "gaussian_grid_objective: metric '", pr.metric,
          "' (kl, w2)");
  const std::size_t N = times.size() - 1;
  const Index d = pr.lambda.size();
  // Step coefficients, per step and coordinate (coordinate fastest).
  std::vector<GgoStep> steps(N * static_cast<std::size_t>(d));
  for (std::size_t k = 0; k < N; ++k) {
    const GgoTime from = ggo_time(*pr.process, times[k], k == 0 ? -1 : 0);
    const GgoTime to = ggo_time(*pr.process, times[k + 1], k + 1 == N ? -1 : 1);
    const bool noise = !(pr.denoise_last_step && k + 1 == N);
    for (Index i = 0; i < d; ++i)
      steps[k * d + i] = pr.sampler == "ei" ? ggo_ei_step(from, to, pr.lambda(i), noise)
                                            : ggo_ddim_step(from, to, pr.lambda(i));
  }
  // Forward sweep, keeping every state for the adjoint.
  Matrix m(d, N + 1), P(d, N + 1);
  if (pr.start_exact) {
    const double a = pr.process->alpha(times[0]), s2 = pr.process->sigma2(times[0]);
    m.col(0) = a * pr.mu;
    P.col(0) = (a * a) * pr.lambda.array() + s2;
  } else {
    m.col(0).setZero();
    P.col(0).setOnes();
  }
  for (std::size_t k = 0; k < N; ++k)
    for (Index i = 0; i < d; ++i) {
      const GgoStep& s = steps[k * d + i];
      m(i, k + 1) = s.A.v * m(i, k) + s.B.v * pr.mu(i);
      P(i, k + 1) = s.A.v * s.A.v * P(i, k) + s.C2.v;
    }
  Vector gm, gP;
  const double value = ggo_error(pr.metric, m.col(N), P.col(N), pr.mu, pr.lambda, gm, gP);
  if (grad == nullptr) return value;
  // Adjoint sweep: gm, gP hold d error / d (m_{k+1}, P_{k+1}); each step adds its coefficients'
  // share to d error / d t_k and d t_{k+1}, then carries the adjoints back through the step.
  grad->assign(N + 1, 0.0);
  for (std::size_t k = N; k-- > 0;) {
    for (Index i = 0; i < d; ++i) {
      const GgoStep& s = steps[k * d + i];
      const double dA = gm(i) * m(i, k) + gP(i) * 2 * s.A.v * P(i, k);
      const double dB = gm(i) * pr.mu(i), dC2 = gP(i);
      (*grad)[k] += dA * s.A.d0 + dB * s.B.d0 + dC2 * s.C2.d0;
      (*grad)[k + 1] += dA * s.A.d1 + dB * s.B.d1 + dC2 * s.C2.d1;
      gm(i) *= s.A.v;
      gP(i) *= s.A.v * s.A.v;
    }
  }
  return value;
}

}  // namespace difflab
