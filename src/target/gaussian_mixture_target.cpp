#include "difflab/target/gaussian_mixture_target.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/columnwise.hpp"
#include "difflab/core/error.hpp"
#include "difflab/target/target_quantities.hpp"

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
      Eigen::SelfAdjointEigenSolver<Matrix> eig(0.5 * (c.cov + c.cov.transpose()));
      require(eig.info() == Eigen::Success && eig.eigenvalues().minCoeff() > 0, name,
              ": covariance is not positive definite");
      variances_.col(static_cast<Index>(i)) = eig.eigenvalues();
      U_.push_back(eig.eigenvectors());
      input_covs_.resize(K);
      input_covs_[i] = 0.5 * (c.cov + c.cov.transpose());
    }
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

// Everything the per-particle kernels need at one noise level (alpha, sigma^2).
struct GaussianMixtureTarget::NoiseLevel {
  Matrix inv_c;      // d x K: 1 / (alpha^2 lambda_ik + sigma^2)
  Matrix means;      // d x K: alpha mu_i
  Vector log_const;  // K: log w_i - (d log 2 pi + sum_k log c_ik) / 2
};

GaussianMixtureTarget::NoiseLevel GaussianMixtureTarget::noise_level(double alpha,
                                                                     double sigma2) const {
  NoiseLevel lv;
  const Matrix C = (alpha * alpha * variances_.array() + sigma2).matrix();  // d x K
  lv.inv_c = C.cwiseInverse();
  lv.means = alpha * mean_matrix_;
  lv.log_const = (weights_.array().log() - 0.5 * (static_cast<double>(dim_) * kMixtureLog2Pi +
                                                  C.array().log().colwise().sum().transpose()))
                     .matrix();
  return lv;
}

// One particle, full covariances: l_i = log w_i + log N(x; alpha mu_i, C_i) and, if wanted, the
// residuals y_i = C_i^{-1} (x - alpha mu_i) in the columns of Y. Runs on aligned per-particle
// vectors only, so the result does not depend on the batch (core/columnwise.hpp).
void GaussianMixtureTarget::particle_log_weights(const NoiseLevel& lv, const Vector& x, Vector& l,
                                                 Vector& diff, Vector& rot, Matrix* Y) const {
  for (Index i = 0; i < components(); ++i) {
    const Matrix& U = U_[static_cast<std::size_t>(i)];
    diff.noalias() = x - lv.means.col(i);
    rot.noalias() = U.transpose() * diff;
    l(i) = lv.log_const(i) - 0.5 * rot.cwiseAbs2().dot(lv.inv_c.col(i));
    if (Y) {
      rot.array() *= lv.inv_c.col(i).array();
      Y->col(i).noalias() = U * rot;
    }
  }
}

// Diagonal components, the whole block at once: Xt is the block transposed (n x d), so that each
// dimension is a contiguous run over particles and everything vectorises across particles. Every
// particle's sum over dimensions runs in the same fixed order with elementwise operations only;
// with -ffp-contract=off the SIMD and the scalar paths round identically, so the result does not
// depend on where a particle sits in the block. Returns the log-weights transposed (n x K).
Matrix GaussianMixtureTarget::diagonal_log_weights(const NoiseLevel& lv, const Matrix& Xt) const {
  const Index n = Xt.rows();
  Matrix Lt(n, components());
  Vector q(n);
  for (Index i = 0; i < components(); ++i) {
    q.setZero();
    for (Index k = 0; k < dim_; ++k)
      q.array() += lv.inv_c(k, i) * (Xt.col(k).array() - lv.means(k, i)).square();
    Lt.col(i) = (lv.log_const(i) - 0.5 * q.array()).matrix();
  }
  return Lt;
}

namespace {
// Row j of Lt (one particle's log-weights) turned into probabilities in place, with scalar
// std::exp in a fixed order (Eigen's SIMD exp and std::exp differ in the last bit).
double softmax_row(MatrixRef Lt, Index j) {
  const Index K = Lt.cols();
  double mx = Lt(j, 0);
  for (Index i = 1; i < K; ++i) mx = std::max(mx, Lt(j, i));
  double total = 0;
  for (Index i = 0; i < K; ++i) {
    Lt(j, i) = std::exp(Lt(j, i) - mx);
    total += Lt(j, i);
  }
  for (Index i = 0; i < K; ++i) Lt(j, i) /= total;
  return mx + std::log(total);  // log sum_i exp(l_i)
}
}  // namespace

Matrix GaussianMixtureTarget::log_weighted_densities(double alpha, double sigma2,
                                                     ConstMatrixRef X) const {
  const NoiseLevel lv = noise_level(alpha, sigma2);
  if (all_diagonal_) return diagonal_log_weights(lv, X.transpose()).transpose();
  Matrix L(components(), X.cols());
  Vector diff(dim_), rot(dim_);
  for_each_column(X, L, [&](const Vector& x, Vector& l) {
    particle_log_weights(lv, x, l, diff, rot, nullptr);
  });
  return L;
}

Matrix GaussianMixtureTarget::responsibilities(double alpha, double sigma2,
                                               ConstMatrixRef X) const {
  check_dim(X, "input");
  Matrix Rt = log_weighted_densities(alpha, sigma2, X).transpose();
  for (Index j = 0; j < Rt.rows(); ++j) softmax_row(Rt, j);
  return Rt.transpose();
}

void GaussianMixtureTarget::noised_log_density(double alpha, double sigma2, ConstMatrixRef X,
                                               Eigen::Ref<Vector> out) const {
  check_dim(X, "input");
  Matrix Lt = log_weighted_densities(alpha, sigma2, X).transpose();
  for (Index j = 0; j < Lt.rows(); ++j) out(j) = softmax_row(Lt, j);
}

void GaussianMixtureTarget::noised_score(double alpha, double sigma2, ConstMatrixRef X,
                                         MatrixRef out) const {
  check_dim(X, "input");
  // grad log q_t(x) = sum_i r_i(x) (-C_i^{-1} (x - alpha mu_i)), r = softmax of the log-weighted
  // component densities (theory.md 5.1).
  const NoiseLevel lv = noise_level(alpha, sigma2);
  if (all_diagonal_) {
    const Matrix Xt = X.transpose();
    Matrix Rt = diagonal_log_weights(lv, Xt);
    for (Index j = 0; j < Rt.rows(); ++j) softmax_row(Rt, j);
    Matrix St(Xt.rows(), dim_);
    for (Index k = 0; k < dim_; ++k) {
      auto s = St.col(k).array();
      s.setZero();
      for (Index i = 0; i < components(); ++i)
        s += Rt.col(i).array() * (lv.inv_c(k, i) * (lv.means(k, i) - Xt.col(k).array()));
    }
    out = St.transpose();
    return;
  }
  Matrix Lt(1, components());
  Vector l(components()), r(components()), diff(dim_), rot(dim_);
  Matrix Y(dim_, components());
  for_each_column(X, out, [&](const Vector& x, Vector& s) {
    particle_log_weights(lv, x, l, diff, rot, &Y);
    Lt.row(0) = l.transpose();
    softmax_row(Lt, 0);
    r = Lt.row(0).transpose();
    s.noalias() = -(Y * r);
  });
}

}  // namespace difflab
