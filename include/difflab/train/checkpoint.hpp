#pragma once
// A training checkpoint: one versioned binary file holding everything needed to use the model
// (spec, time-embedding frequencies, weights, EMA weights, standardisation, forward process) and
// to continue training bit-identically (optimizer options and state, the step counter, which is
// also the RNG position because every draw is keyed by step, and the data's fingerprint).
//
// Layout (little-endian, as written by this machine):
//   "DIFFLAB\x01MODEL\0\0\0"  16-byte magic
//   u32 format version (1)
//   u64 length + UTF-8 JSON header {"model", "process", "train", "optimizer", "data", "step",
//                                   "optimizer_steps"}
//   vectors, each u64 length + that many f64: frequencies, parameters, ema, mean, std,
//   u64 count of optimizer buffers, then each buffer as a vector
//   u64 FNV-1a 64 hash of every byte before it.
// Written atomically (temp file + rename, core/file_io). A file that is too short or whose hash
// differs gives a difflab::Error naming it.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/train/mlp_score.hpp"

namespace difflab {

struct Checkpoint {
  nlohmann::json header;  // model spec, process, train/optimizer options, data, step
  Vector frequencies, parameters, ema;
  Vector mean, std;  // standardisation
  std::vector<Vector> optimizer_state;
};

inline constexpr std::uint32_t kCheckpointVersion = 1;

void save_checkpoint(const std::string& path, const Checkpoint& checkpoint);
Checkpoint load_checkpoint(const std::string& path);

// Serialisation without the file (exposed for tests of corruption handling).
std::string encode_checkpoint(const Checkpoint& checkpoint);
Checkpoint decode_checkpoint(const std::string& bytes, const std::string& name);

// FNV-1a, 64 bit (Fowler/Noll/Vo): enough to detect truncation and corruption; a dozen lines,
// so no checksum library is needed.
std::uint64_t fnv1a64(const char* data, std::size_t size,
                      std::uint64_t hash = 14695981039346656037ull);

// The model a checkpoint holds, as a ScoreModel with its EMA weights (the ones meant for
// sampling; equal to the raw weights when EMA is off) under the stored forward process.
std::shared_ptr<MlpScore> load_mlp_score(const std::string& path);
std::shared_ptr<MlpScore> mlp_score_from_checkpoint(const Checkpoint& checkpoint,
                                                    const std::string& name);

// The time range [delta, T] a checkpoint's model was trained on (its DSM options): outside it the
// network was never fitted, so its score there is an extrapolation.
struct TrainedTimes {
  double delta = 0, T = 0;
};
TrainedTimes trained_times(const Checkpoint& checkpoint, const std::string& name);

// A likelihood's or a run's [delta, T] for that model: T <= 0 (unset) becomes the trained T and
// delta < 0 (unset) the trained delta; a range reaching outside the trained one is a
// difflab::Error naming both (a model trained to T = 6 integrated to 10 gives a meaningless NLL).
void resolve_trained_range(double& delta, double& T, const TrainedTimes& trained,
                           const std::string& name);

}  // namespace difflab
