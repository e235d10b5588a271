// Training checkpoints (train/checkpoint.hpp): decoding, then building the score model the
// checkpoint describes. The harness rewrites the trailing checksum to match the fuzzed bytes,
// so mutations reach the structure behind it instead of stopping at "checksum mismatch".
#include <cstring>

#include "difflab/train/checkpoint.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace difflab;
  std::string bytes = fuzz::as_string(data, size);
  if (bytes.size() >= 28) {
    const std::size_t body = bytes.size() - sizeof(std::uint64_t);
    const std::uint64_t hash = fnv1a64(bytes.data(), body);
    std::memcpy(bytes.data() + body, &hash, sizeof hash);
  }
  fuzz::accept_bad_input([&] {
    const Checkpoint c = decode_checkpoint(bytes, "fuzz.dlm");
    mlp_score_from_checkpoint(c, "fuzz.dlm");
  });
  return 0;
}
