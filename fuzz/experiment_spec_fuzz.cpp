// Experiment specs (experiment/experiment_spec.hpp) from JSON text: parsing, then the sweep's
// expansion into runs.
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/experiment_spec.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace difflab;
  fuzz::accept_bad_input([&] {
    const nlohmann::json raw = parse_json(fuzz::as_string(data, size), "fuzz.json");
    const ExperimentSpec spec = parse_experiment_spec(raw, "fuzz.json");
    const auto runs = expand_runs(spec);
    for (std::size_t k = 0; k < runs.size(); ++k)
      if (runs[k].index != k || runs[k].hash != options_hash(runs[k].options))
        fuzz::invariant_failed("expanded run with a wrong index or hash");
  });
  return 0;
}
