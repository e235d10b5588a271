#include "difflab/train/rank_chunk_reduction.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace difflab {

namespace {

constexpr int kChunkGradientTag = 301;
constexpr int kChunkLossTag = 302;
constexpr int kChunkSumTag = 303;

}  // namespace

int RankChunkReduction::owner(Index chunk, Index chunks) const {
  // Contiguous, in rank order, sizes differing by at most one; rank 0 always holds chunk 0, so
  // it knows the gradient's size.
  return static_cast<int>((chunk * comm_.size()) / chunks);
}

bool RankChunkReduction::computes(Index chunk, Index chunks) const {
  return owner(chunk, chunks) == comm_.rank();
}

double RankChunkReduction::combine(const std::vector<Vector>& partials,
                                   const std::vector<double>& tile_losses, Index tiles_per_chunk,
                                   Vector& grad) const {
  const auto chunks = static_cast<Index>(partials.size());
  Index P = 0;
  for (const auto& p : partials) P = std::max<Index>(P, p.size());
  // Ranks that compute no chunk learn P from rank 0's sums below.
  if (comm_.rank() != 0) {
    for (Index ch = 0; ch < chunks; ++ch)
      if (computes(ch, chunks))
        comm_.send_doubles(0, kChunkGradientTag, partials[static_cast<std::size_t>(ch)].data(),
                           static_cast<std::size_t>(P));
    comm_.send_doubles(0, kChunkLossTag, tile_losses.data(), tile_losses.size());
    const std::string sums = comm_.recv_bytes(0, kChunkSumTag);
    const std::size_t n = sums.size() / sizeof(double);
    if (n < 1) throw std::logic_error("rank chunk reduction: empty sums from rank 0");
    grad.resize(static_cast<Index>(n - 1));
    double total = 0;
    std::memcpy(grad.data(), sums.data(), (n - 1) * sizeof(double));
    std::memcpy(&total, sums.data() + (n - 1) * sizeof(double), sizeof(double));
    return total;
  }
  if (P == 0) throw std::logic_error("rank chunk reduction: rank 0 computed no chunk");
  // Rank 0: the one-process order. Messages from one rank arrive in the order it sent them
  // (its chunks in increasing order).
  grad.setZero(P);
  Vector received(P);
  for (Index ch = 0; ch < chunks; ++ch) {
    const int r = owner(ch, chunks);
    if (r == 0) {
      grad += partials[static_cast<std::size_t>(ch)];
    } else {
      comm_.recv_doubles(r, kChunkGradientTag, received.data(), static_cast<std::size_t>(P));
      grad += received;
    }
  }
  std::vector<std::vector<double>> losses(static_cast<std::size_t>(comm_.size()));
  losses[0] = tile_losses;
  for (int r = 1; r < comm_.size(); ++r) {
    losses[static_cast<std::size_t>(r)].resize(tile_losses.size());
    comm_.recv_doubles(r, kChunkLossTag, losses[static_cast<std::size_t>(r)].data(),
                       tile_losses.size());
  }
  double total = 0;
  for (std::size_t k = 0; k < tile_losses.size(); ++k)
    total +=
        losses[static_cast<std::size_t>(owner(static_cast<Index>(k) / tiles_per_chunk, chunks))][k];
  std::string sums(static_cast<std::size_t>(P + 1) * sizeof(double), '\0');
  std::memcpy(sums.data(), grad.data(), static_cast<std::size_t>(P) * sizeof(double));
  std::memcpy(sums.data() + static_cast<std::size_t>(P) * sizeof(double), &total, sizeof(double));
  for (int r = 1; r < comm_.size(); ++r) comm_.send_bytes(r, kChunkSumTag, sums);
  return total;
}

}  // namespace difflab
