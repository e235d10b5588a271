#include "difflab/core/parallel.hpp"

#include <omp.h>

#include <algorithm>
#include <exception>

#include "difflab/core/error.hpp"

namespace difflab {

int set_threads(int threads) {
  require(threads >= 0 && threads <= kMaxThreads, "threads must be in [0, ", kMaxThreads,
          "] (0 = all cores), got ", threads);
  if (threads == 0) threads = omp_get_num_procs();
  omp_set_num_threads(threads);
  return threads;
}

int thread_count() { return omp_get_max_threads(); }

void parallel_blocks(Index n, Index block, const std::function<void(Index, Index)>& fn) {
  if (n <= 0) return;
  block = std::max<Index>(1, block);
  const Index blocks = (n + block - 1) / block;
  if (blocks == 1 || thread_count() == 1) {
    for (Index b = 0; b < blocks; ++b) fn(b * block, std::min(block, n - b * block));
    return;
  }
  // Exceptions cannot cross an OpenMP region: keep the first and rethrow after it.
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1)
  for (Index b = 0; b < blocks; ++b) {
    try {
      fn(b * block, std::min(block, n - b * block));
    } catch (...) {
#pragma omp critical(difflab_parallel_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace difflab
