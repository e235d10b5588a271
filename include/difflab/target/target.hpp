#pragma once
// Targets: data distributions q whose noised laws q_t are known exactly.
//
// Under any variance-preserving forward process X_t = alpha X_0 + sigma Z, q_t is the law of
// alpha X_0 + sigma Z. A target therefore exposes its noised log-density and score as functions
// of (alpha, sigma^2) and stays independent of the process; log_qt/score_qt take a process and a
// time for convenience. sigma^2 = 0 and alpha = 1 give the target itself.
#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "difflab/core/rng.hpp"
#include "difflab/core/types.hpp"
#include "difflab/process/forward_process.hpp"

namespace difflab {

// Quantities the bounds need, where the target knows them.
struct TargetSummary {
  double second_moment = 0;                     // m2^2 = E||X||^2
  std::optional<double> kl_to_standard_normal;  // KL(q || N(0, I))
  std::optional<double> score_lipschitz;        // sup_t Lip(grad log q_t) under OU
  std::optional<double> strong_log_concavity;   // alpha with -grad^2 log q >= alpha I
  // I(q | N(0, I)) = E_q ||grad log q + x||^2 (target_quantities.hpp).
  std::optional<double> fisher_information;
  // 95% intervals of Monte Carlo estimates (unset: the value is a closed form).
  std::optional<std::array<double, 2>> kl_to_standard_normal_ci, fisher_information_ci;
  // "exact", "upper_bound" (a certified bound, not the constant) or "" (as the factor says).
  std::string score_lipschitz_kind;
  std::vector<std::string> notes;  // how each quantity was obtained, or why it is missing
  nlohmann::json to_json() const;
};

class Target {
 public:
  virtual ~Target() = default;
  virtual Index dim() const = 0;
  virtual std::string type() const = 0;
  virtual nlohmann::json to_json() const = 0;
  virtual TargetSummary summary() const = 0;

  // n exact samples as columns; particle j uses the stream (seed, kTargetSample, first + j).
  virtual Matrix sample(Index n, const CounterRng& rng, std::uint64_t first_particle = 0) const = 0;

  // False for a law without a density (an empirical measure): its log-density exists only for
  // sigma^2 > 0, and metrics that need the target's density are not chosen for it.
  virtual bool has_density() const { return true; }

  // log density and score of Law(alpha X_0 + sigma Z) at the columns of X.
  virtual void noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                                  Eigen::Ref<Vector> out) const = 0;
  virtual void noised_score(double alpha, double sigma2, ConstMatrixRef X, MatrixRef out) const = 0;

  // Conveniences.
  Vector log_density(const Matrix& X) const;
  Matrix score(const Matrix& X) const;
  Vector log_qt(const ForwardProcess& process, double t, const Matrix& X) const;
  Matrix score_qt(const ForwardProcess& process, double t, const Matrix& X) const;

 protected:
  void check_dim(ConstMatrixRef X, const char* what) const;
};

// Builds a target from its JSON spec (documented in the README):
//   {"type":"gaussian","mean":[...],"cov":[[...]]}  (or "var": number | "diag": [...])
//   {"type":"gmm","weights":[...],"means":[[...]],"covs":[[[...]]]}  (or "vars" | "diags")
//   {"type":"product","factors":[...]}
// `where` prefixes error messages (usually the file name).
std::shared_ptr<Target> make_target(const nlohmann::json& spec,
                                    const std::string& where = "target");
std::shared_ptr<Target> load_target(const std::string& path);

// Refuses (difflab::Error, prefixed by `what`) an (alpha, sigma^2) that defines no law
// alpha X_0 + sigma Z: both must be finite and sigma^2 >= 0.
void require_noise_level(double alpha, double sigma2, const char* what);

}  // namespace difflab
