#include "difflab/bounds/bound_result.hpp"

#include <cmath>
#include <cstdio>

namespace difflab {

namespace {

nlohmann::json number(double x) { return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(); }

nlohmann::json numbers(const std::map<std::string, double>& m) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : m) out[name] = number(value);
  return out;
}

}  // namespace

bool BoundResult::assumptions_hold() const {
  for (const auto& [name, holds] : assumptions) {
    (void)name;
    if (!holds) return false;
  }
  return true;
}

bool BoundResult::certified() const {
  return quantity == "error_bound" && kind == "published_bound" && assumptions_hold() &&
         constant_is_explicit && statement_verified && std::isfinite(value);
}

bool BoundResult::vacuous() const {
  if (quantity != "error_bound") return false;
  if (!std::isfinite(value)) return true;
  return metric == "TV" && value >= 1;
}

nlohmann::json BoundResult::to_json() const {
  nlohmann::json a = nlohmann::json::object();
  for (const auto& [name, holds] : assumptions) a[name] = holds;
  return {{"paper", paper},
          {"reference", reference},
          {"quantity", quantity},
          {"metric", metric},
          {"direction", direction},
          {"value", number(value)},
          {"terms", numbers(terms)},
          {"constant", number(constant)},
          {"constant_is_explicit", constant_is_explicit},
          {"constants", numbers(constants)},
          {"assumptions", a},
          {"assumptions_hold", assumptions_hold()},
          {"kappa", kappa ? number(*kappa) : nlohmann::json()},
          {"grid", grid ? grid->to_json() : nlohmann::json()},
          {"details", numbers(details)},
          {"notes", notes},
          {"kind", kind},
          {"samplers", samplers},
          {"statement_verified", statement_verified},
          {"certified", certified()},
          {"vacuous", vacuous()}};
}

std::string format_number(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

bool certifies(const BoundResult& result, double accuracy) {
  return result.quantity == "error_bound" && result.assumptions_hold() &&
         std::isfinite(result.value) && result.value <= accuracy;
}

}  // namespace difflab
