#pragma once
// One description per options struct: a field table (name, type, default, range, choices, help)
// from which the faces take everything (docs/architecture.md, "One schema per options struct"):
//
//   - the CLI flags (`--name` with '_' written '-', cli/schema_flags.hpp),
//   - the experiment-spec keys and the Python keyword arguments (both arrive as JSON objects and
//     go through OptionSchema::read),
//   - the JSON echo in summaries and result rows (OptionSchema::write),
//   - validation (OptionSchema::validate: ranges, choices, integer overflow).
//
// Adding an option is one line in the struct's schema; every face then accepts it.
//
//   struct GridOptions { int steps = 200; double T = 6; };
//   const OptionSchema<GridOptions>& grid_schema() {
//     static const OptionSchema<GridOptions> s = OptionSchema<GridOptions>()
//         .integer("steps", &GridOptions::steps, 1, 10'000'000, "number of steps N")
//         .number("T", &GridOptions::T, 0, inf, "horizon T", Bounds::kOpenLow);
//     return s;
//   }
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

namespace difflab {

enum class FieldType { kBool, kInteger, kNumber, kString, kNumberList };

// A reference to one field of one options value.
using FieldRef = std::variant<bool*, int*, std::int64_t*, std::uint64_t*, double*, std::string*,
                              std::vector<double>*>;

// What a field is, independent of the struct it lives in.
struct FieldInfo {
  std::string name;  // snake_case: the spec key and the Python keyword
  std::string help;
  FieldType type = FieldType::kNumber;
  double lo = -std::numeric_limits<double>::infinity();  // inclusive range (numbers, integers)
  double hi = std::numeric_limits<double>::infinity();
  bool lo_open = false;              // lo excluded (e.g. T > 0)
  std::vector<std::string> choices;  // strings: the valid values (empty = free text)
  std::function<std::vector<std::string>()> dynamic_choices;  // choices from a registry
  std::string flag;  // CLI flag without dashes (default: name with '-')

  std::string flag_name() const;
  std::vector<std::string> valid_choices() const;
  // "an integer in [1, 10000000]", "one of: ei, em, ...": for messages and help.
  std::string expectation() const;
  // The field's schema entry as JSON (name, type, range, choices, help; no value).
  nlohmann::json describe() const;
};

namespace option_schema_detail {
// Reads `value` into `ref` after checking its JSON type, integrality and range; throws
// difflab::Error naming `where` and the key.
void read_value(const FieldInfo& field, const nlohmann::json& value, const FieldRef& ref,
                const std::string& where);
// The field's current value as JSON.
nlohmann::json write_value(const FieldRef& ref);
// Range and choice checks of a value already in the struct (set by the CLI or by code).
void check_value(const FieldInfo& field, const FieldRef& ref, const std::string& where);
}  // namespace option_schema_detail

template <class Options>
class OptionSchema {
 public:
  struct Field {
    FieldInfo info;
    std::function<FieldRef(Options&)> ref;
  };

  // --- building the table ------------------------------------------------------------------
  OptionSchema& flag(const std::string& name, bool Options::*m, const std::string& help) {
    return add(info(name, help, FieldType::kBool), m);
  }
  template <class Int>
  OptionSchema& integer(const std::string& name, Int Options::*m, double lo, double hi,
                        const std::string& help) {
    FieldInfo f = info(name, help, FieldType::kInteger);
    f.lo = lo;
    f.hi = hi;
    return add(std::move(f), m);
  }
  OptionSchema& number(const std::string& name, double Options::*m, double lo, double hi,
                       const std::string& help, bool lo_open = false) {
    FieldInfo f = info(name, help, FieldType::kNumber);
    f.lo = lo;
    f.hi = hi;
    f.lo_open = lo_open;
    return add(std::move(f), m);
  }
  OptionSchema& text(const std::string& name, std::string Options::*m, const std::string& help,
                     std::vector<std::string> choices = {}) {
    FieldInfo f = info(name, help, FieldType::kString);
    f.choices = std::move(choices);
    return add(std::move(f), m);
  }
  // A string whose valid values come from a registry at the time of the check.
  OptionSchema& choice(const std::string& name, std::string Options::*m, const std::string& help,
                       std::function<std::vector<std::string>()> choices) {
    FieldInfo f = info(name, help, FieldType::kString);
    f.dynamic_choices = std::move(choices);
    return add(std::move(f), m);
  }
  // A list of numbers, each in the range (lo excluded when lo_open).
  OptionSchema& numbers(const std::string& name, std::vector<double> Options::*m,
                        const std::string& help,
                        double lo = -std::numeric_limits<double>::infinity(),
                        double hi = std::numeric_limits<double>::infinity(), bool lo_open = false) {
    FieldInfo f = info(name, help, FieldType::kNumberList);
    f.lo = lo;
    f.hi = hi;
    f.lo_open = lo_open;
    return add(std::move(f), m);
  }
  // The CLI flag of the last field added, when it is not the name with '-' (e.g. "T").
  OptionSchema& with_flag(const std::string& flag) {
    fields_.back().info.flag = flag;
    return *this;
  }
  // Every field of an inner struct's schema, reached through `member`.
  template <class Inner>
  OptionSchema& nest(Inner Options::*member, const OptionSchema<Inner>& inner) {
    for (const auto& f : inner.fields())
      fields_.push_back({f.info, [member, ref = f.ref](Options& o) { return ref(o.*member); }});
    return *this;
  }

