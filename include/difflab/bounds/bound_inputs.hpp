#pragma once
// BoundInputs: every quantity any published bound in difflab needs, in one struct.
//
// Each bound (bounds/ccl23.hpp, benton24.hpp, ...) reads the fields it needs and throws a
// difflab::Error naming the missing input when one is unset, e.g.
//   "ccl23 needs L (the score's Lipschitz constant): pass option 'L'"
// (core/option_ref.hpp: the CLI shows "option --L", Python "keyword L").
// Fields a bound does not use are ignored by it.
//
// Conventions (docs/theory.md section 0): OU forward process dX = -X dt + sqrt(2) dB, t is
// forward time, the sampler walks T = t_0 > ... > t_N = delta. The CLI flag of each field is
// given beside it; the messages of the bounds name the option (its schema key).
//
// The time grid: set `grid` explicitly, or set T, steps (and delta) and let each bound build its
// paper's grid (uniform for the uniform-step papers, Benton et al.'s for benton24), or choose
// the kind with `grid_kind`. If both an explicit grid and T/delta/steps are given they must
// agree.
//
// Constants: the papers hide absolute constants behind "<~" (docs/theory.md 2.3, 3.3). difflab
// never invents them: each such constant is a named entry of `constants` with default 1, and every
// result says which constants it used and whether the paper states them. Keys may be plain
// ("C") or prefixed with a bound id ("ccl23.C"); the prefixed form wins for that bound, so one
// BoundInputs can carry constants for several bounds.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "difflab/bounds/bound_result.hpp"
#include "difflab/core/types.hpp"
#include "difflab/schedule/time_grid.hpp"

namespace difflab {

class Target;

struct BoundInputs {
  // --- problem -------------------------------------------------------------------------------
  std::optional<Index> d;        // --d        dimension
  std::optional<double> T;       // --T        time horizon (forward time of the start)
  double delta = 0;              // --delta    early-stopping time (0 = none), 0 <= delta < T
  std::optional<int> steps;      // --steps    number of steps N
  std::optional<TimeGrid> grid;  // --grid     explicit grid (overrides the grid built from T...)
  std::string grid_kind;         // --grid     "" = the paper's own grid, "uniform" or "benton"

  // --- target --------------------------------------------------------------------------------
  std::optional<double> L;                     // --L   sup_t Lip(grad log q_t) (CCL23 A1)
  std::optional<double> m2;                    // --m2  ROOT second moment sqrt(E||x||^2):
                                               //       docs/theory.md writes m_2^2 = E||x||^2
  std::optional<double> kl_to_normal;          // --kl  KL(q || N(0, I_d))
  std::optional<bool> identity_covariance;     // --identity-covariance  Cov(q) = I (Benton A2)
  std::optional<bool> centred;                 // E X = 0 (from a target; Benton's d e^{-2T})
  std::optional<double> strong_log_concavity;  // --strong-log-concavity alpha: -Hess log q >= aI
  // --fisher  relative Fisher information I(q | N(0, I)) = E_q ||grad log q + x||^2
  // (target/target_quantities.hpp); from a target's Monte Carlo estimate, fisher_information_hi
  // is the upper end of its 95% interval (unset for a closed form or a value given by hand).
  std::optional<double> fisher_information;
  std::optional<double> fisher_information_hi;
  // Gaussian data N(m, Sigma), for bounds whose constants are written for Gaussian data:
  // --data-mean m and --cov-eigenvalues (the eigenvalues of Sigma, all > 0). Set from a
  // Gaussian target; unset for any other target.
  std::optional<Vector> data_mean;
  std::optional<Vector> cov_eigenvalues;

  // --- score ---------------------------------------------------------------------------------
  // --eps-score  L2 score error (not squared). CCL23 A3: max_k E_{q_kh}||s - grad log q||^2 <=
  // eps^2; Benton Assumption 1: the time-averaged sum_k gamma_k E||s - grad log q||^2 <= eps^2.
  // 0 = exact score (the result then says so in its notes).
  double eps_score = 0;

  // --- step-count calculators ----------------------------------------------------------------
  // --accuracy  target accuracy in the metric's own units (TV value, KL value, W2 value).
  std::optional<double> accuracy;

