#include "difflab/pipeline/bound_quantities.hpp"

#include <cmath>
#include <limits>

#include "difflab/core/error.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/grids.hpp"

namespace difflab {

namespace {

constexpr double kQuantityInf = std::numeric_limits<double>::infinity();

double number(const nlohmann::json& v, const std::string& key, const std::string& where) {
  require(v.is_number() && std::isfinite(v.get<double>()), where, ": '", key,
          "' must be a finite number, got ", v.dump());
  return v.get<double>();
}

std::int64_t integer(const nlohmann::json& v, const std::string& key, const std::string& where,
                     std::int64_t hi) {
  require(v.is_number_integer() && v.get<std::int64_t>() >= 1 && v.get<std::int64_t>() <= hi, where,
          ": '", key, "' must be an integer in [1, ", hi, "], got ", v.dump());
  return v.get<std::int64_t>();
}

Vector numbers(const nlohmann::json& v, const std::string& key, const std::string& where) {
  require(v.is_array() && !v.empty(), where, ": '", key, "' must be a non-empty list of numbers");
  Vector out(static_cast<Index>(v.size()));
  for (std::size_t i = 0; i < v.size(); ++i) out(static_cast<Index>(i)) = number(v[i], key, where);
  return out;
}

}  // namespace

BoundInputs bound_quantities_from_json(const nlohmann::json& j, const std::string& where) {
  require(j.is_object(), where, ": quantities must be an object");
  BoundInputs in;
  std::string grid, grid_file;
  for (const auto& [key, v] : j.items()) {
    if (key == "d") {
      in.d = integer(v, key, where, std::int64_t{1} << 40);
    } else if (key == "T") {
      in.T = number(v, key, where);
    } else if (key == "delta") {
      in.delta = number(v, key, where);
    } else if (key == "steps") {
      in.steps = static_cast<int>(integer(v, key, where, 100000000));
    } else if (key == "grid" || key == "grid_file") {
      require(v.is_string(), where, ": '", key, "' must be a string");
      (key == "grid" ? grid : grid_file) = v.get<std::string>();
    } else if (key == "L") {
      in.L = number(v, key, where);
    } else if (key == "m2") {
      in.m2 = number(v, key, where);
    } else if (key == "kl") {
      in.kl_to_normal = number(v, key, where);
    } else if (key == "eps_score") {
      in.eps_score = number(v, key, where);
    } else if (key == "strong_log_concavity") {
      in.strong_log_concavity = number(v, key, where);
    } else if (key == "fisher") {
      in.fisher_information = number(v, key, where);
    } else if (key == "data_mean") {
      in.data_mean = numbers(v, key, where);
    } else if (key == "cov_eigenvalues") {
      in.cov_eigenvalues = numbers(v, key, where);
    } else if (key == "accuracy") {
      in.accuracy = number(v, key, where);
    } else if (key == "identity_covariance" || key == "denoise") {
      require(v.is_boolean(), where, ": '", key, "' must be true or false");
      if (key == "denoise") {
        in.noise_on_last_step = !v.get<bool>();
      } else {
        in.identity_covariance = v.get<bool>();
      }
    } else if (key == "mu") {
      in.mu = numbers(v, key, where);
    } else if (key == "theta_hat") {
      in.theta_hat = numbers(v, key, where);
    } else if (key == "sampler") {
      require(v == "em" || v == "ei", where, ": 'sampler': only em and ei (bruno-example) are ",
              "used by the bounds, got ", v.dump());
      in.sampler = v.get<std::string>();
    } else if (key == "constants") {
      require(v.is_object(), where, ": 'constants' must be an object NAME -> value");
      for (const auto& [name, c] : v.items()) {
        const double x = number(c, "constants." + name, where);
        require(x > 0, where, ": constant ", name, " must be > 0, got ", x);
        in.constants[name] = x;
      }
    } else {
      fail(where, ": unknown quantity '", key,
           "' (valid: d, T, delta, steps, grid, grid_file, L, m2, kl, eps_score, "
           "strong_log_concavity, fisher, data_mean, cov_eigenvalues, identity_covariance, "
           "accuracy, mu, theta_hat, sampler, "
           "denoise, constants)");
    }
  }
  in.validate();
  if (!grid.empty()) {
    require(grid == "file" || (in.T && in.steps), where, ": grid ", grid,
            " needs T and steps (and delta)");
    require(grid == "file" || grid_file.empty(), where, ": grid_file is only used with grid file");
    const TimeGrid g = make_grid(grid, *make_process("ou"), in.T.value_or(1), in.delta,
                                 in.steps.value_or(1), grid_file);
    in.grid = g;
    in.T = g.T();
    in.delta = g.delta();
    in.steps = static_cast<int>(g.steps());
  }
  return in;
}

const OptionSchema<BoundQuantityOptions>& bound_quantity_schema() {
  using Q = BoundQuantityOptions;
  static const OptionSchema<Q> schema =
      OptionSchema<Q>()
          .integer("d", &Q::d, 0, 1e9, "Dimension d (measured mode: the target's)")
          .number("L", &Q::L, -kQuantityInf, kQuantityInf,
                  "Lipschitz constant of the score, sup_t Lip(grad log q_t)")
          .number("m2", &Q::m2, -kQuantityInf, kQuantityInf,
                  "Root second moment sqrt(E|X|^2) of the data")
          .number("kl", &Q::kl, -kQuantityInf, kQuantityInf, "KL(q || N(0, I)) of the data")
          .number("eps_score", &Q::eps_score, -kQuantityInf, kQuantityInf,
                  "L2 score error eps (not squared); default 0 = exact score in calculator mode, "
                  "derived from the score model in measured mode")
          .flag("identity_covariance", &Q::identity_covariance,
                "Declare Cov(q) = I (Benton et al. Assumption 2)")
          .number("strong_log_concavity", &Q::strong_log_concavity, -kQuantityInf, kQuantityInf,
                  "alpha with -Hess log q >= alpha I")
          .number("fisher", &Q::fisher, -kQuantityInf, kQuantityInf,
                  "Relative Fisher information I(q | N(0, I)) = E|grad log q + x|^2 (conforti23)")
          .numbers("data_mean", &Q::data_mean, "strasman24: mean of Gaussian data N(m, Sigma)")
          .numbers("cov_eigenvalues", &Q::cov_eigenvalues,
                   "strasman24: eigenvalues of the Gaussian data's covariance")
          .number("accuracy", &Q::accuracy, -kQuantityInf, kQuantityInf,
                  "Target accuracy for the step-count calculators (chen-lee-lu23, pf-ode-*)")
          .numbers("mu", &Q::mu, "bruno-example: data mean")
          .numbers("theta_hat", &Q::theta_hat,
                   "bruno-example: trained theta of s = -x + e^{-t} theta");
  return schema;
}

nlohmann::json bound_quantities_given(const BoundQuantityOptions& q,
                                      const std::vector<std::string>& given) {
  const nlohmann::json all = bound_quantity_schema().write(q);
  nlohmann::json j = nlohmann::json::object();
  for (const auto& name : given)
    if (all.contains(name)) j[name] = all[name];
  return j;
}

nlohmann::json bound_constants_from_assignments(const std::vector<std::string>& assignments) {
  const auto trim = [](const std::string& s) {
    const auto a = s.find_first_not_of(" \t");
    return a == std::string::npos ? std::string() : s.substr(a, s.find_last_not_of(" \t") - a + 1);
  };
  nlohmann::json constants = nlohmann::json::object();
  for (const auto& c : assignments) {
    const auto eq = c.find('=');
    require(eq != std::string::npos && eq > 0, "constant: '", c, "' is not NAME=VALUE");
    const std::string name = trim(c.substr(0, eq)), text = trim(c.substr(eq + 1));
    require(!name.empty(), "constant: '", c, "' has an empty name");
    require(!constants.contains(name), "constant: ", name, " given twice");
    double v = 0;
    std::size_t used = 0;
    try {
      v = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    require(used == text.size() && used > 0 && std::isfinite(v), "constant ", name, ": '", text,
            "' is not a finite number");
    constants[name] = v;
  }
  return constants;
}

}  // namespace difflab
