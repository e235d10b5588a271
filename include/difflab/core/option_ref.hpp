#pragma once
// How library messages name an option. The library knows no face (docs/architecture.md), so a
// message such as "benton24 needs early stopping: pass option 'delta'" names the option by its
// schema key: what an experiment spec and Python call it. The command line shows the flag
// instead ("pass option --delta"): cli/main.cpp rewrites the references whose flag the command
// being run has, and leaves the others (the keys of a spec file, say) as written.
#include <functional>
#include <string>
#include <string_view>

namespace difflab {

// "option 'key'": key is the option's schema name (snake_case), the same in specs and Python.
std::string option_ref(std::string_view key);

// The flag of an option key on the command line: "--" + key with '-' for '_'.
std::string option_flag(std::string_view key);

// Rewrites every "option 'key'" of message (key: letters, digits, '_') whose flag
// (option_flag(key)) is_flag accepts as "option --key-with-dashes"; other text is unchanged.
std::string render_option_refs_as_flags(std::string_view message,
                                        const std::function<bool(const std::string&)>& is_flag);

}  // namespace difflab
