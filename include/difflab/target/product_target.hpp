#pragma once
// Product of one-dimensional laws q = p_1 x ... x p_d. Each coordinate is noised independently,
// so q_t = prod_i q_{t,i}: log q_t is the sum of the factors' noised log-densities and the score
// is coordinate-wise, with each factor's noised law exact (closed form or accurate quadrature,
// law1d.hpp). This gives the exact score in any dimension for non-Gaussian, non-log-concave
// targets (mixture factors).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/target/law1d.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

class ProductTarget final : public Target {
 public:
  explicit ProductTarget(std::vector<std::shared_ptr<const Law1D>> factors,
                         const std::string& where = "product");

  Index dim() const override { return static_cast<Index>(factors_.size()); }
  std::string type() const override { return "product"; }
  // {"type":"product","factors":[...]} (the "dim"/"factor" shorthand is expanded).
  nlohmann::json to_json() const override;
  // second_moment and KL(q || N(0, I)) are sums over the factors; score_lipschitz is the largest
  // factor's (the Hessian of log q_t is diagonal), empty if any factor's is; see
  // Law1D::score_lipschitz for which are exact and which are estimates.
  TargetSummary summary() const override;
  // Particle j draws its coordinates in order from the stream (seed, kTargetSample, first + j).
  Matrix sample(Index n, const CounterRng& rng, std::uint64_t first_particle = 0) const override;
  void noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                          Eigen::Ref<Vector> out) const override;
  void noised_score(double alpha, double sigma2, ConstMatrixRef X, MatrixRef out) const override;

  const Law1D& factor(Index i) const { return *factors_[static_cast<std::size_t>(i)]; }

 private:
  // Throws difflab::Error if a column of values is not finite for a finite input column.
  void refuse_non_finite(ConstMatrixRef X, ConstMatrixRef values, const char* what) const;

  std::vector<std::shared_ptr<const Law1D>> factors_;
};

// {"type":"product","factors":[{...}, ...]} (one factor per coordinate) or
// {"type":"product","dim":d,"factor":{...}} (one factor repeated d times).
std::shared_ptr<Target> make_product_target(const nlohmann::json& spec, const std::string& where);

}  // namespace difflab
