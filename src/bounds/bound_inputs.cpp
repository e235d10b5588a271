#include "difflab/bounds/bound_inputs.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

namespace {

void check_nonnegative(const std::optional<double>& value, const char* name) {
  if (!value) return;
  require(std::isfinite(*value), "bound inputs: ", name, " must be finite, got ", *value);
  require(*value >= 0, "bound inputs: ", name, " must be >= 0, got ", *value);
}

void check_positive(const std::optional<double>& value, const char* name) {
  if (!value) return;
  require(std::isfinite(*value) && *value > 0, "bound inputs: ", name,
          " must be finite and > 0, got ", *value);
}

void check_vector(const std::optional<Vector>& v, const char* name, std::optional<Index> d) {
  if (!v) return;
  require(v->size() >= 1, "bound inputs: ", name, " is empty");
  require(v->allFinite(), "bound inputs: ", name, " has a non-finite entry");
  if (d)
    require(v->size() == *d, "bound inputs: ", name, " has ", v->size(), " entries but d = ", *d);
}

bool same_time(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(b)); }

}  // namespace

void BoundInputs::validate() const {
  if (d) require(*d >= 1, "bound inputs: d must be >= 1, got ", *d);
  check_positive(T, "T");
  require(std::isfinite(delta), "bound inputs: delta must be finite, got ", delta);
  require(delta >= 0, "bound inputs: delta must be >= 0, got ", delta);
  if (T)
    require(delta < *T, "bound inputs: delta must be < T (delta is the early-stopping time), got ",
            "delta = ", delta, " and T = ", *T);
  if (steps) require(*steps >= 1, "bound inputs: steps must be >= 1, got ", *steps);
  require(grid_kind.empty() || grid_kind == "uniform" || grid_kind == "benton",
          "bound inputs: grid kind must be 'uniform' or 'benton', got '", grid_kind, "'");
  if (grid) {
    if (T)
      require(same_time(grid->T(), *T), "bound inputs: the grid starts at T = ", grid->T(),
              " but T = ", *T, " was given");
    require(delta == 0 || same_time(grid->delta(), delta), "bound inputs: the grid ends at ",
            "delta = ", grid->delta(), " but delta = ", delta, " was given");
    if (steps)
      require(grid->steps() == static_cast<std::size_t>(*steps), "bound inputs: the grid has ",
              grid->steps(), " steps but steps = ", *steps, " was given");
  }
  check_positive(L, "L (the score's Lipschitz constant)");
  check_nonnegative(m2, "m2 (the root second moment)");
  check_nonnegative(kl_to_normal, "kl (KL(q || N(0, I)))");
  check_positive(strong_log_concavity, "strong log-concavity constant");
  check_nonnegative(fisher_information, "fisher (the relative Fisher information)");
  check_nonnegative(fisher_information_hi, "the upper end of the Fisher information interval");
  if (fisher_information && fisher_information_hi)
    require(*fisher_information_hi >= *fisher_information, "bound inputs: the Fisher information ",
            "interval's upper end ", *fisher_information_hi, " is below the estimate ",
            *fisher_information);
  check_vector(data_mean, "data_mean", d);
  check_vector(cov_eigenvalues, "cov_eigenvalues", d);
  if (cov_eigenvalues)
    require((cov_eigenvalues->array() > 0).all(),
            "bound inputs: cov_eigenvalues must all be > 0 (a positive definite covariance)");
  if (data_mean && cov_eigenvalues)
    require(data_mean->size() == cov_eigenvalues->size(), "bound inputs: data_mean has ",
            data_mean->size(), " entries but cov_eigenvalues has ", cov_eigenvalues->size());
  check_nonnegative(std::optional<double>(eps_score), "eps_score");
  check_positive(accuracy, "accuracy");
  check_vector(mu, "mu", d);
  check_vector(theta_hat, "theta_hat", d);
  if (mu && theta_hat)
    require(mu->size() == theta_hat->size(), "bound inputs: mu has ", mu->size(),
            " entries but theta_hat has ", theta_hat->size());
  require(sampler == "em" || sampler == "ei", "bound inputs: sampler must be 'em' or 'ei', got '",
          sampler, "'");
  for (const auto& [name, value] : constants) {
    require(!name.empty(), "bound inputs: a constant has an empty name");
    require(std::isfinite(value) && value > 0, "bound inputs: constant ", name,
            " must be finite and > 0, got ", value);
  }
}

