#include "fuzz_common.hpp"

#include <cstdio>
#include <cstdlib>

namespace difflab::fuzz {

void invariant_failed(const char* what) {
  std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
  std::abort();
}

}  // namespace difflab::fuzz
