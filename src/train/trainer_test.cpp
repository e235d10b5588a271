// DSM training: a checkpointed and resumed run is bit-identical to an uninterrupted one; batches
// larger than the data are drawn with replacement; bad input gives errors naming it; and the
// accuracy test of a learned score (mlp_accuracy_test.cpp: a trained MLP on a 2-D Gaussian mixture
// reaches a small true L2 score error and samples close to the target in exact W2).
#include "difflab/train/trainer.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "core/expect_error.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/metrics/empirical_w2.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"

namespace difflab {
namespace {

std::shared_ptr<Target> mixture() {
  return make_target({{"type", "gmm"},
                      {"weights", {0.4, 0.6}},
                      {"means", {{-2.0, 0.0}, {1.5, 1.0}}},
                      {"vars", {0.25, 0.16}}},
                     "test");
}

TrainOptions small_options() {
  TrainOptions o;
  o.model.width = 16;
  o.model.depth = 2;
  o.model.fourier_features = 4;
  o.batch = 48;
  o.iterations = 40;
  o.log_every = 15;
  o.error_samples = 100;
  o.ema_decay = 0.9;
  o.optimizer.kind = "adam";
  o.optimizer.lr = 3e-3;
  o.seed = 5;
  return o;
}

TEST(Trainer, ResumedRunIsBitIdenticalToAnUninterruptedOne) {
  const auto process = make_process("ou");
  const auto target = mixture();
  const Matrix data = target->sample(300, CounterRng(1));
  for (const std::string kind : {"adam", "sgld"}) {
    TrainOptions o = small_options();
    o.optimizer.kind = kind;
    o.optimizer.lr = kind == "sgld" ? 1e-4 : 3e-3;
    Trainer whole(o, data, process, target);
    whole.run(40);
    Trainer first(o, data, process, target);
    first.run(25);  // not a multiple of log_every
    // Through the bytes of a checkpoint file.
    const Checkpoint c = decode_checkpoint(encode_checkpoint(first.checkpoint()), "mem");
    Trainer resumed(c, data, target, "mem");
    EXPECT_EQ(resumed.step(), 25);
    resumed.run(40);
    const Checkpoint a = whole.checkpoint(), b = resumed.checkpoint();
    EXPECT_TRUE(a.parameters == b.parameters) << kind;
    EXPECT_TRUE(a.ema == b.ema) << kind;
    ASSERT_EQ(a.optimizer_state.size(), b.optimizer_state.size());
    for (std::size_t k = 0; k < a.optimizer_state.size(); ++k)
      EXPECT_TRUE(a.optimizer_state[k] == b.optimizer_state[k]) << kind;
    EXPECT_EQ(a.header, b.header);
    EXPECT_FALSE(a.parameters == first.checkpoint().parameters);  // it did train further
  }
}

TEST(Trainer, TrainingIsBitIdenticalForAnyThreadCount) {
  const auto process = make_process("ou");
  const auto target = mixture();
  const Matrix data = target->sample(300, CounterRng(2));
  const int before = thread_count();
  TrainOptions o = small_options();
  o.batch = 600;  // three gradient tiles of 256 columns (the last one padded)
  set_threads(1);
  Trainer one(o, data, process);
  one.run(10);
  set_threads(2);
  Trainer two(o, data, process);
  two.run(10);
  set_threads(before);
  EXPECT_TRUE(one.checkpoint().parameters == two.checkpoint().parameters);
}

TEST(Trainer, BatchLargerThanTheDataIsDrawnWithReplacement) {
  const auto process = make_process("ou");
  Matrix data(2, 5);
  data << 1, 2, 3, 4, 5, -1, -2, -3, -4, -5;
  const DsmBatch b = draw_dsm_batch(data, 40, DsmOptions{}, *process, 3, 0);
  std::vector<int> seen(5, 0);
  for (Index j = 0; j < 40; ++j) {
    const Index i = static_cast<Index>(std::lround(b.X0(0, j))) - 1;
    ASSERT_TRUE(i >= 0 && i < 5 && b.X0(1, j) == -b.X0(0, j))
        << "column " << j << " is no data point";
    ++seen[static_cast<std::size_t>(i)];
  }
  for (const int s : seen) EXPECT_GT(s, 0);  // 40 draws from 5 points: each seen (P(miss) < 2e-4)
  TrainOptions o = small_options();
  o.validation_fraction = 0;
  o.batch = 40;
  Trainer t(o, data, process);
  EXPECT_NO_THROW(t.run(3));
}

TEST(Trainer, BadInputIsAnErrorNamingIt) {
  const auto process = make_process("ou");
  const auto target = mixture();
  Matrix data = target->sample(100, CounterRng(3));
  TrainOptions o = small_options();
  o.optimizer.kind = "adamx";
  expect_error([&] { Trainer(o, data, process); }, "adamx");
  o = small_options();
  o.dsm.weighting = "snr";
  expect_error([&] { Trainer(o, data, process); }, "unknown weighting 'snr'");
  o = small_options();
  o.batch = 0;
  expect_error([&] { Trainer(o, data, process); }, "batch must be >= 1");
  o = small_options();
  o.dsm.T = 2.0;
  expect_error([&] { Trainer(o, data, make_process("vp-linear")); }, "exceeds the largest time");
  Matrix bad = data;
  bad(1, 7) = std::nan("");
  expect_error([&] { Trainer(small_options(), bad, process); }, "non-finite");
  // Resume with other data.
  Trainer t(small_options(), data, process, target);
  t.run(2);
  const Checkpoint c = t.checkpoint();
  expect_error([&] { Trainer(c, Matrix::Zero(3, 100), nullptr, "m.dlm"); },
               "dimension 3 but the model in m.dlm was trained on dimension 2");
  expect_error([&] { Trainer(c, data * 2.0, nullptr, "m.dlm"); }, "fingerprint mismatch");
  expect_error([&] { t.run(1); }, "already at step 2");
}

}  // namespace
}  // namespace difflab