Index BoundInputs::need_d(const std::string& paper) const {
  if (d) return *d;
  if (mu) return mu->size();
  fail(paper, " needs d (the dimension): pass option 'd'");
}

double BoundInputs::need_L(const std::string& paper) const {
  require(L.has_value(), paper, " needs L (the score's Lipschitz constant): pass option 'L'");
  return *L;
}

double BoundInputs::need_m2(const std::string& paper) const {
  require(m2.has_value(), paper,
          " needs m2 (the root second moment sqrt(E||x||^2) of the data): pass option 'm2'");
  return *m2;
}

double BoundInputs::need_kl(const std::string& paper) const {
  require(kl_to_normal.has_value(), paper,
          " needs kl (KL(q || N(0, I)) of the data, the initialisation input): pass option 'kl'");
  return *kl_to_normal;
}

double BoundInputs::need_accuracy(const std::string& paper) const {
  require(accuracy.has_value(), paper,
          " needs accuracy (the target accuracy in its metric's units): pass option 'accuracy'");
  return *accuracy;
}

const Vector& BoundInputs::need_mu(const std::string& paper) const {
  require(mu.has_value(), paper, " needs mu (the mean of the data N(mu, I)): pass option 'mu'");
  return *mu;
}

const Vector& BoundInputs::need_theta_hat(const std::string& paper) const {
  require(
      theta_hat.has_value(), paper,
      " needs theta_hat (the trained parameter of s = -x + e^{-t} theta): pass option 'theta_hat'");
  return *theta_hat;
}

double BoundInputs::horizon(const std::string& paper) const {
  if (grid) return grid->T();
  require(T.has_value(), paper, " needs T (the time horizon): pass option 'T'");
  return *T;
}

TimeGrid BoundInputs::resolve_grid(const std::string& paper,
                                   const std::string& default_kind) const {
  if (grid) return *grid;
  const double horizon_T = horizon(paper);
  require(steps.has_value(), paper, " needs steps (the number of steps N): pass option 'steps'");
  const std::string kind = grid_kind.empty() ? default_kind : grid_kind;
  try {
    if (kind == "benton") return benton_grid(horizon_T, delta, *steps);
    return uniform_grid(horizon_T, delta, *steps);
  } catch (const Error& e) {
    fail(paper, ": ", e.what());
  }
}

double BoundInputs::uniform_step(const std::string& paper) const {
  const TimeGrid g = resolve_grid(paper, "uniform");
  const auto h = g.step_sizes();
  const double h_mean = (g.T() - g.delta()) / static_cast<double>(g.steps());
  // Check first, build the message only on failure (require evaluates its parts eagerly).
  const auto [lo, hi] = std::minmax_element(h.begin(), h.end());
  if (*hi - h_mean > 1e-9 * h_mean || h_mean - *lo > 1e-9 * h_mean)
    fail(paper, " needs a uniform grid (the paper's step is h = (T - delta)/N), but grid '",
         g.name(), "' has steps from ", *lo, " to ", *hi);
  return h_mean;
}

double BoundInputs::constant(const std::string& paper, const std::string& name,
                             double fallback) const {
  if (auto it = constants.find(paper + "." + name); it != constants.end()) return it->second;
  if (auto it = constants.find(name); it != constants.end()) return it->second;
  return fallback;
}

bool BoundInputs::has_constant(const std::string& paper, const std::string& name) const {
  return constants.count(paper + "." + name) > 0 || constants.count(name) > 0;
}

std::vector<std::string> BoundInputs::unused_constants(const std::string& paper,
                                                       const std::vector<std::string>& used) const {
  auto list_used = [&] {
    const std::string s = comma_list(used);
    return s.empty() ? std::string("none") : s;
  };
  std::vector<std::string> plain_unused;
  const std::string prefix = paper + ".";
  for (const auto& [key, value] : constants) {
    (void)value;
    if (key.rfind(prefix, 0) == 0) {
      const std::string name = key.substr(prefix.size());
      require(std::find(used.begin(), used.end(), name) != used.end(), paper,
              ": unknown constant '", name, "' (", paper, " uses: ", list_used(), ")");
    } else if (key.find('.') == std::string::npos &&
               std::find(used.begin(), used.end(), key) == used.end()) {
      plain_unused.push_back(key);
    }
  }
  return plain_unused;
}

