#pragma once
// Forward (noising) processes: X_t = alpha(t) X_0 + sigma(t) Z, driven by
//   dX_t = f(t) X_t dt + g(t) dB_t,  f = d log alpha/dt = -(1/2) beta(t),
//   g^2 = d sigma^2/dt - 2 f sigma^2.
// Variance-preserving ones have sigma(t)^2 = 1 - alpha(t)^2, hence g^2 = beta (score_sde's VP
// SDE, Song et al. 2021 eq. (11)). The OU process of the papers, dX = -X dt + sqrt(2) dB (seed
// lecture eq. (1)), is beta = 2: alpha = e^{-t}, sigma^2 = 1 - e^{-2t}. The linear path of flow
// matching and rectified flow, X_t = (1 - t) X_0 + t Z (Lipman et al. 2023; Liu et al. 2023), is
// not variance-preserving (docs/theory.md 1.3). Time t is always forward time.
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"

namespace difflab {

class ForwardProcess {
 public:
  virtual ~ForwardProcess() = default;
  virtual std::string name() const = 0;
  // log alpha(t) = -(1/2) int_0^t beta(u) du, accurate for small t.
  virtual double log_alpha(double t) const = 0;
  // beta(t) = -2 d log alpha / dt, so the drift is f(t) = -beta(t)/2 for every process.
  virtual double beta(double t) const = 0;
  // Largest admissible time (infinity for OU).
  virtual double t_max() const = 0;
  virtual nlohmann::json to_json() const = 0;
  // sigma^2 = 1 - alpha^2. Code that relies on it (the exponential integrators, DDPM's chain,
  // samplers written with beta as g^2) checks this, or a sampler trait, first.
  virtual bool variance_preserving() const { return true; }

  double alpha(double t) const;
  // sigma(t)^2. The default is the variance-preserving 1 - alpha^2 = -expm1(2 log alpha), with
  // no cancellation at small t.
  virtual double sigma2(double t) const;
  double sigma(double t) const;
  // Log signal-to-noise ratio lambda(t) = log(alpha / sigma) (DPM-Solver's lambda).
  double log_snr(double t) const;
  // Inverse of log_snr (strictly decreasing in t). The default bisects; subclasses with a closed
  // form override it.
  virtual double t_of_log_snr(double lambda) const;
  // int_s^t beta(u) du = 2 (log alpha(s) - log alpha(t)).
  double integral_beta(double s, double t) const;
  // Drift coefficient f(t) in dX = f(t) X dt + g(t) dB, and g(t)^2 (beta for a
  // variance-preserving process).
  double drift_coefficient(double t) const { return -0.5 * beta(t); }
  virtual double diffusion_squared(double t) const { return beta(t); }
  // Marginal sampling of X_t given X_0 (columns), with noise by particle index.
  Matrix sample_marginal(const Matrix& X0, double t, const CounterRng& rng,
                         std::uint64_t first_particle = 0) const;
};

// dX = -X dt + sqrt(2) dB: the process of CCL23, Benton et al. and Bruno et al.
class OrnsteinUhlenbeck final : public ForwardProcess {
 public:
  std::string name() const override { return "ou"; }
  double log_alpha(double t) const override { return -t; }
  double beta(double) const override { return 2.0; }
  double t_max() const override;
  double t_of_log_snr(double lambda) const override;
  nlohmann::json to_json() const override { return {{"type", "ou"}}; }
};

// DDPM's linear schedule in continuous time: beta(t) = beta_min + t (beta_max - beta_min),
// t in [0, 1] (Ho et al. 2020; score_sde defaults 0.1 and 20).
class LinearVP final : public ForwardProcess {
 public:
  LinearVP(double beta_min = 0.1, double beta_max = 20.0);
  std::string name() const override { return "vp-linear"; }
  double log_alpha(double t) const override;
  double beta(double t) const override;
  double t_max() const override { return 1.0; }
  double t_of_log_snr(double lambda) const override;
  nlohmann::json to_json() const override;

 private:
  double beta_min_, beta_max_;
};

// Cosine schedule (Nichol & Dhariwal 2021): alpha(t) = cos((t + s)/(1 + s) * pi/2) /
// cos(s/(1 + s) * pi/2), t in [0, t_max] with t_max < 1 so that alpha stays positive.
class CosineVP final : public ForwardProcess {
 public:
  explicit CosineVP(double s = 0.008, double t_max = 0.9946);
  std::string name() const override { return "vp-cosine"; }
  double log_alpha(double t) const override;
  double beta(double t) const override;
  double t_max() const override { return t_max_; }
  nlohmann::json to_json() const override;

 private:
  double s_, t_max_;
};

// The linear (flow-matching, rectified-flow) path X_t = (1 - t) X_0 + t Z: alpha = 1 - t,
// sigma = t, beta = 2/(1 - t), g^2 = 2t/(1 - t), log-SNR log((1 - t)/t). At t = 1 alpha is 0 and
// the data prediction (x + sigma^2 s)/alpha of the solvers is 0/0, so times stop at t_max < 1
// (default 0.999, where q_T differs from N(0, I) by KL <= about d (1e-3)^2 for data of unit
// scale), as the cosine schedule stops short of its own end.
class LinearPath final : public ForwardProcess {
 public:
  explicit LinearPath(double t_max = 0.999);
  std::string name() const override { return "linear"; }
  double log_alpha(double t) const override { return std::log1p(-t); }
  double beta(double t) const override { return 2.0 / (1.0 - t); }
  double t_max() const override { return t_max_; }
  nlohmann::json to_json() const override;
  bool variance_preserving() const override { return false; }
  double sigma2(double t) const override { return t * t; }
  double diffusion_squared(double t) const override { return 2.0 * t / (1.0 - t); }
  double t_of_log_snr(double lambda) const override;

 private:
  double t_max_;
};

// The process types make_process takes, in registry order.
std::vector<std::string> process_kinds();

// From JSON {"type": "ou"} | {"type": "vp-linear", "beta_min":..., "beta_max":...} |
// {"type": "vp-cosine", "s": ...} | {"type": "linear", "t_max": ...}, or from a bare name.
std::shared_ptr<ForwardProcess> make_process(const nlohmann::json& spec);
std::shared_ptr<ForwardProcess> make_process(const std::string& name);
// A string literal is a name, not a JSON document (the two overloads above are ambiguous for it).
inline std::shared_ptr<ForwardProcess> make_process(const char* name) {
  return make_process(std::string(name));
}

// Refuses (difflab::Error, prefixed by `what`) a time that is not finite or is negative: the
// forward process runs forward from t = 0, and at t < 0 sigma(t)^2 < 0 defines no law.
void require_forward_time(double t, const char* what);

}  // namespace difflab
