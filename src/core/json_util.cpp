#include "difflab/core/json_util.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

#include "difflab/core/error.hpp"

namespace difflab::json_util {

const nlohmann::json& member(const nlohmann::json& obj, const std::string& key,
                             const std::string& where) {
  require(obj.is_object(), where, ": expected a JSON object");
  const auto it = obj.find(key);
  require(it != obj.end(), where, ": missing \"", key, "\"");
  return *it;
}

double number(const nlohmann::json& value, const std::string& where) {
  require(value.is_number(), where, ": expected a number, got ", value.dump());
  const double v = value.get<double>();
  require(std::isfinite(v), where, ": value is not finite");
  return v;
}

double number_or(const nlohmann::json& obj, const std::string& key, double fallback,
                 const std::string& where) {
  if (!obj.contains(key)) return fallback;
  return number(obj[key], where + ": " + key);
}

Index integer(const nlohmann::json& value, const std::string& where) {
  require(value.is_number_integer(), where, ": expected an integer, got ", value.dump());
  // An unsigned value above INT64_MAX would wrap to a negative Index.
  require(!value.is_number_unsigned() ||
              value.get<std::uint64_t>() <=
                  static_cast<std::uint64_t>(std::numeric_limits<Index>::max()),
          where, ": integer ", value.dump(), " is too large");
  return value.get<Index>();
}

std::string string(const nlohmann::json& value, const std::string& where) {
  require(value.is_string(), where, ": expected a string, got ", value.dump());
  return value.get<std::string>();
}

Vector vector(const nlohmann::json& value, const std::string& where) {
  require(value.is_array(), where, ": expected an array of numbers");
  Vector v(static_cast<Index>(value.size()));
  for (std::size_t i = 0; i < value.size(); ++i)
    v(static_cast<Index>(i)) = number(value[i], where + ": entry " + std::to_string(i));
  return v;
}

Matrix matrix(const nlohmann::json& value, const std::string& where) {
  require(value.is_array() && !value.empty(), where, ": expected a non-empty array of rows");
  const std::size_t rows = value.size();
  require(value[0].is_array(), where, ": row 0 is not an array");
  const std::size_t cols = value[0].size();
  Matrix m(static_cast<Index>(rows), static_cast<Index>(cols));
  for (std::size_t i = 0; i < rows; ++i) {
    const std::string w = where + ": row " + std::to_string(i);
    require(value[i].is_array(), w, ": not an array");
    require(value[i].size() == cols, w, ": has ", value[i].size(), " entries but row 0 has ", cols);
    for (std::size_t k = 0; k < cols; ++k)
      m(static_cast<Index>(i), static_cast<Index>(k)) =
          number(value[i][k], w + ": entry " + std::to_string(k));
  }
  return m;
}

void only_keys(const nlohmann::json& obj, const std::set<std::string>& allowed,
               const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (!allowed.count(it.key())) {
      std::string valid;
      for (const auto& k : allowed) valid += (valid.empty() ? "" : ", ") + k;
      fail(where, ": unknown key \"", it.key(), "\" (valid: ", valid, ")");
    }
  }
}

void put_extended(nlohmann::json& obj, const std::string& key, double value) {
  const std::string reason_key = key + kReasonSuffix;
  if (std::isfinite(value)) {
    obj[key] = value;
    obj.erase(reason_key);
    return;
  }
  obj[key] = nullptr;
  obj[reason_key] = std::isnan(value) ? "not a number" : value > 0 ? "infinite" : "-infinite";
}

double get_extended(const nlohmann::json& obj, const std::string& key, const std::string& where) {
  const nlohmann::json& v = member(obj, key, where);
  if (!v.is_null()) return number(v, where + ": " + key);
  const auto r = obj.find(key + kReasonSuffix);
  if (r != obj.end() && r->is_string()) {
    const std::string reason = r->get<std::string>();
    if (reason == "infinite") return std::numeric_limits<double>::infinity();
    if (reason == "-infinite") return -std::numeric_limits<double>::infinity();
    if (reason == "not a number") return std::numeric_limits<double>::quiet_NaN();
  }
  fail(where, ": ", key, " is null without a '", key, kReasonSuffix,
       "' of \"infinite\", \"-infinite\" or \"not a number\"");
}

nlohmann::json to_json(const Vector& v) {
  return std::vector<double>(v.data(), v.data() + v.size());
}

nlohmann::json to_json(const Matrix& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Index i = 0; i < m.rows(); ++i) {
    std::vector<double> r(static_cast<std::size_t>(m.cols()));
    for (Index k = 0; k < m.cols(); ++k) r[static_cast<std::size_t>(k)] = m(i, k);
    rows.push_back(r);
  }
  return rows;
}

}  // namespace difflab::json_util
