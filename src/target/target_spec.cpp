// Target specs: JSON -> Target, with validation messages that name the component and the field.
#include <cmath>
#include <filesystem>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/target/empirical_target.hpp"
#include "difflab/target/gaussian_mixture_target.hpp"
#include "difflab/target/gaussian_target.hpp"
#include "difflab/target/product_target.hpp"
#include "difflab/target/target.hpp"

namespace difflab {

namespace ju = json_util;

namespace {

std::shared_ptr<Target> gaussian_from_json(const nlohmann::json& spec, const std::string& where) {
  ju::only_keys(spec, {"type", "mean", "cov", "var", "diag"}, where);
  const Vector mean = ju::vector(ju::member(spec, "mean", where), where + ": mean");
  const int given = spec.contains("cov") + spec.contains("var") + spec.contains("diag");
  require(given == 1, where, ": give exactly one of \"cov\", \"var\", \"diag\"");
  if (spec.contains("cov")) {
    return std::make_shared<GaussianTarget>(mean, ju::matrix(spec["cov"], where + ": cov"), where);
  }
  Vector var;
  if (spec.contains("var")) {
    const double v = ju::number(spec["var"], where + ": var");
    require(v > 0, where, ": var must be positive, got ", v);
    var = Vector::Constant(mean.size(), v);
  } else {
    var = ju::vector(spec["diag"], where + ": diag");
  }
  return std::make_shared<GaussianTarget>(GaussianTarget::diagonal(mean, var, where));
}

std::shared_ptr<Target> gmm_from_json(const nlohmann::json& spec, const std::string& where) {
  ju::only_keys(spec, {"type", "weights", "means", "covs", "vars", "diags"}, where);
  const Vector w = ju::vector(ju::member(spec, "weights", where), where + ": weights");
  const nlohmann::json& means = ju::member(spec, "means", where);
  require(means.is_array(), where, ": means must be an array of vectors");
  require(means.size() == static_cast<std::size_t>(w.size()), where, ": ", w.size(),
          " weights but ", means.size(), " means");
  const int given = spec.contains("covs") + spec.contains("vars") + spec.contains("diags");
  require(given == 1, where, ": give exactly one of \"covs\", \"vars\", \"diags\"");
  const char* key = spec.contains("covs") ? "covs" : spec.contains("vars") ? "vars" : "diags";
  const nlohmann::json& cv = spec[key];
  require(cv.is_array() && cv.size() == means.size(), where, ": \"", key,
          "\" must have one entry per component (", means.size(), ")");
  std::vector<GaussianMixtureTarget::Component> comps;
  for (std::size_t i = 0; i < means.size(); ++i) {
    const std::string cw = where + ": component " + std::to_string(i);
    GaussianMixtureTarget::Component c;
    c.mean = ju::vector(means[i], cw + ": mean");
    if (std::string(key) == "covs") {
      c.cov = ju::matrix(cv[i], cw + ": cov");
      c.diagonal = false;
      // A diagonal matrix takes the cheap path.
      Matrix off = c.cov;
      if (off.rows() == off.cols()) {
        off.diagonal().setZero();
        if (off.cwiseAbs().maxCoeff() == 0.0) {
          c.variances = c.cov.diagonal();
          c.diagonal = true;
          for (Index k = 0; k < c.variances.size(); ++k)
            require(c.variances(k) > 0, cw,
                    ": covariance is not positive definite (diagonal entry ", k, " is ",
                    c.variances(k), ")");
        }
      }
    } else if (std::string(key) == "vars") {
      const double v = ju::number(cv[i], cw + ": var");
      require(v > 0, cw, ": var must be positive, got ", v);
      c.variances = Vector::Constant(c.mean.size(), v);
    } else {
      c.variances = ju::vector(cv[i], cw + ": diag");
    }
    comps.push_back(std::move(c));
  }
  std::vector<double> weights(w.data(), w.data() + w.size());
  return std::make_shared<GaussianMixtureTarget>(std::move(weights), std::move(comps), where);
}

// {"type": "empirical", "samples": "data.npy" | "data.csv" | [[...], ...], "knn": k}: a file of
// n x d samples (relative paths from the spec file's directory when the spec is a file) or an
// inline array of points; knn (optional, 0 = exact) truncates the score to the k nearest points.
std::shared_ptr<Target> empirical_from_json(const nlohmann::json& spec, const std::string& where) {
  ju::only_keys(spec, {"type", "samples", "knn"}, where);
  const Index knn = spec.contains("knn") ? ju::integer(spec["knn"], where + ": knn") : 0;
  const nlohmann::json& s = ju::member(spec, "samples", where);
  if (s.is_string()) {
    std::filesystem::path path = s.get<std::string>();
    require(!path.empty(), where, ": samples: empty file name");
    if (path.is_relative() && std::filesystem::is_regular_file(where))
      path = std::filesystem::path(where).parent_path() / path;
    return std::make_shared<EmpiricalTarget>(read_samples(path.string()), s.get<std::string>(),
                                             where, knn);
  }
  require(s.is_array() && !s.empty(), where,
          ": samples must be a file name or a non-empty array of points");
  return std::make_shared<EmpiricalTarget>(ju::matrix(s, where + ": samples").transpose(), "inline",
                                           where, knn);
}

}  // namespace

std::shared_ptr<Target> make_target(const nlohmann::json& spec, const std::string& where) {
  require(spec.is_object(), where, ": a target spec must be a JSON object");
  const std::string type = ju::string(ju::member(spec, "type", where), where + ": type");
  if (type == "gaussian") return gaussian_from_json(spec, where);
  if (type == "gmm") return gmm_from_json(spec, where);
  if (type == "product") return make_product_target(spec, where);
  if (type == "empirical") return empirical_from_json(spec, where);
  fail(where, ": unknown target type '", type, "' (valid: gaussian, gmm, product, empirical)");
}

std::shared_ptr<Target> load_target(const std::string& path) {
  return make_target(read_json(path), path);
}

}  // namespace difflab
