// Checkpoints: an exact round trip of every field, and clear errors for a truncated file, a
// flipped byte (checksum), a foreign file (magic) and a newer format version.
#include "difflab/train/checkpoint.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {
namespace {

Checkpoint sample_checkpoint() {
  MlpSpec spec;
  spec.dim = 2;
  spec.width = 8;
  spec.depth = 1;
  spec.fourier_features = 3;
  const MlpNetwork net(spec);
  Checkpoint c;
  c.header = {{"model", spec.to_json()}, {"process", {{"type", "ou"}}}, {"step", 17}};
  c.frequencies = net.embedding().frequencies();
  c.parameters = net.parameters();
  c.ema = 0.5 * net.parameters();
  c.mean = Vector::LinSpaced(2, -1.0 / 3.0, 0.1);
  c.std = Vector::LinSpaced(2, 1.0 / 7.0, 2.0);
  c.optimizer_state = {Vector::Constant(5, 1e-300), Vector::LinSpaced(3, 0, 1)};
  return c;
}

TEST(Checkpoint, RoundTripIsExact) {
  const Checkpoint c = sample_checkpoint();
  const Checkpoint r = decode_checkpoint(encode_checkpoint(c), "mem");
  EXPECT_EQ(r.header, c.header);
  EXPECT_TRUE(r.frequencies == c.frequencies);
  EXPECT_TRUE(r.parameters == c.parameters);
  EXPECT_TRUE(r.ema == c.ema);
  EXPECT_TRUE(r.mean == c.mean);
  EXPECT_TRUE(r.std == c.std);
  ASSERT_EQ(r.optimizer_state.size(), 2u);
  EXPECT_TRUE(r.optimizer_state[0] == c.optimizer_state[0]);
  EXPECT_TRUE(r.optimizer_state[1] == c.optimizer_state[1]);
  // The model loads as a score with the EMA weights.
  const auto score = mlp_score_from_checkpoint(r, "mem");
  EXPECT_TRUE(score->network().parameters() == c.ema);
  EXPECT_EQ(score->dim(), 2);
}

TEST(Checkpoint, FileRoundTripThroughAtomicWrite) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("difflab_ckpt_" + std::to_string(::getpid()) + ".dlm"))
                               .string();
  save_checkpoint(path, sample_checkpoint());
  EXPECT_TRUE(load_checkpoint(path).parameters == sample_checkpoint().parameters);
  std::filesystem::remove(path);
}

TEST(Checkpoint, TruncatedFileIsAClearError) {
  const std::string bytes = encode_checkpoint(sample_checkpoint());
  for (const std::size_t keep :
       {std::size_t{10}, std::size_t{40}, bytes.size() / 2, bytes.size() - 9})
    expect_error([&] { decode_checkpoint(bytes.substr(0, keep), "m.dlm"); }, "m.dlm: checkpoint");
  expect_error([&] { decode_checkpoint(bytes.substr(0, bytes.size() / 2), "m.dlm"); },
               "truncated at byte");
}

TEST(Checkpoint, FlippedByteIsAChecksumMismatch) {
  std::string bytes = encode_checkpoint(sample_checkpoint());
  bytes[bytes.size() - 100] ^= 0x10;  // inside the last optimizer buffer's values
  expect_error([&] { decode_checkpoint(bytes, "m.dlm"); }, "m.dlm: checkpoint checksum mismatch");
}

TEST(Checkpoint, ForeignFileAndNewerVersionAreRejected) {
  expect_error([&] { decode_checkpoint("x,y\n1,2\n", "d.csv"); }, "not a difflab model checkpoint");
  std::string bytes = encode_checkpoint(sample_checkpoint());
  bytes[16] = 9;  // version field
  expect_error([&] { decode_checkpoint(bytes, "m.dlm"); }, "format version 9 is not supported");
}

TEST(Checkpoint, Fnv1aMatchesPublishedTestVectors) {
  // FNV-1a 64 of "" and "a" (Fowler/Noll/Vo reference test suite).
  EXPECT_EQ(fnv1a64("", 0), 0xcbf29ce484222325ull);
  EXPECT_EQ(fnv1a64("a", 1), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(fnv1a64("foobar", 6), 0x85944171f73967e8ull);
}

}  // namespace
}  // namespace difflab

namespace difflab {
namespace {

TEST(Checkpoint, TrainedRangeIsTheDefaultAndBoundsTheTimes) {
  Checkpoint c;
  c.header = {{"train", {{"dsm", {{"delta", 1e-3}, {"T", 6.0}}}}}};
  const TrainedTimes tt = trained_times(c, "m.dlm");
  EXPECT_EQ(tt.delta, 1e-3);
  EXPECT_EQ(tt.T, 6.0);
  double delta = -1, T = 0;  // unset: the trained range
  resolve_trained_range(delta, T, tt, "m.dlm");
  EXPECT_EQ(delta, 1e-3);
  EXPECT_EQ(T, 6.0);
  delta = 0.01;
  T = 4.0;  // inside: kept
  resolve_trained_range(delta, T, tt, "m.dlm");
  EXPECT_EQ(delta, 0.01);
  EXPECT_EQ(T, 4.0);
  double d1 = -1, t1 = 10.0;
  expect_error([&] { resolve_trained_range(d1, t1, tt, "m.dlm"); },
               "m.dlm: T = 10 is beyond the model's training range [0.001, 6]");
  double d2 = 1e-5, t2 = 0;
  expect_error([&] { resolve_trained_range(d2, t2, tt, "m.dlm"); }, "below the model's training");
  Checkpoint bare;
  bare.header = nlohmann::json::object();
  expect_error([&] { trained_times(bare, "old.dlm"); }, "does not record its training times");
}

}  // namespace
}  // namespace difflab
