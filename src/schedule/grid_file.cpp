#include "difflab/schedule/grid_file.hpp"

#include <charconv>
#include <cmath>
#include <string_view>
#include <vector>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {

TimeGrid parse_grid_text(const std::string& text, const std::string& name) {
  std::vector<double> times;
  std::size_t pos = 0;
  long line_no = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    const std::size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;  // blank or comment
    const std::size_t last = line.find_last_not_of(" \t\r");
    line = line.substr(first, last - first + 1);
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
    if (ec != std::errc() || ptr != line.data() + line.size())
      fail(name, ": line ", line_no, ": not a number: '", std::string(line), "'");
    if (!std::isfinite(v)) fail(name, ": line ", line_no, ": time is not finite (", v, ")");
    if (v < 0) fail(name, ": line ", line_no, ": time ", v, " is negative");
    if (!times.empty() && !(v < times.back()))
      fail(name, ": line ", line_no, ": time ", v, " is not below the previous time ", times.back(),
           " (times must be strictly decreasing)");
    times.push_back(v);
  }
  require(times.size() >= 2, name, ": a grid needs at least two times (T and delta), got ",
          times.size());
  return TimeGrid(std::move(times), "file");
}

TimeGrid grid_from_file(const std::string& path) { return parse_grid_text(read_text(path), path); }

std::string format_grid_text(const TimeGrid& grid) {
  std::string out;
  char buf[32];
  for (const double t : grid.times()) {
    const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, t);
    (void)ec;
    out.append(buf, ptr);
    out.push_back('\n');
  }
  return out;
}

}  // namespace difflab
