#include "difflab/core/option_schema.hpp"

#include <cmath>
#include <sstream>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

std::string number_text(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  std::ostringstream os;
  os.precision(17);
  os << x;
  return os.str();
}

const char* type_name(FieldType t) {
  switch (t) {
    case FieldType::kBool:
      return "boolean";
    case FieldType::kInteger:
      return "integer";
    case FieldType::kNumber:
      return "number";
    case FieldType::kString:
      return "string";
    case FieldType::kNumberList:
      return "list of numbers";
  }
  return "?";
}

bool in_range(const FieldInfo& f, double v) {
  return (f.lo_open ? v > f.lo : v >= f.lo) && v <= f.hi;
}

[[noreturn]] void bad(const FieldInfo& f, const std::string& where, const nlohmann::json& v) {
  std::string shown = v.dump();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  fail(where, ": '", f.name, "' must be ", f.expectation(), ", got ", shown);
}

}  // namespace

std::string FieldInfo::flag_name() const {
  if (!flag.empty()) return flag;
  std::string s = name;
  for (char& c : s)
    if (c == '_') c = '-';
  return s;
}

std::vector<std::string> FieldInfo::valid_choices() const {
  return dynamic_choices ? dynamic_choices() : choices;
}

std::string FieldInfo::expectation() const {
  switch (type) {
    case FieldType::kBool:
      return "true or false";
    case FieldType::kString: {
      const auto c = valid_choices();
      return c.empty() ? "a string" : "one of: " + comma_list(c);
    }
    case FieldType::kInteger:
    case FieldType::kNumber:
    case FieldType::kNumberList: {
      std::string s = type == FieldType::kInteger  ? "an integer"
                      : type == FieldType::kNumber ? "a finite number"
                                                   : "a list of finite numbers";
      if (std::isinf(lo) && std::isinf(hi)) return s;
      if (std::isinf(hi)) return s + (lo_open ? " > " : " >= ") + number_text(lo);
      return s + " in " + (lo_open ? "(" : "[") + number_text(lo) + ", " + number_text(hi) + "]";
    }
  }
  return "?";
}

nlohmann::json FieldInfo::describe() const {
  nlohmann::json j{
      {"name", name}, {"flag", "--" + flag_name()}, {"type", type_name(type)}, {"help", help}};
  if (type == FieldType::kInteger || type == FieldType::kNumber || type == FieldType::kNumberList) {
    j["range"] = expectation();
  }
  const auto c = valid_choices();
  if (!c.empty()) j["choices"] = c;
  return j;
}

[[noreturn]] void option_schema_unknown_key(const std::string& key, const std::string& where,
                                            const std::vector<std::string>& valid) {
  if (key == "(not an object)") fail(where, ": options must be a JSON object");
  fail(where, ": unknown option '", key, "' (valid: ", comma_list(valid), ")");
}

namespace option_schema_detail {

void read_value(const FieldInfo& f, const nlohmann::json& v, const FieldRef& ref,
                const std::string& where) {
  switch (f.type) {
    case FieldType::kBool:
      if (!v.is_boolean()) bad(f, where, v);
      *std::get<bool*>(ref) = v.get<bool>();
      return;
    case FieldType::kString: {
      if (!v.is_string()) bad(f, where, v);
      const std::string s = v.get<std::string>();
      const auto c = f.valid_choices();
      bool ok = c.empty();
      for (const auto& x : c) ok = ok || x == s;
      if (!ok) bad(f, where, v);
      *std::get<std::string*>(ref) = s;
      return;
    }
    case FieldType::kNumberList: {
      if (!v.is_array()) bad(f, where, v);
      std::vector<double> out;
      for (const auto& x : v) {
        if (!x.is_number() || !std::isfinite(x.get<double>()) || !in_range(f, x.get<double>()))
          bad(f, where, v);
        out.push_back(x.get<double>());
      }
      *std::get<std::vector<double>*>(ref) = std::move(out);
      return;
    }
    case FieldType::kNumber: {
      if (!v.is_number()) bad(f, where, v);
      const double x = v.get<double>();
      if (!std::isfinite(x) || !in_range(f, x)) bad(f, where, v);
      *std::get<double*>(ref) = x;
      return;
    }
    case FieldType::kInteger: {
      // The range is checked on the JSON value before any narrowing, so 4294967306 or 1e12 is
      // refused instead of wrapping into an int. An integral float (1e6) is accepted.
      double x = 0;
      if (v.is_number_integer() || v.is_number_unsigned()) {
        x = v.get<double>();
      } else if (v.is_number_float() && std::isfinite(v.get<double>()) &&
                 std::floor(v.get<double>()) == v.get<double>()) {
        x = v.get<double>();
      } else {
        bad(f, where, v);
      }
      if (!in_range(f, x)) bad(f, where, v);
      std::visit(
          [&](auto* p) {
            using P = std::remove_pointer_t<decltype(p)>;
            if constexpr (std::is_integral_v<P> && !std::is_same_v<P, bool>) {
              // Exact conversion: the JSON integer itself where there is one, else the
              // integral double; out of the member's range is refused, never wrapped.
              if (v.is_number_unsigned()) {
                const auto u = v.get<std::uint64_t>();
                if (u > static_cast<std::uint64_t>(std::numeric_limits<P>::max())) bad(f, where, v);
                *p = static_cast<P>(u);
              } else if (v.is_number_integer()) {
                const auto i = v.get<std::int64_t>();
                if constexpr (std::is_unsigned_v<P>) {
                  if (i < 0) bad(f, where, v);
                } else {
                  if (i < static_cast<std::int64_t>(std::numeric_limits<P>::min()) ||
                      i > static_cast<std::int64_t>(std::numeric_limits<P>::max()))
                    bad(f, where, v);
                }
                *p = static_cast<P>(i);
              } else {
                // An integral double: |x| <= 2^63 is checked against the member's range first.
                if (x < static_cast<double>(std::numeric_limits<P>::min()) ||
                    x >= std::ldexp(1.0, std::numeric_limits<P>::digits))
                  bad(f, where, v);
                *p = static_cast<P>(x);
              }
            } else {
              fail(where, ": '", f.name, "': integer field bound to a non-integer member");
            }
          },
          ref);
      return;
    }
  }
}

nlohmann::json write_value(const FieldRef& ref) {
  return std::visit([](auto* p) { return nlohmann::json(*p); }, ref);
}

void check_value(const FieldInfo& f, const FieldRef& ref, const std::string& where) {
  read_value(f, write_value(ref), ref, where);
}

}  // namespace option_schema_detail

}  // namespace difflab
