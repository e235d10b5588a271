// Results files (experiment/results_table.hpp: parse_results_jsonl), then the CSV the table
// derives from the accepted rows.
#include <set>

#include "difflab/experiment/results_table.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace difflab;
  fuzz::accept_bad_input([&] {
    const ParsedResults parsed = parse_results_jsonl(fuzz::as_string(data, size), "fuzz.jsonl");
    std::set<std::size_t> seen;
    for (const auto& row : parsed.rows)
      if (!seen.insert(row["row"].get<std::size_t>()).second)
        fuzz::invariant_failed("duplicated row accepted");
    format_results_csv(parsed.rows);
  });
  return 0;
}
