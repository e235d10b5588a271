#pragma once
// The MLP of a learned score network: input u = [x; phi(c)] (x in R^d already normalised by the
// caller, phi the random Fourier features of the time input c, time_embedding.hpp), then
//   h_0 = W_in u + b_in,
//   h_l = h_{l-1} + W2_l silu(W1_l h_{l-1} + b1_l) + b2_l,   l = 1..depth (residual blocks),
//   F   = W_out silu(h_depth) + b_out  in R^d.
// What F means (noise, score or data prediction) is the business of the score adapter
// (mlp_score.hpp); this class only computes F, its parameter gradient and its input Jacobian.
//
// Speed: the batch is processed in tiles, one tile per thread at a time: kEvalTile = 256 columns
// for evaluation (a sampler's default block of particles; narrower tiles make Eigen repack the
// weights more often per flop, 10% slower sampling at width 512), kTile = 64 for the input
// Jacobian, and a multiple of kTile up to 256 for training.
// Around each matrix product, the bias is added in one pass over the layer's output (for the
// residual stream, the same pass copies it into the next block's input) and the activation is
// applied in one more over the whole tile (its vectorised exp must take the same path for every
// element, see silu in mlp.cpp); backward, silu' is computed and multiplied in two passes. A
// tile's activations are the only temporaries. Arithmetic is float by default (spec.precision =
// "double" for checks); the parameters live in one flat double vector (the optimizer's master copy)
// with a copy in the compute precision refreshed by set_parameters().
//
// Determinism: every evaluation tile has exactly kEvalTile columns (the last one is zero-padded),
// so each matrix product has the same shape for every particle whatever the batch split: Eigen
// picks its GEMM kernel and blocking from the shape, and a particle's result is then bit-identical
// for any block size or thread count (core/columnwise.hpp explains why a varying width is not).
// Eigen's own GEMM threading is switched off inside the tiles for the same reason. Gradients
// use wider tiles (up to 256 columns, the width fixed by the batch size: the weight-gradient
// GEMMs' inner dimension is the tile width) and are summed per tile, the partial sums added in
// tile order: bit-identical for any thread count. Outside the tiles, a training step's passes
// over the whole parameter vector (chunk sum, optimizer, EMA, float copy, finiteness checks)
// run as one sweep each over L1-sized blocks (src/train/parameter_sweep.hpp).
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "difflab/core/types.hpp"
#include "difflab/train/time_embedding.hpp"

namespace difflab {

struct MlpSpec {
  Index dim = 0;                      // d (input and output), >= 1
  Index width = 128;                  // hidden width, >= 1
  Index depth = 3;                    // residual blocks, >= 0
  Index fourier_features = 16;        // time-embedding frequencies F (2F inputs), >= 1
  double fourier_scale = 1.0;         // frequencies ~ N(0, scale^2), > 0
  std::string time_input = "logsnr";  // logsnr | t
  std::string output = "noise";       // noise | score | data (see mlp_score.hpp)
  std::string precision = "float";    // float | double
  std::uint64_t seed = 0;             // initial weights and frequencies

  // Throws difflab::Error naming the first bad field, or a network whose parameters (two copies:
  // the weights and their working precision) would not fit in memory (core/memory_budget.hpp).
  void validate() const;
  // The number of parameters (weights and biases), checked for 64-bit overflow.
  std::uint64_t parameter_count() const;
  nlohmann::json to_json() const;
  static MlpSpec from_json(const nlohmann::json& j, const std::string& where);
};

// How the chunks of a gradient are shared among processes (train/rank_chunk_reduction.hpp). The
// gradient of a batch is a sum over chunks of consecutive tiles, added in chunk order, and the
// loss a sum over tiles in tile order (mlp.cpp); the structure depends on the batch size only.
// A reduction computes some chunks here and makes every process hold the same sums, added in the
// same order, so the result has the one-process bits.
class ChunkReduction {
 public:
  virtual ~ChunkReduction() = default;
  // Whether this process computes chunk `chunk` of `chunks`.
  virtual bool computes(Index chunk, Index chunks) const = 0;
  // partials[ch] (the chunk's gradient, empty if not computed here) and tile_losses[k] (0 for a
  // tile not computed here; tile k is in chunk k / tiles_per_chunk): sets grad to the sum of
  // every chunk's gradient in chunk order from zero and returns the tile losses summed in tile
  // order from zero, both on every process.
  virtual double combine(const std::vector<Vector>& partials,
                         const std::vector<double>& tile_losses, Index tiles_per_chunk,
                         Vector& grad) const = 0;
};

class MlpNetwork {
 public:
  static constexpr Index kTile = 64;
  static constexpr Index kEvalTile = 4 * kTile;

