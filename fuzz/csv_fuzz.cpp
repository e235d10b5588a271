// CSV samples reader (core/file_io.hpp: parse_csv_samples). Accepted input must round-trip
// bit for bit through the writer.
#include <cstring>

#include "difflab/core/file_io.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace difflab;
  fuzz::accept_bad_input([&] {
    const Matrix X = parse_csv_samples(fuzz::as_string(data, size), "fuzz.csv");
    const Matrix Y = parse_csv_samples(format_csv_samples(X), "round trip");
    if (X.rows() != Y.rows() || X.cols() != Y.cols() ||
        std::memcmp(X.data(), Y.data(), sizeof(double) * static_cast<std::size_t>(X.size())) != 0)
      fuzz::invariant_failed("CSV round trip changed the samples");
  });
  return 0;
}
