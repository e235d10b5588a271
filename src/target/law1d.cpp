#include "difflab/target/law1d.hpp"

#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/json_util.hpp"
#include "difflab/target/law1d_closed_form.hpp"
#include "difflab/target/law1d_quadrature.hpp"
#include "law1d_numerics.hpp"

namespace difflab {

namespace ju = json_util;

double Law1D::kl_to_standard_normal() const {
  return -entropy() + law1d_detail::kLogSqrt2Pi + 0.5 * second_moment();
}

double Law1D::noised_log_density(double alpha, double sigma2, double y) const {
  Vector out;
  noised(alpha, sigma2, Vector::Constant(1, y), &out, nullptr);
  return out(0);
}

double Law1D::noised_score(double alpha, double sigma2, double y) const {
  Vector out;
  noised(alpha, sigma2, Vector::Constant(1, y), nullptr, &out);
  return out(0);
}

void Law1D::check_noise(double alpha, double sigma2) const {
  require(std::isfinite(alpha) && alpha > 0 && alpha <= 1, type(),
          " law: alpha must be in (0, 1], got ", alpha);
  require(std::isfinite(sigma2) && sigma2 >= 0, type(),
          " law: sigma^2 must be finite and >= 0, got ", sigma2);
}

namespace {

std::vector<double> number_list(const nlohmann::json& spec, const std::string& key,
                                const std::string& where) {
  const Vector v = ju::vector(ju::member(spec, key, where), where + ": " + key);
  return std::vector<double>(v.data(), v.data() + v.size());
}

}  // namespace

std::shared_ptr<const Law1D> make_law1d(const nlohmann::json& spec, const std::string& where) {
  require(spec.is_object(), where, ": a factor spec must be a JSON object");
  const std::string type = ju::string(ju::member(spec, "type", where), where + ": type");
  if (type == "laplace" || type == "logistic") {
    ju::only_keys(spec, {"type", "loc", "scale"}, where);
    const double loc = ju::number_or(spec, "loc", 0.0, where);
    const double scale = ju::number_or(spec, "scale", 1.0, where);
    if (type == "laplace") return std::make_shared<Laplace1D>(loc, scale, where);
    return std::make_shared<Logistic1D>(loc, scale, where);
  }
  if (type == "gaussian") {
    ju::only_keys(spec, {"type", "mean", "std"}, where);
    return std::make_shared<GaussianMixture1D>(GaussianMixture1D::gaussian(
        ju::number_or(spec, "mean", 0.0, where), ju::number_or(spec, "std", 1.0, where), where));
  }
  if (type == "mixture") {
    ju::only_keys(spec, {"type", "weights", "means", "stds"}, where);
    return std::make_shared<GaussianMixture1D>(number_list(spec, "weights", where),
                                               number_list(spec, "means", where),
                                               number_list(spec, "stds", where), where);
  }
  if (type == "grid") {
    ju::only_keys(spec, {"type", "x", "density"}, where);
    return std::make_shared<Grid1D>(number_list(spec, "x", where),
                                    number_list(spec, "density", where), where);
  }
  fail(where, ": unknown factor type '", type,
       "' (valid: laplace, logistic, mixture, gaussian, grid)");
}

}  // namespace difflab
