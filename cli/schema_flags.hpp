#pragma once
// The CLI face of an options schema (core/option_schema.hpp): one flag per field, `--name` with
// '_' written '-', bound to the field of `options`, with the field's help and its default. The
// values are range- and choice-checked by the library (OptionSchema::validate) when the options
// are used, so the CLI and the other faces share one set of checks and messages.
#include <CLI/CLI.hpp>
#include <string>
#include <variant>
#include <vector>

#include "difflab/core/option_schema.hpp"

namespace difflab::cli {

template <class Options>
void add_schema_flags(CLI::App* app, const OptionSchema<Options>& schema, Options& options,
                      const std::vector<std::string>& skip = {}) {
  for (const auto& field : schema.fields()) {
    bool skipped = false;
    for (const auto& s : skip) skipped = skipped || s == field.info.name;
    if (skipped) continue;
    const std::string flag = "--" + field.info.flag_name();
    std::string help = field.info.help;
    const auto choices = field.info.valid_choices();
    if (!choices.empty() && field.info.dynamic_choices == nullptr) {
      std::string c;
      for (const auto& x : choices) c += (c.empty() ? "" : ", ") + x;
      help += " (" + c + ")";
    }
    std::visit(
        [&](auto* p) {
          using P = std::remove_pointer_t<decltype(p)>;
          if constexpr (std::is_same_v<P, bool>) {
            app->add_flag(flag, *p, help);
          } else if constexpr (std::is_same_v<P, std::vector<double>>) {
            app->add_option(flag, *p, help + " (comma-separated)")->delimiter(',');
          } else {
            app->add_option(flag, *p, help)->capture_default_str();
          }
        },
        field.ref(options));
  }
}

// The names of the fields whose flags were given on the command line (after parsing).
template <class Options>
std::vector<std::string> given_schema_fields(const CLI::App* app,
                                             const OptionSchema<Options>& schema) {
  std::vector<std::string> given;
  for (const auto& field : schema.fields()) {
    const CLI::Option* opt = app->get_option_no_throw("--" + field.info.flag_name());
    if (opt != nullptr && opt->count() > 0) given.push_back(field.info.name);
  }
  return given;
}

}  // namespace difflab::cli
