#include "difflab/target/gaussian_mixture_target.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/dense_decompositions.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/memory_budget.hpp"
#include "difflab/target/target_quantities.hpp"
#include "mixture_tiles.hpp"

namespace difflab {

namespace {
constexpr double kMixtureLog2Pi = 1.8378770664093454836;

}  // namespace

GaussianMixtureTarget::GaussianMixtureTarget(std::vector<double> weights,
                                             std::vector<Component> comps,
                                             const std::string& where) {
  const std::size_t K = weights.size();
  require(K > 0, where, ": no components");
  require(comps.size() == K, where, ": ", K, " weights but ", comps.size(), " components");
  double total = 0;
  for (std::size_t i = 0; i < K; ++i) {
    require(std::isfinite(weights[i]), where, ": weight ", i, " is not finite");
    require(weights[i] >= 0, where, ": weight ", i, " is negative (", weights[i], ")");
    total += weights[i];
  }
  require(std::abs(total - 1.0) <= 1e-9, where, ": weights sum to ", total, ", not 1");
  dim_ = comps[0].mean.size();
  require(dim_ > 0, where, ": component 0 has an empty mean");
  weights_.resize(static_cast<Index>(K));
  mean_matrix_.resize(dim_, static_cast<Index>(K));
  variances_.resize(dim_, static_cast<Index>(K));
  for (const auto& c : comps) all_diagonal_ = all_diagonal_ && c.diagonal;
  for (std::size_t i = 0; i < K; ++i) {
    const std::string name = where + ": component " + std::to_string(i);
    const Component& c = comps[i];
    weights_(static_cast<Index>(i)) = weights[i] / total;
    require(c.mean.size() == dim_, name, ": mean has dimension ", c.mean.size(),
            " but component 0 has ", dim_);
    require(c.mean.allFinite(), name, ": mean has a non-finite entry");
    means_.push_back(c.mean);
    mean_matrix_.col(static_cast<Index>(i)) = c.mean;
    if (c.diagonal) {
      require(c.variances.size() == dim_, name, ": ", c.variances.size(),
              " variances for dimension ", dim_);
      for (Index k = 0; k < dim_; ++k)
        require(std::isfinite(c.variances(k)) && c.variances(k) > 0, name, ": variance ", k,
                " must be positive and finite, got ", c.variances(k));
      variances_.col(static_cast<Index>(i)) = c.variances;
      if (!all_diagonal_) U_.push_back(Matrix::Identity(dim_, dim_));
    } else {
      require(c.cov.rows() == dim_ && c.cov.cols() == dim_, name, ": covariance is ", c.cov.rows(),
              " x ", c.cov.cols(), " but the dimension is ", dim_);
      require(c.cov.allFinite(), name, ": covariance has a non-finite entry");
      const double scale = std::max(1.0, c.cov.cwiseAbs().maxCoeff());
      require((c.cov - c.cov.transpose()).cwiseAbs().maxCoeff() <= 1e-10 * scale, name,
              ": covariance is not symmetric");
      Eigen::LLT<Matrix> llt(c.cov);
      require(llt.info() == Eigen::Success, name,
              ": covariance is not positive definite (Cholesky failed)");
      const SymmetricEigen eig = symmetric_eigen(0.5 * (c.cov + c.cov.transpose()));
      require(eig.ok && eig.values.minCoeff() > 0, name, ": covariance is not positive definite");
      variances_.col(static_cast<Index>(i)) = eig.values;
      U_.push_back(eig.vectors);
      input_covs_.resize(K);
      input_covs_[i] = 0.5 * (c.cov + c.cov.transpose());
    }
  }
  isotropic_ = all_diagonal_;
  for (Index i = 0; i < static_cast<Index>(K) && isotropic_; ++i)
    isotropic_ = (variances_.col(i).array() == variances_(0, i)).all();
  if (!all_diagonal_) {
    U_stack_.resize(dim_, dim_ * static_cast<Index>(K));
    rotated_means_.resize(dim_, static_cast<Index>(K));
    for (Index i = 0; i < static_cast<Index>(K); ++i) {
      const Matrix& U = U_[static_cast<std::size_t>(i)];
      U_stack_.middleCols(i * dim_, dim_) = U;
      rotated_means_.col(i) = U.transpose() * mean_matrix_.col(i);
    }
    U_stack_t_ = U_stack_.transpose();
  }
}

Matrix GaussianMixtureTarget::covariance(Index i) const {
  const Vector& v = variances_.col(i);
  if (all_diagonal_) return v.asDiagonal();
  const Matrix& U = U_[static_cast<std::size_t>(i)];
  return U * v.asDiagonal() * U.transpose();
}

nlohmann::json GaussianMixtureTarget::to_json() const {
  nlohmann::json j;
  j["type"] = "gmm";
  j["weights"] = std::vector<double>(weights_.data(), weights_.data() + weights_.size());
  nlohmann::json means = nlohmann::json::array(), covs = nlohmann::json::array();
  for (Index i = 0; i < components(); ++i) {
    means.push_back(std::vector<double>(means_[static_cast<std::size_t>(i)].data(),
                                        means_[static_cast<std::size_t>(i)].data() + dim_));
    // Full covariances as given (U diag(lambda) U^T is off in the last bits and would drift on
    // every write/read cycle); diagonal ones are exact.
    const std::size_t c = static_cast<std::size_t>(i);
    const Matrix C =
        c < input_covs_.size() && input_covs_[c].size() > 0 ? input_covs_[c] : covariance(i);
    nlohmann::json rows = nlohmann::json::array();
    for (Index r = 0; r < dim_; ++r) {
      std::vector<double> row(static_cast<std::size_t>(dim_));
      for (Index k = 0; k < dim_; ++k) row[static_cast<std::size_t>(k)] = C(r, k);
      rows.push_back(row);
    }
    covs.push_back(rows);
  }
  j["means"] = means;
  j["covs"] = covs;
  return j;
}

TargetSummary GaussianMixtureTarget::summary() const {
  TargetSummary s;
  for (Index i = 0; i < components(); ++i)
    s.second_moment += weights_(i) * (mean_matrix_.col(i).squaredNorm() + variances_.col(i).sum());
  // KL(q || N(0, I)) and the score's Lipschitz constant have no closed form for a mixture:
  // Monte Carlo with an interval, and a certified upper bound (target_quantities.hpp).
  add_mixture_quantities(*this, s);
  return s;
}

Matrix GaussianMixtureTarget::sample(Index n, const CounterRng& rng,
                                     std::uint64_t first_particle) const {
  require_matrix_memory(dim_, n, 2, "drawing " + std::to_string(n) + " samples");
  Matrix X(dim_, n);
  Vector z(dim_);
  for (Index j = 0; j < n; ++j) {
    RngStream s = rng.stream(RngUse::kTargetSample, first_particle + static_cast<std::uint64_t>(j));
    const double u = s.uniform();
    Index comp = components() - 1;
    double acc = 0;
    for (Index i = 0; i < components(); ++i) {
      acc += weights_(i);
      if (u < acc) {
        comp = i;
        break;
      }
    }
    s.fill_normal(z.data(), dim_);
    Vector y = variances_.col(comp).array().sqrt() * z.array();
    if (!all_diagonal_) y = U_[static_cast<std::size_t>(comp)] * y;
    X.col(j) = mean_matrix_.col(comp) + y;
  }
  return X;
}

// The mixture at (alpha, sigma^2) as the tile kernel takes it (mixture_tiles.hpp); fn(level).
template <class Fn>
auto GaussianMixtureTarget::with_level(double alpha, double sigma2, Fn&& fn) const {
  mixture_tiles::Level lv;
  lv.d = dim_;
  lv.K = components();
  lv.alpha = alpha;
  lv.isotropic = isotropic_;
  lv.rotated = !all_diagonal_;
  const Matrix C = (alpha * alpha * variances_.array() + sigma2).matrix();  // d x K
  lv.inv_c = C.cwiseInverse();
  lv.log_const = (weights_.array().log() - 0.5 * (static_cast<double>(dim_) * kMixtureLog2Pi +
                                                  C.array().log().colwise().sum().transpose()))
                     .matrix();
  lv.inv_c_max = lv.inv_c.colwise().maxCoeff().transpose();
  lv.means = &mean_matrix_;
  lv.shift = alpha * mean_matrix_;
  lv.m = all_diagonal_ ? lv.shift : Matrix(alpha * rotated_means_);
  lv.m_over_c = lv.m.cwiseProduct(lv.inv_c);
  lv.m_quad = lv.m.cwiseProduct(lv.m_over_c).colwise().sum().transpose();
  lv.shift_abs_max = lv.shift.cwiseAbs().maxCoeff();
  if (!all_diagonal_) {
    lv.U = &U_stack_;
    lv.Ut = &U_stack_t_;
  }
  return fn(static_cast<const mixture_tiles::Level&>(lv));
}

Matrix GaussianMixtureTarget::responsibilities(double alpha, double sigma2,
                                               ConstMatrixRef X) const {
  check_dim(X, "input");
  Matrix R(components(), X.cols());
  with_level(alpha, sigma2, [&](const mixture_tiles::Level& lv) {
    return mixture_tiles::evaluate(lv, X, mixture_tiles::Output::kResponsibilities, R);
  });
  return R;
}

void GaussianMixtureTarget::noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                                               Eigen::Ref<Vector> out) const {
  check_dim(X, "input");
  Matrix L(1, X.cols());
  with_level(alpha, sigma2, [&](const mixture_tiles::Level& lv) {
    return mixture_tiles::evaluate(lv, X, mixture_tiles::Output::kLogDensity, L);
  });
  out = L.row(0).transpose();
}

Index GaussianMixtureTarget::noised_score_counted(double alpha, double sigma2, ConstMatrixRef X,
                                                  MatrixRef out) const {
  check_dim(X, "input");
  // grad log q_t(x) = sum_i r_i(x) (-C_i^{-1} (x - alpha mu_i)), r = softmax of the log-weighted
  // component densities (docs/theory.md 5.1).
  return with_level(alpha, sigma2, [&](const mixture_tiles::Level& lv) {
    return mixture_tiles::evaluate(lv, X, mixture_tiles::Output::kScore, out);
  });
}

void GaussianMixtureTarget::noised_score(double alpha, double sigma2, ConstMatrixRef X,
                                         MatrixRef out) const {
  noised_score_counted(alpha, sigma2, X, out);
}

}  // namespace difflab
