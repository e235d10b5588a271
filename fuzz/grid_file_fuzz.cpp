// Time-grid files (schedule/grid_file.hpp). An accepted grid is strictly decreasing, finite and
// non-negative, and round-trips exactly through format_grid_text.
#include <cmath>

#include "difflab/schedule/grid_file.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace difflab;
  fuzz::accept_bad_input([&] {
    const TimeGrid g = parse_grid_text(fuzz::as_string(data, size), "fuzz.grid");
    const auto& t = g.times();
    if (t.size() < 2) difflab::fuzz::invariant_failed("grid with fewer than two times");
    for (std::size_t k = 0; k < t.size(); ++k) {
      if (!std::isfinite(t[k]) || t[k] < 0) fuzz::invariant_failed("grid time not finite/negative");
      if (k > 0 && !(t[k] < t[k - 1])) fuzz::invariant_failed("grid not strictly decreasing");
    }
    if (parse_grid_text(format_grid_text(g), "round trip").times() != t)
      fuzz::invariant_failed("grid round trip changed the times");
  });
  return 0;
}
