#include "difflab/schedule/ays_klub.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/schedule/grid_parametrization.hpp"
#include "difflab/schedule/lbfgs.hpp"

namespace difflab {

namespace {

// 8-point Gauss-Legendre nodes (positive half) and weights on [-1, 1] (Abramowitz and Stegun,
// Table 25.4).
constexpr double kAysNodes[4] = {0.1834346424956498, 0.5255324099163290, 0.7966664774136267,
                                 0.9602898564975363};
constexpr double kAysWeights[4] = {0.3626837833783620, 0.3137066458778873, 0.2223810344533745,
                                   0.1012285362903763};

// F(t) + (1 - 2 r) F(s), r = alpha_s / alpha_t: the expected squared score difference
// E|s(t, X_t) - s(s, X_s)|^2 for s > t (docs/theory.md 12.1).
double ays_score_gap(const ForwardProcess& p, const NoisedFisherInformation& fisher, double t,
                     double s) {
  return fisher(t) + (1 - 2 * p.alpha(s) / p.alpha(t)) * fisher(s);
}

// E q_t'^2/q_t of a 1-D target on `nodes` equally spaced nodes over |x| <= half (trapezoidal
// rule; the integrand vanishes at the ends).
double fisher_on_mesh(const Target& target, double alpha, double sigma2, double half, Index nodes) {
  Matrix x(1, nodes);
  for (Index j = 0; j < nodes; ++j) x(0, j) = -half + 2 * half * j / static_cast<double>(nodes - 1);
  Vector logq(nodes);
  Matrix score(1, nodes);
  target.noised_log_density(alpha, sigma2, x, logq);
  target.noised_score(alpha, sigma2, x, score);
  double sum = 0;
  for (Index j = 0; j < nodes; ++j)
    if (std::isfinite(logq(j))) sum += std::exp(logq(j)) * score(0, j) * score(0, j);
  return sum * 2 * half / static_cast<double>(nodes - 1);
}

// F tabulated at log t = u0 + k du (k = 0..size-1), as a function of t: cubic Hermite
// (Catmull-Rom) in (log t, log F), continuous slopes so that the central-difference gradients of
// ays_klub_grid see no kinks; outside the range, the end value.
NoisedFisherInformation log_log_interpolation(double u0, double du, std::vector<double> logf) {
  return [u0, du, logf](double t) {
    const double n = static_cast<double>(logf.size() - 1);
    const double u = std::clamp((std::log(t) - u0) / du, 0.0, n);
    const std::size_t k = std::min(static_cast<std::size_t>(u), logf.size() - 2);
    const double w = u - static_cast<double>(k);
    const auto slope = [&](std::size_t j) {
      if (j == 0) return logf[1] - logf[0];
      if (j + 1 == logf.size()) return logf[j] - logf[j - 1];
      return 0.5 * (logf[j + 1] - logf[j - 1]);
    };
    const double w2 = w * w, w3 = w2 * w;
    return std::exp((2 * w3 - 3 * w2 + 1) * logf[k] + (w3 - 2 * w2 + w) * slope(k) +
                    (-2 * w3 + 3 * w2) * logf[k + 1] + (w3 - w2) * slope(k + 1));
  };
}

}  // namespace

double klub(const ForwardProcess& process, const NoisedFisherInformation& fisher,
            const std::vector<double>& times) {
  double total = 0;
  for (std::size_t k = 0; k + 1 < times.size(); ++k) {
    const double s = times[k], lo = times[k + 1];
    const double mid = 0.5 * (s + lo), half = 0.5 * (s - lo);
    double step = 0;
    for (int q = 0; q < 4; ++q)
      for (const double sign : {-1.0, 1.0}) {
        const double t = mid + sign * half * kAysNodes[q];
        step += kAysWeights[q] * 0.5 * process.beta(t) * ays_score_gap(process, fisher, t, s);
      }
    total += half * step;
  }
  return total;
}

TimeGrid ays_klub_grid(const ForwardProcess& process, const NoisedFisherInformation& fisher,
                       const TimeGrid& start, int* evaluations) {
  const double T = start.T(), delta = start.delta();
  const auto bound = [&](const Vector& z) {
    const std::vector<double> times = grid_times_from_log_steps(T, delta, z);
    if (!times_strictly_decrease(times)) return std::numeric_limits<double>::infinity();
    return klub(process, fisher, times);
  };
  // Central differences: the bound is smooth in z and costs O(N) Fisher informations.
  const SmoothObjective f = [&](const Vector& z, Vector& g) {
    for (Index i = 0; i < z.size(); ++i) {
      Vector zp = z, zm = z;
      const double h = 1e-5;
      zp(i) += h;
      zm(i) -= h;
      g(i) = (bound(zp) - bound(zm)) / (2 * h);
    }
    return bound(z);
  };
  LbfgsOptions o;
  o.max_iterations = 500;
  o.value_tol = 1e-12;
  const LbfgsResult r = lbfgs_minimize(f, log_steps_from_grid_times(start.times()), o);
  if (evaluations != nullptr) *evaluations = r.evaluations;
  return TimeGrid(grid_times_from_log_steps(T, delta, r.x), "ays");
}

NoisedFisherInformation gaussian_noised_fisher_information(const ForwardProcess& process,
                                                           const Vector& lambda) {
  return [&process, lambda](double t) {
    const double a = process.alpha(t), s2 = process.sigma2(t);
    double sum = 0;
    for (Index i = 0; i < lambda.size(); ++i) sum += 1 / (a * a * lambda(i) + s2);
    return sum;
  };
}

NoisedFisherInformation tabulated_noised_fisher_information_1d(const ForwardProcess& process,
                                                               const Target& target, double t_min,
                                                               double t_max) {
  require(target.dim() == 1,
          "AYS grid: the Fisher information by quadrature needs a 1-D target, "
          "not dimension ",
          target.dim());
  require(target.has_density(), "AYS grid: target type '", target.type(), "' has no density");
  require(t_min > 0 && t_max > t_min,
          "AYS grid: the Fisher information table needs 0 < t_min = ", t_min, " < t_max = ", t_max);
  const double m2 = target.summary().second_moment;
  const Index nodes = 2001, times = 1001;
  const auto half_width = [&](double t) {
    const double a = process.alpha(t);
    return 12 * std::sqrt(a * a * m2 + process.sigma2(t));
  };
  {
    const double a = process.alpha(t_min), s2 = process.sigma2(t_min), h = half_width(t_min);
    const double fine = fisher_on_mesh(target, a, s2, h, nodes);
    const double coarse = fisher_on_mesh(target, a, s2, h, (nodes + 1) / 2);
    require(std::isfinite(fine) && fine > 0 && std::abs(fine - coarse) <= 1e-6 * fine,
            "AYS grid: ", nodes, " mesh nodes do not resolve the Fisher information of target '",
            target.type(), "' at t = ", t_min, " (", fine, " against ", coarse,
            " on half the nodes)");
  }
  const double u0 = std::log(t_min), du = (std::log(t_max) - u0) / static_cast<double>(times - 1);
  std::vector<double> logf(static_cast<std::size_t>(times));
  for (Index k = 0; k < times; ++k) {
    const double t = std::exp(u0 + du * static_cast<double>(k));
    logf[static_cast<std::size_t>(k)] =
        std::log(fisher_on_mesh(target, process.alpha(t), process.sigma2(t), half_width(t), nodes));
  }
  return log_log_interpolation(u0, du, std::move(logf));
}

NoisedFisherInformation monte_carlo_noised_fisher_information(const ForwardProcess& process,
                                                              const Target& target, double t_min,
                                                              double t_max, Index samples,
                                                              std::uint64_t seed) {
  require(t_min > 0 && t_max > t_min,
          "AYS grid: the Fisher information table needs 0 < t_min = ", t_min, " < t_max = ", t_max);
  require(samples >= 2, "AYS grid: the Monte Carlo Fisher information needs >= 2 samples, got ",
          samples);
  const Index times = 101;
  // The same pairs (X_0, Z) at every t (common random numbers): the estimate is then a smooth
  // function of t, which the interpolation and the optimiser's central differences need.
  const CounterRng rng(seed);
  const Matrix X0 = target.sample(samples, rng);
  Matrix Z(target.dim(), samples), X(target.dim(), samples), S(target.dim(), samples);
  rng.fill_normal(Z, RngUse::kForwardNoise, 0, 0);
  const double u0 = std::log(t_min), du = (std::log(t_max) - u0) / static_cast<double>(times - 1);
  std::vector<double> logf(static_cast<std::size_t>(times));
  for (Index k = 0; k < times; ++k) {
    const double t = std::exp(u0 + du * static_cast<double>(k));
    const double a = process.alpha(t), s2 = process.sigma2(t);
    X = a * X0 + std::sqrt(s2) * Z;
    target.noised_score(a, s2, X, S);
    double sum = 0;  // particle by particle: a fixed order
    for (Index j = 0; j < samples; ++j) sum += S.col(j).squaredNorm();
    const double f = sum / static_cast<double>(samples);
    require(std::isfinite(f) && f > 0, "AYS grid: the Monte Carlo Fisher information of target '",
            target.type(), "' at t = ", t, " is ", f);
    logf[static_cast<std::size_t>(k)] = std::log(f);
  }
  return log_log_interpolation(u0, du, std::move(logf));
}

double gaussian_klub(const ForwardProcess& process, const Vector& lambda,
                     const std::vector<double>& times) {
  return klub(process, gaussian_noised_fisher_information(process, lambda), times);
}

TimeGrid ays_klub_grid(const ForwardProcess& process, const Vector& lambda, const TimeGrid& start,
                       int* evaluations) {
  return ays_klub_grid(process, gaussian_noised_fisher_information(process, lambda), start,
                       evaluations);
}

}  // namespace difflab