  // --- Bruno et al. Gaussian-mean example (docs/theory.md 4.3) -----------------------------------
  std::optional<Vector> mu;         // --mu         target mean (data N(mu, I_d))
  std::optional<Vector> theta_hat;  // --theta-hat  trained parameter of s = -x + e^{-t} theta
  std::string sampler = "em";       // --sampler    "em" (the authors' code) or "ei"
  // The authors' code returns the last iterate without its noise ("return mean_x"); false
  // reproduces that. docs/theory.md 5.6 vector B uses full noise on the last step (true).
  bool noise_on_last_step = true;  // --denoise-last-step sets false

  // --- constants -----------------------------------------------------------------------------
  std::map<std::string, double> constants;  // --constant NAME=VALUE (repeatable)

  // Rejects negative / NaN / infinite parameters, delta >= T, steps < 1, d < 1, unknown
  // grid_kind or sampler, mu/theta_hat of the wrong size, and a grid that disagrees with T,
  // delta or steps. Throws difflab::Error naming the input.
  void validate() const;

  // --- helpers the bounds share (each names `paper` in its error) --------------------------
  Index need_d(const std::string& paper) const;
  double need_L(const std::string& paper) const;
  double need_m2(const std::string& paper) const;
  double need_kl(const std::string& paper) const;
  double need_accuracy(const std::string& paper) const;
  const Vector& need_mu(const std::string& paper) const;
  const Vector& need_theta_hat(const std::string& paper) const;
  // T = grid->T() when a grid is set, else the T field.
  double horizon(const std::string& paper) const;
  // The early-stopping time: grid->delta() when a grid is set, else the delta field.
  double stop_time() const { return grid ? grid->delta() : delta; }
  // The explicit grid, or the grid of kind grid_kind (or default_kind when grid_kind is empty)
  // built from T, delta, steps with uniform_grid / benton_grid (schedule/grids.hpp).
  TimeGrid resolve_grid(const std::string& paper, const std::string& default_kind) const;
  // The step h of a uniform grid (resolve_grid with default "uniform"); an error if the grid's
  // steps differ by more than 1e-9 relative, since the paper's h = (T - delta)/N assumes them
  // equal.
  double uniform_step(const std::string& paper) const;
  // Value of constant `name` for bound `paper`: constants["paper.name"], else
  // constants["name"], else `fallback` (1 for the "<~" constants).
  double constant(const std::string& paper, const std::string& name, double fallback = 1) const;
  bool has_constant(const std::string& paper, const std::string& name) const;
  // Constants in `constants` that would apply to `paper` (plain or prefixed with paper) but are
  // not in `used`: "paper.X" with an unknown X is an error; plain unknown names are returned so
  // the bound can list them in its notes (they may belong to another bound).
  std::vector<std::string> unused_constants(const std::string& paper,
                                            const std::vector<std::string>& used) const;
};

// For bound implementations: records in result.constants the value of each constant in `used`
// (default 1) for bound result.paper, and adds a note listing plain constants it ignores and,
// when `hidden` is true, that a default of 1 stands for an unstated "<~" constant.
void record_constants(BoundResult& result, const BoundInputs& inputs,
                      const std::vector<std::string>& used, bool hidden);

// Fills the target-derived fields of `inputs` that are still unset (explicit values win):
//   d = target.dim() (must agree if set), m2 = sqrt(summary.second_moment),
//   kl_to_normal, L = summary.score_lipschitz, strong_log_concavity (where the summary knows
//   them; left unset otherwise, and the bounds then name the missing input),
//   identity_covariance for Gaussian and Gaussian-mixture targets (Cov within 1e-12 of I),
//   centred for the same targets (||E X|| <= 1e-12),
//   mu = the mean for a Gaussian target with identity covariance (Bruno's example data),
//   fisher_information (and fisher_information_hi for a Monte Carlo estimate) from the summary,
//   data_mean and cov_eigenvalues for a Gaussian target.
BoundInputs from_target(const Target& target, BoundInputs inputs = {});

}  // namespace difflab
