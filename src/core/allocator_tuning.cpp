#include "difflab/core/allocator_tuning.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace difflab {

bool tune_allocator_for_large_temporaries() {
#if defined(__GLIBC__)
  // Blocks up to 1 GiB come from the heap, and up to 2 GiB of free heap top is kept (mallopt
  // takes an int, so 2^31 - 1 is the largest trim threshold it accepts).
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, 1 << 30) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, 0x7fffffff) == 1;
  return mmap_ok && trim_ok;
#else
  return false;
#endif
}

}  // namespace difflab
