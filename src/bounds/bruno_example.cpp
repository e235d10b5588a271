#include "difflab/bounds/bruno_example.hpp"

#include <cmath>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

void check_window(const char* what, double T, double eps) {
  require(std::isfinite(T) && std::isfinite(eps), what, ": T and eps must be finite, got T = ", T,
          " and eps = ", eps);
  require(eps >= 0 && eps < T, what, ": need 0 <= eps < T, got T = ", T, " and eps = ", eps);
}

// E_tau[e^{-a tau}] for tau ~ Unif[eps, T]: (e^{-a eps} - e^{-a T}) / (a (T - eps)), written
// with expm1 so that it stays accurate when T - eps is small.
double mean_exp(double a, double T, double eps) {
  return std::exp(-a * eps) * -std::expm1(-a * (T - eps)) / (a * (T - eps));
}

}  // namespace

double bruno_loss_curvature(double T, double eps) {
  check_window("bruno loss curvature", T, eps);
  // docs/theory.md 4.3: c = E[e^{-2tau}] - E[e^{-4tau}].
  return mean_exp(2, T, eps) - mean_exp(4, T, eps);
}

double bruno_loss_minimum(Index d, double T, double eps) {
  require(d >= 1, "bruno loss minimum: d must be >= 1, got ", d);
  check_window("bruno loss minimum", T, eps);
  return static_cast<double>(d) * mean_exp(2, T, eps);
}

double bruno_loss(const Vector& theta, const Vector& mu, double T, double eps) {
  require(theta.size() == mu.size() && mu.size() >= 1, "bruno loss: theta has ", theta.size(),
          " entries and mu ", mu.size());
  check_window("bruno loss", T, eps);
  const double d = static_cast<double>(mu.size());
  return bruno_loss_curvature(T, eps) * ((theta - mu).squaredNorm() + d) + d * mean_exp(4, T, eps);
}

Vector bruno_sgld_mean(const Vector& theta0, const Vector& mu, double lambda, double c,
                       long long n) {
  require(theta0.size() == mu.size(), "bruno sgld mean: theta0 has ", theta0.size(),
          " entries and mu ", mu.size());
  require(std::isfinite(lambda) && lambda > 0, "bruno sgld mean: lambda must be > 0, got ", lambda);
  require(std::isfinite(c) && c > 0, "bruno sgld mean: c must be > 0, got ", c);
  require(n >= 0, "bruno sgld mean: n must be >= 0, got ", n);
  return mu + std::pow(1 - 2 * lambda * c, static_cast<double>(n)) * (theta0 - mu);
}

IsotropicGaussianLaw bruno_example_law(const Vector& theta_hat, const TimeGrid& grid,
                                       const std::string& sampler, bool noise_on_last_step) {
  require(sampler == "em" || sampler == "ei", "bruno example: sampler must be 'em' or 'ei', got '",
          sampler, "'");
  require(theta_hat.size() >= 1 && theta_hat.allFinite(),
          "bruno example: theta_hat must be non-empty and finite");
  require(grid.delta() == 0,
          "bruno example: the grid must end at forward time 0 (no early stopping), got delta = ",
          grid.delta());
  IsotropicGaussianLaw law{Vector::Zero(theta_hat.size()), 1.0};
  const std::size_t K = grid.steps();
  for (std::size_t k = 0; k < K; ++k) {
    const double tau = grid.t(k);
    const double g = grid.t(k) - grid.t(k + 1);
    double a, b, noise;
    if (sampler == "em") {  // docs/theory.md 4.3, Euler-Maruyama
      a = 1 - g;
      b = 2 * g;
      noise = 2 * g;
    } else {  // exponential integrator: 2 - e^g = 1 - expm1(g)
      a = 1 - std::expm1(g);
      b = 2 * std::expm1(g);
      noise = std::expm1(2 * g);
    }
    law.mean = a * law.mean + b * std::exp(-tau) * theta_hat;
    law.variance = a * a * law.variance + ((k + 1 == K && !noise_on_last_step) ? 0.0 : noise);
  }
  return law;
}

