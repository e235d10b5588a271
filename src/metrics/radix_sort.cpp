#include "difflab/metrics/radix_sort.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

namespace difflab {

namespace {
// Maps a double's bits to an unsigned key with the same order: flip all bits of negatives,
// only the sign bit of non-negatives.
std::uint64_t to_key(double v) {
  std::uint64_t u;
  std::memcpy(&u, &v, sizeof u);
  return (u >> 63) ? ~u : (u | (std::uint64_t{1} << 63));
}
double from_key(std::uint64_t k) {
  const std::uint64_t u = (k >> 63) ? (k & ~(std::uint64_t{1} << 63)) : ~k;
  double v;
  std::memcpy(&v, &u, sizeof v);
  return v;
}
}  // namespace

void radix_sort(std::vector<double>& values, std::vector<std::uint64_t>& scratch) {
  const std::size_t n = values.size();
  if (n < 2) return;
  constexpr int kBits = 16;
  constexpr std::size_t kBuckets = std::size_t{1} << kBits;
  std::vector<std::uint64_t> keys(n);
  scratch.resize(n);
  for (std::size_t i = 0; i < n; ++i) keys[i] = to_key(values[i]);
  std::vector<std::size_t> count(kBuckets);
  std::uint64_t* src = keys.data();
  std::uint64_t* dst = scratch.data();
  for (int shift = 0; shift < 64; shift += kBits) {
    std::fill(count.begin(), count.end(), 0);
    for (std::size_t i = 0; i < n; ++i) ++count[(src[i] >> shift) & (kBuckets - 1)];
    if (count[(src[0] >> shift) & (kBuckets - 1)] == n) continue;  // one bucket: nothing moves
    std::size_t sum = 0;
    for (std::size_t& c : count) {
      const std::size_t t = c;
      c = sum;
      sum += t;
    }
    for (std::size_t i = 0; i < n; ++i) dst[count[(src[i] >> shift) & (kBuckets - 1)]++] = src[i];
    std::swap(src, dst);
  }
  for (std::size_t i = 0; i < n; ++i) values[i] = from_key(src[i]);
}

}  // namespace difflab
