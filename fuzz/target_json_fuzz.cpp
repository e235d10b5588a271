// Target specs (target/target.hpp: make_target) from JSON text (core/file_io.hpp: parse_json).
// An accepted small target must also evaluate: its summary, and the noised log-density and
// score at two points, all finite.
#include "difflab/core/file_io.hpp"
#include "difflab/target/target.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace difflab;
  fuzz::accept_bad_input([&] {
    const nlohmann::json spec = parse_json(fuzz::as_string(data, size), "fuzz.json");
    const auto target = make_target(spec, "fuzz.json");
    const Index d = target->dim();
    if (d < 1) fuzz::invariant_failed("target of dimension < 1");
    if (d > 64) return;  // evaluation cost grows with d; parsing was the point
    target->summary();
    Matrix X = Matrix::Zero(d, 2);
    X.col(1).setConstant(0.5);
    Vector logq(2);
    Matrix score(d, 2);
    target->noised_log_density(0.8, 0.36, X, logq);
    target->noised_score(0.8, 0.36, X, score);
    if (!logq.allFinite() || !score.allFinite())
      fuzz::invariant_failed("accepted target gives a non-finite density or score");
  });
  return 0;
}