double bruno_example_w2(const IsotropicGaussianLaw& law, const Vector& mu) {
  require(law.mean.size() == mu.size(), "bruno example w2: mean has ", law.mean.size(),
          " entries and mu ", mu.size());
  require(law.variance >= 0, "bruno example w2: variance must be >= 0, got ", law.variance);
  const double s = std::sqrt(law.variance) - 1;
  return std::sqrt((law.mean - mu).squaredNorm() + static_cast<double>(mu.size()) * s * s);
}

BoundResult bound_bruno_example(const BoundInputs& inputs) {
  const std::string paper = "bruno-example";
  inputs.validate();
  const Vector& mu = inputs.need_mu(paper);
  const Vector& theta = inputs.need_theta_hat(paper);
  require(inputs.stop_time() == 0, paper,
          ": the example samples to forward time 0 (the notebook's eps = 0): delta must be 0, "
          "got ",
          inputs.stop_time());
  const TimeGrid grid = inputs.resolve_grid(paper, "uniform");
  const double T = grid.T();

  BoundResult r;
  r.paper = paper;
  r.reference =
      "Bruno, Zhang, Lim, Akyildiz, Sabanis, arXiv 2311.13584, section 3.1 example (closed form "
      "of the authors' code, docs/theory.md 4.3)";
  r.metric = "W2";
  r.direction = "W2(Law(Y_K), N(mu, I_d))";
  r.grid = grid;
  record_constants(r, inputs, {}, false);
  r.constant = 1;
  r.constant_is_explicit = true;

  const IsotropicGaussianLaw law =
      bruno_example_law(theta, grid, inputs.sampler, inputs.noise_on_last_step);
  // Continuous-time reverse SDE from N(0, I) with the same score: mean theta (1 - e^{-2T}),
  // variance 1 (docs/theory.md 4.3).
  const IsotropicGaussianLaw continuous{theta * -std::expm1(-2 * T), 1.0};
  const double s = std::sqrt(law.variance) - std::sqrt(continuous.variance);
  r.terms["optimisation"] = (theta - mu).norm();
  r.terms["initialisation"] = mu.norm() * std::exp(-2 * T);
  r.terms["discretisation"] = std::sqrt((law.mean - continuous.mean).squaredNorm() +
                                        static_cast<double>(mu.size()) * s * s);
  r.value = r.terms["optimisation"] + r.terms["initialisation"] + r.terms["discretisation"];
  r.details["exact_w2"] = bruno_example_w2(law, mu);
  r.details["mean_error"] = (law.mean - mu).norm();
  r.details["variance"] = law.variance;
  r.details["steps"] = static_cast<double>(grid.steps());

  // Like every other bound, an unset flag counts as not verified.
  r.assumptions["identity_covariance"] = inputs.identity_covariance.value_or(false);
  if (!inputs.identity_covariance)
    r.notes.push_back(
        "data N(mu, I_d) not verified: pass option 'identity_covariance' or a target");
  r.kind = "exact_decomposition";
  r.notes.push_back(
      "kind = exact_decomposition: not a published bound but the exact W2 error split into "
      "parts; never to be plotted as a paper's bound");
  r.notes.push_back(
      "value = ||theta_hat - mu|| + ||mu|| e^{-2T} + W2(sampler, continuous-time SDE), an upper "
      "bound on the exact W2 by the triangle inequality ((1 - e^{-2T}) ||theta_hat - mu|| <= "
      "||theta_hat - mu||); the exact W2 is details.exact_w2");
  r.notes.push_back(
      std::string("sampler: ") +
      (inputs.sampler == "em" ? "Euler-Maruyama (the authors' code)" : "exponential integrator") +
      (inputs.noise_on_last_step ? ", full noise on the last step"
                                 : ", last step without noise (mean_x)"));
  return r;
}

}  // namespace difflab
