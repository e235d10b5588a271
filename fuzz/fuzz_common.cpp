#include "fuzz_common.hpp"

#include <cstdio>
#include <cstdlib>

#include "difflab/core/memory_budget.hpp"
#include "difflab/core/parallel.hpp"

namespace difflab::fuzz {

void invariant_failed(const char* what) {
  std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
  std::abort();
}

}  // namespace difflab::fuzz

// libFuzzer calls this once before the first input. A 256 MiB budget (core/memory_budget.hpp):
// a request the library estimates above it is refused with difflab::Error, well below the
// 1 GiB -malloc_limit_mb of fuzz/run, so an allocation that reaches that limit was never
// estimated: a finding. One thread: the harnesses test parsing, not the parallel loops.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  difflab::set_memory_limit(256ull << 20);
  difflab::set_threads(1);
  return 0;
}
