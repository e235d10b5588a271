#pragma once
// Noise "brownian": the Gaussian noise of the diffusion samplers drawn as increments of one
// Brownian path per (seed, particle, coordinate, path), a virtual Brownian tree (Levy's
// construction by bridge refinement, as the virtual Brownian tree of Li, Wong, Chen & Duvenaud
// 2020, "Scalable gradients for stochastic differential equations", AISTATS, section 4). Runs
// on nested grids (a 2N grid holding the N grid's times) see the same path, so |X_N - X_2N|
// per particle measures the strong error (docs/theory.md "Coupled Brownian noise").
//
// The path W lives on forward times [0, kSpan]. W(kSpan) = sqrt(kSpan) xi_root, and the value
// at the midpoint m of a dyadic interval [l, r] of level j (length kSpan 2^-j) is the Brownian
// bridge's mean plus its standard deviation times a normal:
//   W(m) = (W(l) + W(r)) / 2 + sqrt((r - l) / 4) xi(j + 1, index of m),
// each xi a normal of the counter-based generator keyed by (seed, RngUse::kBrownianTree,
// particle, node key), one per coordinate. A query time t is rounded to the nearest point t^ of
// the level-kDepth lattice (spacing kSpan 2^-kDepth ~ 1.2e-10) and W(t^) is read by descending
// the tree to it, so W(t^) is a pure function of (seed, particle, path, t^) whatever the grid,
// the block split or the thread count. An increment over [lo, hi] is normalised by the rounded
// length, (W(hi^) - W(lo^)) / sqrt(hi^ - lo^): exactly N(0, 1), and independent across
// disjoint intervals; the rounding only moves the grid times by at most half a lattice step.
#include <memory>
#include <string>
#include <vector>

#include "difflab/sampler/sampler.hpp"

namespace difflab {

class BrownianNoise final : public NoiseSource {
 public:
  static constexpr int kDepth = 40;       // levels of the tree below the root
  static constexpr double kSpan = 128.0;  // forward times [0, kSpan] (a power of two)

  // Each thread caches the tree path to the last point it read for a block of particles
  // (brownian_noise.cpp) when it takes at most `cache_doubles` doubles, (kDepth + 2) d n; larger
  // blocks walk from the root each time. The bits do not depend on it.
  static constexpr Index kCacheDoubles = Index{1} << 22;  // 32 MB
  explicit BrownianNoise(std::uint64_t seed, Index cache_doubles = kCacheDoubles)
      : counter_(seed), rng_(seed), cache_doubles_(cache_doubles) {}
  // Uses that are not Brownian increments over the grid (pc's Langevin corrector, uniforms)
  // keep the counter-based noise.
  void normal(MatrixRef Z, std::uint64_t first_particle, std::uint64_t step,
              RngUse use) const override {
    counter_.normal(Z, first_particle, step, use);
  }
  double uniform(std::uint64_t particle, std::uint64_t step, RngUse use) const override {
    return counter_.uniform(particle, step, use);
  }
  void increment(MatrixRef Z, std::uint64_t first_particle, std::uint64_t step, RngUse use,
                 const BrownianInterval& interval) const override;
  double brownian_resolution() const override;

  // W(hi^) - W(lo^) without normalisation (for the tests: sums over nested grids).
  void difference(MatrixRef D, std::uint64_t first_particle,
                  const BrownianInterval& interval) const;
  // The lattice index of forward time t (round to nearest); difflab::Error outside [0, kSpan].
  static std::uint64_t lattice_index(double t);

 private:
  CounterNoise counter_;
  CounterRng rng_;
  Index cache_doubles_;
};

// The noise kinds of SamplerOptions::noise, in the order the help lists them.
std::vector<std::string> noise_kinds();
// The noise source options.noise names, keyed by seed.
std::unique_ptr<NoiseSource> make_noise(const SamplerOptions& options, std::uint64_t seed);

}  // namespace difflab
