#pragma once
// Data-parallel training over the ranks of a job (core/communicator.hpp, docs/scale-out.md):
// every rank draws the same batch (a pure function of (seed, step), dsm_loss.hpp) and computes a
// contiguous share of its gradient chunks (chunk c of C belongs to rank floor(c K / C));
// rank 0 receives each chunk's gradient and each tile's loss, adds them in chunk and tile order
// exactly as one process does (mlp.cpp), and sends the sums to every rank. Every rank then takes
// the same optimizer step, so the trained model is bit-identical to the one-process model for any
// rank count. A batch has at most 16 chunks: ranks beyond the chunk count compute nothing.
#include "difflab/core/communicator.hpp"
#include "difflab/train/mlp.hpp"

namespace difflab {

class RankChunkReduction final : public ChunkReduction {
 public:
  explicit RankChunkReduction(Communicator& comm) : comm_(comm) {}
  bool computes(Index chunk, Index chunks) const override;
  double combine(const std::vector<Vector>& partials, const std::vector<double>& tile_losses,
                 Index tiles_per_chunk, Vector& grad) const override;

 private:
  int owner(Index chunk, Index chunks) const;
  Communicator& comm_;
};

}  // namespace difflab
