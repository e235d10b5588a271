#include "difflab/sampler/sampler_options_schema.hpp"

#include <limits>

#include "difflab/sampler/brownian_noise.hpp"

namespace difflab {

const OptionSchema<SamplerOptions>& sampler_options_schema() {
  constexpr double inf = std::numeric_limits<double>::infinity();
  using S = SamplerOptions;
  static const OptionSchema<S> schema =
      OptionSchema<S>()
          // The one name of "no noise on the final step" on every face.
          .flag("denoise", &S::denoise_last_step,
                "Drop the noise of the final step (the 'denoise' option of several codes)")
          .integer("block_size", &S::block_size, 1, 1 << 30,
                   "Particles per block handed to a thread (results do not depend on it)")
          .integer("corrector_steps", &S::corrector_steps, 0, 1e6,
                   "pc: Langevin corrector steps per step")
          .number("snr", &S::snr, 0, inf, "pc: corrector signal-to-noise ratio (score_sde)", true)
          .number("rtol", &S::rtol, 0, inf, "rk45: relative tolerance per step", true)
          .number("atol", &S::atol, 0, inf, "rk45: absolute tolerance per step", true)
          .number("langevin_step", &S::langevin_step, 0, inf,
                  "ula/mala: step size h; annealed-langevin: eps (step eps*sigma_i^2/sigma_L^2)",
                  true)
          .integer("langevin_steps", &S::langevin_steps, 1, 1e9,
                   "ula/mala: iterations; annealed-langevin: steps per noise level")
          .text("annealed_step_rule", &S::annealed_step_rule,
                "annealed-langevin: step per level, se19 (eps sigma_i^2/sigma_L^2, Song & Ermon "
                "2019 Algorithm 1) or constant (eps)",
                {"se19", "constant"})
          .number("sa_tau", &S::sa_tau, 0, inf,
                  "sa-solver: noise scale tau (0: probability-flow ODE, 1: reverse SDE)")
          .numbers("sa_tau_window", &S::sa_tau_window,
                   "sa-solver: tau(t) = sa_tau for t in [t_lo, t_hi] (process time, read at each "
                   "step's start), 0 outside; empty: sa_tau everywhere",
                   0.0)
          .integer("sa_predictor_order", &S::sa_predictor_order, 1, 4,
                   "sa-solver: order of the stochastic Adams predictor")
          .integer("sa_corrector_order", &S::sa_corrector_order, 0, 4,
                   "sa-solver: order of the stochastic Adams corrector (0: no corrector)")
          .integer("unipc_order", &S::unipc_order, 1, 3,
                   "unipc: order p of the UniP predictor (UniPC-p + UniC has order p + 1)")
          .text("unipc_variant", &S::unipc_variant, "unipc: B(h) of Zhao et al. 2023",
                {"bh1", "bh2"})
          .integer("deis_order", &S::deis_order, 1, 3,
                   "deis: order of the polynomial extrapolation of the noise prediction")
          .choice("noise", &S::noise,
                  "Gaussian noise: counter (independent normals per step) or brownian (increments "
                  "of one Brownian path per particle, shared by runs on nested grids)",
                  noise_kinds);
  return schema;
}

}  // namespace difflab
