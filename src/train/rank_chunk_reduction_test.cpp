#include "difflab/train/rank_chunk_reduction.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/thread_rank_communicator.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/train/dsm_loss.hpp"

namespace difflab {
namespace {

MlpSpec reduction_test_spec(const std::string& precision) {
  MlpSpec s;
  s.dim = 2;
  s.width = 16;
  s.depth = 2;
  s.fourier_features = 4;
  s.precision = precision;
  s.seed = 3;
  return s;
}

// Every rank (a thread here, a process under MPI) evaluates the same batch with the reduction;
// each must hold the one-process loss and gradient, bit for bit.
TEST(RankChunkReduction, EveryRankHoldsTheOneProcessGradientForAnyRankCount) {
  const auto process = make_process("ou");
  Matrix X(2, 500);
  CounterRng(2).fill_normal(X, RngUse::kUser, 0, 0);
  const Standardisation st = Standardisation::of(X);
  DsmOptions dsm;
  // 1100 samples: 5 tiles of 256 (the last one partial), 5 chunks; 70: one chunk.
  for (const Index batch_size : {Index{1100}, Index{70}}) {
    for (const std::string precision : {"float", "double"}) {
      const DsmBatch batch = draw_dsm_batch(X, batch_size, dsm, *process, 5, 0);
      const MlpNetwork net(reduction_test_spec(precision));
      Vector serial_grad;
      const double serial_loss = dsm_loss(net, st, *process, batch, &serial_grad);
      for (int ranks : {2, 3, 7}) {
        FarmMailboxes m(ranks);
        std::vector<Vector> grads(static_cast<std::size_t>(ranks));
        std::vector<double> losses(static_cast<std::size_t>(ranks));
        std::vector<std::thread> threads;
        for (int r = 0; r < ranks; ++r)
          threads.emplace_back([&, r] {
            ThreadRankCommunicator c(m, r);
            const RankChunkReduction reduction(c);
            losses[static_cast<std::size_t>(r)] =
                dsm_loss(net, st, *process, batch, &grads[static_cast<std::size_t>(r)], &reduction);
          });
        for (auto& t : threads) t.join();
        for (int r = 0; r < ranks; ++r) {
          EXPECT_EQ(losses[static_cast<std::size_t>(r)], serial_loss)
              << ranks << " ranks, rank " << r;
          ASSERT_EQ(grads[static_cast<std::size_t>(r)].size(), serial_grad.size());
          EXPECT_TRUE((grads[static_cast<std::size_t>(r)].array() == serial_grad.array()).all())
              << batch_size << " " << precision << ", " << ranks << " ranks, rank " << r;
        }
      }
    }
  }
}

}  // namespace
}  // namespace difflab
