#pragma once
// "em": Euler-Maruyama for the reverse SDE (docs/theory.md 1.1; the sampler of Bruno et al.'s
// example code, docs/theory.md 4.3).
//
// The reverse SDE in the reverse clock has drift (1/2) beta(t) (y + 2 s(t, y)) and diffusion
// sqrt(beta(t)); one Euler-Maruyama step from t_k down to t_{k+1}, h = t_k - t_{k+1}, with
// coefficients frozen at t_k:
//   Y_{k+1} = Y_k + h (beta(t_k)/2 Y_k + beta(t_k) s(t_k, Y_k)) + sqrt(beta(t_k) h) xi_k.
// For OU (beta = 2): Y + h (Y + 2 s) + sqrt(2h) xi. First order (weak); one score evaluation per
// step, never at the final time.
#include "difflab/sampler/sampler.hpp"

namespace difflab {

class EulerMaruyama final : public Sampler {
 public:
  std::string name() const override { return "em"; }
  std::string description() const override {
    return "reverse SDE, Euler-Maruyama (Bruno et al.'s example code)";
  }
  SamplerTraits traits() const override {
    return {.one_step = true,
            .affine = true,
            .stochastic = true,
            .order = 1,
            .nfe_per_step = 1,
            .brownian = true,
            .published_order = 1,
            .published_order_source = "Euler-Maruyama: weak order 1 (Kloeden & Platen 1992)"};
  }

 protected:
  BlockStats run_block(const ScoreModel& score, const TimeGrid& grid, MatrixRef X,
                       std::uint64_t first_particle, const SamplerOptions& options,
                       const NoiseSource& noise) const override;
};

}  // namespace difflab