  // Fresh network: weights W ~ N(0, 1/fan_in) (LeCun), second weights of each residual block
  // scaled by 1/sqrt(depth) so the residual stream's variance stays O(1), biases 0.
  explicit MlpNetwork(const MlpSpec& spec);
  // Restored network (checkpoint): stored frequencies and parameters.
  MlpNetwork(const MlpSpec& spec, const Vector& frequencies, const Vector& parameters);
  ~MlpNetwork();
  MlpNetwork(const MlpNetwork&) = delete;
  MlpNetwork& operator=(const MlpNetwork&) = delete;

  const MlpSpec& spec() const { return spec_; }
  const TimeEmbedding& embedding() const { return embedding_; }
  Index parameter_count() const { return parameters_.size(); }
  const Vector& parameters() const { return parameters_; }
  // Replaces the parameters (same size, finite) and refreshes the compute-precision copy.
  void set_parameters(const Vector& parameters);
  // Applies `update` (an optimizer step) to the parameters in place, then checks that they are
  // finite and refreshes the compute-precision copy: set_parameters without copying the vector
  // out and back. Throws difflab::Error if a parameter is not finite afterwards; the network then
  // holds the updated (non-finite) parameters, consistently in both precisions: the caller's
  // training has diverged, and set_parameters is the way back.
  void update_parameters(const std::function<void(Eigen::Ref<Vector>)>& update);

  // out.col(j) = F(Xin.col(j), c(j)). Xin is d x n, c has n entries.
  void forward(ConstMatrixRef Xin, const Vector& c, MatrixRef out) const;

  // A loss that is a sum over columns of a function of F: called once per tile with the
  // tile's first column `begin` and its outputs F (d x count, count <= 4 kTile; training uses
  // tiles of up to 256 columns, a width fixed by the batch size); writes
  // dLoss/dF (d x count) into dF and returns the tile's loss sum.
  using TileLoss = std::function<double(Index begin, const Matrix& F, Matrix& dF)>;
  // Returns the loss summed over all columns and sets grad = its gradient w.r.t. the
  // parameters (bit-identical for any thread count). With a reduction, only its chunks are
  // computed here and it combines them (bit-identical for any number of processes).
  double loss_and_gradient(ConstMatrixRef Xin, const Vector& c, const TileLoss& loss, Vector& grad,
                           const ChunkReduction* reduction = nullptr) const;

  // dF/dx (d x d) at one input point x (normalised coordinates) and time input c.
  Matrix input_jacobian(const Vector& x, double c) const;

  // Largest singular values of the layers that x passes through: the x-columns of W_in, each
  // block's W1 and W2, and W_out (exact, from an SVD).
  struct LayerNorms {
    double input = 0;
    std::vector<double> w1, w2;
    double output = 0;
  };
  LayerNorms spectral_norms() const;

  // Implementation (float or double kernel); public only so the .cpp's kernels can derive.
  class Kernel;

 private:
  MlpSpec spec_;
  TimeEmbedding embedding_;
  Vector parameters_;
  std::unique_ptr<Kernel> kernel_;
};

}  // namespace difflab
