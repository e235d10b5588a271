#include "difflab/core/rng.hpp"

#include <Random123/boxmuller.hpp>

namespace difflab {

RngStream::RngStream(std::uint64_t seed, RngUse use, std::uint64_t particle, std::uint64_t step) {
  key_ = {{seed, static_cast<std::uint64_t>(use)}};
  ctr_ = {{particle, step, 0, 0}};
}

RngStream::Philox::ctr_type RngStream::next_block() {
  const Philox::ctr_type out = Philox()(ctr_, key_);
  ++ctr_[2];
  return out;
}

std::uint64_t RngStream::bits() {
  if (words_used_ == 4) {
    words_ = next_block();
    words_used_ = 0;
  }
  return words_[words_used_++];
}

double RngStream::uniform() {
  // The top 53 bits, centred in their cell: strictly inside (0, 1), so log(u) is finite.
  return (static_cast<double>(bits() >> 11) + 0.5) * 0x1.0p-53;
}

namespace {
// Four normals from one Philox block: two Box-Muller pairs (Random123's boxmuller maps two
// 64-bit words to two independent standard normals).
inline void block_normals(const r123::Philox4x64::ctr_type& w, double* out) {
  const r123::double2 a = r123::boxmuller(w[0], w[1]);
  const r123::double2 b = r123::boxmuller(w[2], w[3]);
  out[0] = a.x;
  out[1] = a.y;
  out[2] = b.x;
  out[3] = b.y;
}
}  // namespace

double RngStream::normal() {
  if (normals_used_ == 4) {
    block_normals(next_block(), normals_);
    normals_used_ = 0;
  }
  return normals_[normals_used_++];
}

void RngStream::fill_normal(double* out, Index n) {
  Index i = 0;
  while (i < n && normals_used_ < 4) out[i++] = normals_[normals_used_++];
  // Whole blocks straight into the output.
  for (; i + 4 <= n; i += 4) block_normals(next_block(), out + i);
  while (i < n) out[i++] = normal();
}

void CounterRng::fill_normal(Matrix& Z, RngUse use, std::uint64_t first_particle,
                             std::uint64_t step) const {
  const Index d = Z.rows();
  for (Index j = 0; j < Z.cols(); ++j) {
    RngStream s(seed_, use, first_particle + static_cast<std::uint64_t>(j), step);
    s.fill_normal(Z.col(j).data(), d);
  }
}

std::uint64_t CounterRng::derive(std::uint64_t index) const {
  RngStream s(seed_, RngUse::kUser, index, 0xD1FF1AB5EEDULL);
  return s.bits();
}

}  // namespace difflab
