#pragma once
// A user-supplied time grid read from a text file.
//
// Format: one forward time per line, strictly decreasing, the first line is T and the last is
// delta (which may be 0). Leading/trailing spaces, tabs and a trailing '\r' are ignored.
// Blank lines and lines whose first non-blank character is '#' (comments) are skipped.
// Errors name the file and the line: a value that is not a number, not finite (nan, inf),
// negative, or not below the previous time; fewer than two times.
#include <string>

#include "difflab/schedule/time_grid.hpp"

namespace difflab {

// Reads the grid from `path` (errors name the path).
TimeGrid grid_from_file(const std::string& path);
// Same, from the file's text; `name` is used in error messages.
TimeGrid parse_grid_text(const std::string& text, const std::string& name);
// One time per line in the shortest form that reads back exactly (so grids round-trip).
std::string format_grid_text(const TimeGrid& grid);

}  // namespace difflab