void record_constants(BoundResult& result, const BoundInputs& inputs,
                      const std::vector<std::string>& used, bool hidden) {
  const std::vector<std::string> ignored = inputs.unused_constants(result.paper, used);
  std::string defaulted;
  for (const auto& name : used) {
    result.constants[name] = inputs.constant(result.paper, name);
    if (!inputs.has_constant(result.paper, name))
      defaulted += (defaulted.empty() ? "" : ", ") + name;
  }
  if (hidden && !defaulted.empty())
    result.notes.push_back(
        "constant(s) " + defaulted +
        " = 1: placeholder for the absolute constant the paper hides behind "
        "'<~' (not stated in any source seen); give it as a constant NAME=VALUE");
  if (!ignored.empty()) {
    std::string list;
    for (const auto& name : ignored) list += (list.empty() ? "" : ", ") + name;
    result.notes.push_back("constant(s) " + list + " not used by " + result.paper);
  }
}

BoundInputs from_target(const Target& target, BoundInputs inputs) {
  const TargetSummary s = target.summary();
  if (inputs.d)
    require(*inputs.d == target.dim(), "bound inputs: d = ", *inputs.d,
            " disagrees with the target's dimension ", target.dim());
  inputs.d = target.dim();
  if (!inputs.m2) inputs.m2 = std::sqrt(s.second_moment);  // summary holds m2^2 = E||X||^2
  if (!inputs.kl_to_normal && s.kl_to_standard_normal)
    inputs.kl_to_normal = s.kl_to_standard_normal;
  if (!inputs.L && s.score_lipschitz) inputs.L = s.score_lipschitz;
  if (!inputs.strong_log_concavity && s.strong_log_concavity)
    inputs.strong_log_concavity = s.strong_log_concavity;
  if (!inputs.fisher_information && s.fisher_information) {
    inputs.fisher_information = s.fisher_information;
    if (s.fisher_information_ci) inputs.fisher_information_hi = (*s.fisher_information_ci)[1];
  }

  // Covariance, where the target type makes it available (Benton et al. Assumption 2).
  std::optional<Matrix> cov;
  std::optional<Vector> target_mean;
  const auto* gaussian = dynamic_cast<const GaussianTarget*>(&target);
  if (gaussian) {
    cov = gaussian->covariance();
    target_mean = gaussian->mean();
  }
  if (const auto* gmm = dynamic_cast<const GaussianMixtureTarget*>(&target)) {
    // Law of total covariance: sum_i w_i (Sigma_i + mu_i mu_i^T) - mean mean^T.
    const Index d = gmm->dim();
    Vector mean = Vector::Zero(d);
    Matrix second = Matrix::Zero(d, d);
    for (Index i = 0; i < gmm->components(); ++i) {
      const double w = gmm->weights()(i);
      mean += w * gmm->mean(i);
      second += w * (gmm->covariance(i) + gmm->mean(i) * gmm->mean(i).transpose());
    }
    cov = second - mean * mean.transpose();
    target_mean = mean;
  }
  if (target_mean && !inputs.centred) inputs.centred = target_mean->norm() <= 1e-12;
  if (cov && !inputs.identity_covariance) {
    const Matrix diff = *cov - Matrix::Identity(cov->rows(), cov->cols());
    inputs.identity_covariance = diff.cwiseAbs().maxCoeff() <= 1e-12;
  }
  if (gaussian && !inputs.mu && inputs.identity_covariance.value_or(false))
    inputs.mu = gaussian->mean();
  if (gaussian && !inputs.data_mean && !inputs.cov_eigenvalues) {
    inputs.data_mean = gaussian->mean();
    inputs.cov_eigenvalues = gaussian->eigenvalues();
  }
  return inputs;
}

}  // namespace difflab