  // --- using it ----------------------------------------------------------------------------
  const std::vector<Field>& fields() const { return fields_; }
  const Field* find(const std::string& name) const {
    for (const auto& f : fields_)
      if (f.info.name == name) return &f;
    return nullptr;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& f : fields_) out.push_back(f.info.name);
    return out;
  }
  // Sets the fields named in `j` (a JSON object); keys not in the schema are an error unless
  // `ignore` lists them. Every value is type-, range- and choice-checked as read.
  void read(const nlohmann::json& j, Options& o, const std::string& where,
            const std::vector<std::string>& ignore = {}) const;
  // Every field's value, in table order.
  nlohmann::json write(const Options& o) const;
  // Range and choice checks of every field (values set by the CLI or by code).
  void validate(const Options& o, const std::string& where) const;
  // The table itself (for docs, `--list-options` and Python's help()).
  nlohmann::json describe(const Options& defaults = Options()) const;

 private:
  static FieldInfo info(const std::string& name, const std::string& help, FieldType type) {
    FieldInfo f;
    f.name = name;
    f.help = help;
    f.type = type;
    return f;
  }
  template <class T>
  OptionSchema& add(FieldInfo info, T Options::*m) {
    fields_.push_back({std::move(info), [m](Options& o) { return FieldRef(&(o.*m)); }});
    return *this;
  }
  std::vector<Field> fields_;
};

// An unknown key: an error naming the valid keys.
[[noreturn]] void option_schema_unknown_key(const std::string& key, const std::string& where,
                                            const std::vector<std::string>& valid);

template <class Options>
void OptionSchema<Options>::read(const nlohmann::json& j, Options& o, const std::string& where,
                                 const std::vector<std::string>& ignore) const {
  if (!j.is_object()) option_schema_unknown_key("(not an object)", where, names());
  for (const auto& [key, value] : j.items()) {
    const Field* f = find(key);
    if (f == nullptr) {
      bool skip = false;
      for (const auto& k : ignore) skip = skip || k == key;
      if (!skip) option_schema_unknown_key(key, where, names());
      continue;
    }
    option_schema_detail::read_value(f->info, value, f->ref(o), where);
  }
}

template <class Options>
nlohmann::json OptionSchema<Options>::write(const Options& o) const {
  nlohmann::json j = nlohmann::json::object();
  auto& mutable_o = const_cast<Options&>(o);  // FieldRef is non-const; nothing is written
  for (const auto& f : fields_)
    j[f.info.name] = option_schema_detail::write_value(f.ref(mutable_o));
  return j;
}

template <class Options>
void OptionSchema<Options>::validate(const Options& o, const std::string& where) const {
  auto& mutable_o = const_cast<Options&>(o);  // read only
  for (const auto& f : fields_) option_schema_detail::check_value(f.info, f.ref(mutable_o), where);
}

template <class Options>
nlohmann::json OptionSchema<Options>::describe(const Options& defaults) const {
  nlohmann::json out = nlohmann::json::array();
  auto copy = defaults;
  for (const auto& f : fields_) {
    nlohmann::json d = f.info.describe();
    d["default"] = option_schema_detail::write_value(f.ref(copy));
    out.push_back(d);
  }
  return out;
}

}  // namespace difflab
