#include "difflab/train/time_embedding.hpp"

#include <algorithm>
#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/rng.hpp"

namespace difflab {

namespace {
void check_input(const std::string& input) {
  require(input == "logsnr" || input == "t", "time embedding: unknown input '", input,
          "' (valid: logsnr, t)");
}
}  // namespace

TimeEmbedding::TimeEmbedding(std::string input, Index features, double scale, std::uint64_t seed)
    : input_(std::move(input)), frequencies_(features) {
  check_input(input_);
  require(features >= 1, "time embedding: need at least 1 frequency, got ", features);
  require(std::isfinite(scale) && scale > 0, "time embedding: scale must be > 0, got ", scale);
  for (Index k = 0; k < features; ++k)
    frequencies_(k) =
        scale * RngStream(seed, RngUse::kPerturbation, static_cast<std::uint64_t>(k), 0).normal();
}

TimeEmbedding::TimeEmbedding(std::string input, Vector frequencies)
    : input_(std::move(input)), frequencies_(std::move(frequencies)) {
  check_input(input_);
  require(frequencies_.size() >= 1 && frequencies_.allFinite(),
          "time embedding: frequencies must be nonempty and finite");
}

double TimeEmbedding::time_input(const ForwardProcess& process, double t) const {
  return input_ == "logsnr" ? std::clamp(process.log_snr(t), -30.0, 30.0) : t;
}

}  // namespace difflab
