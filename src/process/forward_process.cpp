#include "difflab/process/forward_process.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"

namespace difflab {

double ForwardProcess::alpha(double t) const { return std::exp(log_alpha(t)); }

double ForwardProcess::sigma2(double t) const { return -std::expm1(2.0 * log_alpha(t)); }

double ForwardProcess::sigma(double t) const { return std::sqrt(sigma2(t)); }

double ForwardProcess::log_snr(double t) const { return log_alpha(t) - 0.5 * std::log(sigma2(t)); }

double ForwardProcess::integral_beta(double s, double t) const {
  return 2.0 * (log_alpha(s) - log_alpha(t));
}

double ForwardProcess::t_of_log_snr(double lambda) const {
  // log_snr decreases from +inf at t = 0 to log_snr(t_max); bisect on [0, hi].
  double lo = 0.0;
  double hi = std::isfinite(t_max()) ? t_max() : 1.0;
  if (!std::isfinite(t_max())) {
    while (log_snr(hi) > lambda) hi *= 2.0;
  }
  require(log_snr(hi) <= lambda, name(), ": log-SNR ", lambda, " is below the process's range");
  // Stop on a relative tolerance: the inverse is well conditioned in relative terms
  // (d log t / d lambda ~ -2 at small t), so an absolute tolerance would lose digits at small t.
  // From hi <= t_max, 1100 halvings reach any positive double; 2 ulp of hi is the floor.
  for (int it = 0; it < 1100 && hi - lo > 2 * std::numeric_limits<double>::epsilon() * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (log_snr(mid) > lambda ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

Matrix ForwardProcess::sample_marginal(const Matrix& X0, double t, const CounterRng& rng,
                                       std::uint64_t first_particle) const {
  Matrix Z(X0.rows(), X0.cols());
  rng.fill_normal(Z, RngUse::kForwardNoise, first_particle, 0);
  return alpha(t) * X0 + sigma(t) * Z;
}

double OrnsteinUhlenbeck::t_max() const { return std::numeric_limits<double>::infinity(); }

double OrnsteinUhlenbeck::t_of_log_snr(double lambda) const {
  // lambda = -(1/2) log(e^{2t} - 1)  =>  t = (1/2) log1p(e^{-2 lambda}).
  return 0.5 * std::log1p(std::exp(-2.0 * lambda));
}

LinearVP::LinearVP(double beta_min, double beta_max) : beta_min_(beta_min), beta_max_(beta_max) {
  require(
      std::isfinite(beta_min) && std::isfinite(beta_max) && beta_min > 0 && beta_max >= beta_min,
      "vp-linear: need 0 < beta_min <= beta_max, got beta_min=", beta_min, ", beta_max=", beta_max);
}

double LinearVP::log_alpha(double t) const {
  return -0.5 * (beta_min_ * t + 0.5 * (beta_max_ - beta_min_) * t * t);
}

double LinearVP::beta(double t) const { return beta_min_ + t * (beta_max_ - beta_min_); }

double LinearVP::t_of_log_snr(double lambda) const {
  // int_0^t beta = log1p(e^{-2 lambda}) =: c; solve (1/2)(bmax - bmin) t^2 + bmin t - c = 0
  // with the cancellation-free root 2c / (bmin + sqrt(bmin^2 + 2 (bmax - bmin) c)).
  const double c = std::log1p(std::exp(-2.0 * lambda));
  const double a = beta_max_ - beta_min_;
  return 2.0 * c / (beta_min_ + std::sqrt(beta_min_ * beta_min_ + 2.0 * a * c));
}

nlohmann::json LinearVP::to_json() const {
  return {{"type", "vp-linear"}, {"beta_min", beta_min_}, {"beta_max", beta_max_}};
}

CosineVP::CosineVP(double s, double t_max) : s_(s), t_max_(t_max) {
  require(std::isfinite(s) && s > 0, "vp-cosine: s must be positive, got ", s);
  require(std::isfinite(t_max) && t_max > 0 && t_max < 1,
          "vp-cosine: t_max must lie in (0, 1), got ", t_max);
}

double CosineVP::log_alpha(double t) const {
  const double h = std::numbers::pi / 2.0 / (1.0 + s_);
  // log cos((t+s)h) - log cos(s h); for small t write cos((t+s)h)/cos(sh) = cos(th) - tan(sh)
  // sin(th) so that the difference from 1 is computed without cancellation.
  const double ratio_minus_one =
      -2.0 * std::sin(0.5 * t * h) * std::sin(0.5 * t * h) - std::tan(s_ * h) * std::sin(t * h);
  return std::log1p(ratio_minus_one);
}

double CosineVP::beta(double t) const {
  const double h = std::numbers::pi / 2.0 / (1.0 + s_);
  return 2.0 * h * std::tan((t + s_) * h);
}

nlohmann::json CosineVP::to_json() const {
  return {{"type", "vp-cosine"}, {"s", s_}, {"t_max", t_max_}};
}

LinearPath::LinearPath(double t_max) : t_max_(t_max) {
  require(std::isfinite(t_max) && t_max > 0 && t_max < 1,
          "linear: t_max must lie in (0, 1) (alpha(1) = 0), got ", t_max);
}

double LinearPath::t_of_log_snr(double lambda) const {
  // lambda = log((1 - t)/t)  =>  t = 1/(1 + e^lambda).
  return 1.0 / (1.0 + std::exp(lambda));
}

nlohmann::json LinearPath::to_json() const { return {{"type", "linear"}, {"t_max", t_max_}}; }

std::vector<std::string> process_kinds() { return {"ou", "vp-linear", "vp-cosine", "linear"}; }

std::shared_ptr<ForwardProcess> make_process(const nlohmann::json& spec) {
  if (spec.is_string()) return make_process(spec.get<std::string>());
  require(spec.is_object() && spec.contains("type") && spec["type"].is_string(),
          "process: expected an object with a string \"type\"");
  const std::string type = spec["type"];
  auto number = [&](const char* key, double fallback) {
    if (!spec.contains(key)) return fallback;
    require(spec[key].is_number(), "process ", type, ": \"", key, "\" must be a number");
    return spec[key].get<double>();
  };
  // A misspelt parameter must not silently fall back to its default.
  const std::string where = "process " + type;
  if (type == "ou") {
    json_util::only_keys(spec, {"type"}, where);
    return std::make_shared<OrnsteinUhlenbeck>();
  }
  if (type == "vp-linear") {
    json_util::only_keys(spec, {"type", "beta_min", "beta_max"}, where);
    return std::make_shared<LinearVP>(number("beta_min", 0.1), number("beta_max", 20.0));
  }
  if (type == "vp-cosine") {
    json_util::only_keys(spec, {"type", "s", "t_max"}, where);
    return std::make_shared<CosineVP>(number("s", 0.008), number("t_max", 0.9946));
  }
  if (type == "linear") {
    json_util::only_keys(spec, {"type", "t_max"}, where);
    return std::make_shared<LinearPath>(number("t_max", 0.999));
  }
  std::string valid;
  for (const auto& kind : process_kinds()) valid += (valid.empty() ? "" : ", ") + kind;
  fail("process: unknown type '", type, "' (valid: ", valid, ")");
}

std::shared_ptr<ForwardProcess> make_process(const std::string& name) {
  return make_process(nlohmann::json{{"type", name}});
}

void require_forward_time(double t, const char* what) {
  require(std::isfinite(t) && t >= 0, what, ": time t must be finite and >= 0, got ", t);
}

}  // namespace difflab
