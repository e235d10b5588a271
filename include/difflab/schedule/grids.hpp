#pragma once
// The built-in time grids, in forward time T = t_0 > t_1 > ... > t_N = delta >= 0, and the
// registry that builds one from its CLI name. Every grid is a TimeGrid, which reports its step
// sizes and the kappa of Benton et al.'s step condition (TimeGrid::kappa).
//
// Common argument rules (each factory checks them and names itself in the error):
//   steps N >= 1, T and delta finite, 0 <= delta < T, and T <= process.t_max() where a process
//   is involved. Grids that cannot reach delta = 0 in their own parametrisation (karras,
//   logsnr) end with one final step to 0, as EDM does; benton needs 0 < delta < 1 < T.
#include <string>
#include <vector>

#include "difflab/process/forward_process.hpp"
#include "difflab/schedule/grid_file.hpp"
#include "difflab/schedule/time_grid.hpp"

namespace difflab {

// EDM's sigma_min (Karras et al. 2022, Table 1): the noise-to-signal ratio sigma/alpha of the
// last positive time of the karras and logsnr grids when delta = 0. For OU this is forward time
// (1/2) log1p(0.002^2) ~ 2e-6.
inline constexpr double kEdmSigmaMin = 0.002;

// Equal steps h = (T - delta)/N: t_k = T - k (T - delta)/N.
TimeGrid uniform_grid(double T, double delta, int steps);

// Benton et al.'s exponential-decay grid with early stopping (docs/theory.md 3.5, our instantiation
// of their Fig. 1). With M = N/2, in forward time:
//   t_k = T - (T - 1) k/M          for k = 0..M    (uniform, step (T-1)/M, down to t_M = 1)
//   t_k = delta^{(k-M)/M}          for k = M..N    (geometric, ratio delta^{1/M}, down to delta)
// so kappa = max{(T-1)/M, delta^{-1/M} - 1} = Theta((T + log(1/delta))/N) (Corollary 1).
// Requires N even, T > 1 and 0 < delta < 1 (no adaptation: each violation is an error).
TimeGrid benton_grid(double T, double delta, int steps);

// Benton et al.'s kappa (docs/theory.md 3.5): max_k h_k / min(1, t_{k+1}); forwards to
// TimeGrid::kappa, the single implementation.
inline double kappa_of_grid(const TimeGrid& grid) { return grid.kappa(); }

// Karras et al. (EDM, 2022, eq. (5)) in the noise-to-signal ratio r(t) = sigma(t)/alpha(t) of
// the process (EDM's sigma for a VP process), mapped back to forward time by the process's
// inverse log-SNR (lambda = -log r; for OU t = (1/2) log1p(r^2)):
//   r_i = (r_max^{1/rho} + i/K (r_min^{1/rho} - r_max^{1/rho}))^rho,  r_max = r(T).
//   delta > 0: K = N, i = 0..N, r_min = r(delta); the grid ends at delta.
//   delta = 0: K = N - 1, i = 0..N-1, r_min = sigma_min_at_zero (EDM's sigma_min), and the
//              final time t_N = 0 is appended, exactly as EDM does (for N = 1 the grid is T, 0).
// The end points are set to T and delta exactly (not through the round trip). rho > 0.
TimeGrid karras_grid(const ForwardProcess& process, double T, double delta, int steps,
                     double rho = 7.0, double sigma_min_at_zero = kEdmSigmaMin);

// Quadratic in the step index, as DDIM's "quad" time spacing (Song et al. 2021, their
// `np.linspace(0, sqrt(0.8 T), S)**2`, here with the full range [delta, T]):
//   t_k = delta + (T - delta) ((N - k)/N)^2,   k = 0..N,
// so steps shrink linearly towards delta: h_k = (T - delta)(2(N - k) - 1)/N^2.
TimeGrid quadratic_grid(double T, double delta, int steps);

// Uniform in the log-SNR lambda(t) = log(alpha/sigma) (DPM-Solver's time steps, Lu et al.
// 2022, "logSNR" spacing), mapped to forward time by process.t_of_log_snr:
//   delta > 0: lambda_k = lambda(T) + k/N (lambda(delta) - lambda(T)), k = 0..N.
//   delta = 0: lambda(0) = +inf, so the N - 1 first steps are uniform in lambda up to
//              lambda = -log(sigma_min_at_zero) and the last step goes to t_N = 0
//              (for N = 1 the grid is T, 0).
TimeGrid logsnr_grid(const ForwardProcess& process, double T, double delta, int steps,
                     double sigma_min_at_zero = kEdmSigmaMin);

// Builds a grid from its CLI name: uniform, benton, karras, quadratic, logsnr, file.
// For "file" the grid comes from `file` (see grid_from_file) and T, delta, steps are not used;
// its T must still be <= process.t_max(). Unknown names are an error listing the valid ones.
TimeGrid make_grid(const std::string& name, const ForwardProcess& process, double T, double delta,
                   int steps, const std::string& file = "");

struct GridInfo {
  std::string name, description;
};
// (name, one-line description) of every grid make_grid knows, for `difflab sample --list`.
std::vector<GridInfo> list_grids();

}  // namespace difflab
