#pragma once
// One-dimensional laws whose noised law has a closed form: Gaussian, Gaussian mixture, Laplace.
#include <vector>

#include "difflab/target/law1d.hpp"

namespace difflab {

// Mixture sum_i w_i N(m_i, s_i^2); the noised law is sum_i w_i N(alpha m_i, alpha^2 s_i^2 +
// sigma^2) (docs/theory.md 5.1 in one dimension). A single component is the Gaussian law.
// Spec: {"type":"mixture","weights":[...],"means":[...],"stds":[...]} or
//       {"type":"gaussian","mean":0,"std":1}.
class GaussianMixture1D final : public Law1D {
 public:
  GaussianMixture1D(std::vector<double> weights, std::vector<double> means,
                    std::vector<double> stds, const std::string& where = "mixture");
  static GaussianMixture1D gaussian(double mean, double std, const std::string& where = "gaussian");

  std::string type() const override { return gaussian_ ? "gaussian" : "mixture"; }
  nlohmann::json to_json() const override;
  double sample(RngStream& stream) const override;
  double mean() const override;
  double second_moment() const override;
  double entropy() const override;
  // Gaussian: max(1, 1/s^2) exactly (docs/theory.md 5.1). Mixture: a numerical ESTIMATE, the
  // largest |d^2/dy^2 log q_t| found on a grid of OU times (0 and log-spaced 1e-4..20) and of
  // points covering every component to +-8 standard deviations, using the exact second derivative
  // sum_i r_i (s_i^2 - 1/c_i) - (sum_i r_i s_i)^2; the supremum between grid points can be
  // slightly larger.
  std::optional<double> score_lipschitz() const override;
  void noised(double alpha, double sigma2, const Vector& y, Vector* log_q,
              Vector* score) const override;

 private:
  std::vector<double> input_weights_;  // as given, for to_json round trips
  std::vector<double> w_, m_, s_;      // renormalised weights, means, standard deviations
  bool gaussian_ = false;
};

// Laplace(loc, b): p(x) = exp(-|x - loc| / b) / (2 b). Spec {"type":"laplace","loc":0,"scale":1}.
// The Gaussian convolution has the closed form (v = u - loc, kernel width k)
//   (p * N(0, k^2))(u) = 1/(4b) [ e^{k^2/(2b^2) - v/b} erfc((k/b - v/k)/sqrt 2)
//                               + e^{k^2/(2b^2) + v/b} erfc((k/b + v/k)/sqrt 2) ],
// evaluated in log space (each term switches to the scaled erfcx once its erfc would underflow),
// and its derivative is (T2 - T1)/b: the Gaussian boundary terms at the kink cancel.
class Laplace1D final : public Law1D {
 public:
  Laplace1D(double loc, double scale, const std::string& where = "laplace");
  std::string type() const override { return "laplace"; }
  nlohmann::json to_json() const override;
  double sample(RngStream& stream) const override;
  double mean() const override { return loc_; }
  double second_moment() const override { return loc_ * loc_ + 2 * b_ * b_; }
  double entropy() const override;
  std::optional<double> score_lipschitz() const override { return std::nullopt; }  // kink
  void noised(double alpha, double sigma2, const Vector& y, Vector* log_q,
              Vector* score) const override;

 private:
  double loc_, b_;
};

}  // namespace difflab
