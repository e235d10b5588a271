#include "difflab/schedule/grids.hpp"

#include <cmath>

#include "difflab/core/error.hpp"
#include "difflab/core/option_ref.hpp"

namespace difflab {

namespace {

// The argument rules shared by every grid (grids.hpp).
void check_arguments(const char* grid, double T, double delta, int steps) {
  require(steps >= 1, grid, " grid: steps must be >= 1, got ", steps);
  require(std::isfinite(T), grid, " grid: T must be finite, got ", T);
  require(std::isfinite(delta), grid, " grid: delta must be finite, got ", delta);
  require(delta >= 0, grid, " grid: delta must be >= 0, got ", delta);
  require(T > delta, grid, " grid: T must be greater than delta, got T = ", T,
          " and delta = ", delta);
}

void check_horizon(const char* grid, const ForwardProcess& process, double T) {
  require(T <= process.t_max(), grid, " grid: T = ", T, " is beyond the ", process.name(),
          " process's largest time t_max = ", process.t_max());
}

void check_sigma_min(const char* grid, double sigma_min_at_zero) {
  require(std::isfinite(sigma_min_at_zero) && sigma_min_at_zero > 0, grid,
          " grid: sigma_min_at_zero must be finite and > 0, got ", sigma_min_at_zero);
}

// Noise-to-signal ratio r(t) = sigma(t)/alpha(t); for a variance-preserving process
// sqrt(alpha^{-2} - 1), computed as sqrt(expm1(-2 log alpha)) so that it is accurate at small t.
double noise_ratio(const ForwardProcess& process, double t) {
  if (!process.variance_preserving()) return std::exp(-process.log_snr(t));
  return std::sqrt(std::expm1(-2.0 * process.log_alpha(t)));
}

// Inverse of noise_ratio through the log-SNR lambda = log(alpha/sigma) = -log r.
double time_of_noise_ratio(const ForwardProcess& process, double r) {
  return process.t_of_log_snr(-std::log(r));
}

}  // namespace

TimeGrid uniform_grid(double T, double delta, int steps) {
  check_arguments("uniform", T, delta, steps);
  std::vector<double> t(static_cast<std::size_t>(steps) + 1);
  const double h = (T - delta) / steps;
  for (int k = 0; k < steps; ++k) t[static_cast<std::size_t>(k)] = T - k * h;
  t.back() = delta;
  return TimeGrid(std::move(t), "uniform");
}

TimeGrid benton_grid(double T, double delta, int steps) {
  check_arguments("benton", T, delta, steps);
  require(steps % 2 == 0, "benton grid: steps must be even (half uniform, half geometric), got ",
          steps);
  require(T > 1, "benton grid: T must be > 1 (the uniform half runs from T down to 1), got ", T,
          "; for a shorter horizon pass another ", option_ref("grid"), " (uniform, logsnr, ...)");
  require(delta > 0 && delta < 1,
          "benton grid: delta must lie in (0, 1) (the geometric half runs from 1 down to delta), "
          "got ",
          delta);
  // docs/theory.md 3.5: with M = N/2, the reverse-time grid (T - 1) k/M, k <= M, then
  // T - delta^{(k-M)/M}; in forward time (t = T - reverse time):
  const int M = steps / 2;
  std::vector<double> t(static_cast<std::size_t>(steps) + 1);
  for (int k = 0; k < M; ++k) t[static_cast<std::size_t>(k)] = T - (T - 1.0) * k / M;
  for (int k = M; k <= steps; ++k)
    t[static_cast<std::size_t>(k)] = std::pow(delta, static_cast<double>(k - M) / M);
  t[static_cast<std::size_t>(M)] = 1.0;  // pow(delta, 0) is 1 already; stated for clarity
  t.back() = delta;
  return TimeGrid(std::move(t), "benton");
}

TimeGrid karras_grid(const ForwardProcess& process, double T, double delta, int steps, double rho,
                     double sigma_min_at_zero) {
  check_arguments("karras", T, delta, steps);
  check_horizon("karras", process, T);
  require(std::isfinite(rho) && rho > 0, "karras grid: rho must be finite and > 0, got ", rho);
  check_sigma_min("karras", sigma_min_at_zero);
  std::vector<double> t(static_cast<std::size_t>(steps) + 1);
  t.front() = T;
  t.back() = delta;
  // EDM's formula fills indices 1..N-1: with delta > 0 it runs over i/N and its last point
  // i = N is delta itself; with delta = 0 it runs over i/(N-1), its last point i = N-1 is
  // r_min = sigma_min_at_zero, and t_N = 0 is appended.
  const int K = delta > 0 ? steps : steps - 1;
  if (K >= 1) {
    const double r_max = noise_ratio(process, T);
    const double r_min = delta > 0 ? noise_ratio(process, delta) : sigma_min_at_zero;
    require(r_min < r_max, "karras grid: with delta = 0 the last positive time has noise ratio ",
            "sigma_min_at_zero = ", r_min, ", which is not below the ratio at T (", r_max,
            "); increase T");
    const double a = std::pow(r_max, 1.0 / rho), b = std::pow(r_min, 1.0 / rho);
    for (int i = 1; i < steps; ++i) {
      // Karras et al. 2022 eq. (5).
      const double r = std::pow(a + static_cast<double>(i) / K * (b - a), rho);
      t[static_cast<std::size_t>(i)] = time_of_noise_ratio(process, r);
    }
  }
  return TimeGrid(std::move(t), "karras");
}

TimeGrid quadratic_grid(double T, double delta, int steps) {
  check_arguments("quadratic", T, delta, steps);
  std::vector<double> t(static_cast<std::size_t>(steps) + 1);
  for (int k = 0; k <= steps; ++k) {
    const double u = static_cast<double>(steps - k) / steps;
    t[static_cast<std::size_t>(k)] = delta + (T - delta) * u * u;
  }
  t.front() = T;
  t.back() = delta;
  return TimeGrid(std::move(t), "quadratic");
}

TimeGrid logsnr_grid(const ForwardProcess& process, double T, double delta, int steps,
                     double sigma_min_at_zero) {
  check_arguments("logsnr", T, delta, steps);
  check_horizon("logsnr", process, T);
  check_sigma_min("logsnr", sigma_min_at_zero);
  std::vector<double> t(static_cast<std::size_t>(steps) + 1);
  t.front() = T;
  t.back() = delta;
  const int K = delta > 0 ? steps : steps - 1;  // steps uniform in lambda
  if (K >= 1) {
    const double lambda_T = process.log_snr(T);
    const double lambda_end = delta > 0 ? process.log_snr(delta) : -std::log(sigma_min_at_zero);
    require(lambda_end > lambda_T,
            "logsnr grid: with delta = 0 the last positive time has log-SNR -log(",
            sigma_min_at_zero, ") = ", lambda_end, ", which is not above the log-SNR at T (",
            lambda_T, "); increase T");
    for (int k = 1; k < steps; ++k)
      t[static_cast<std::size_t>(k)] =
          process.t_of_log_snr(lambda_T + static_cast<double>(k) / K * (lambda_end - lambda_T));
  }
  return TimeGrid(std::move(t), "logsnr");
}

TimeGrid make_grid(const std::string& name, const ForwardProcess& process, double T, double delta,
                   int steps, const std::string& file) {
  if (name == "file") {
    require(!file.empty(), "grid 'file' needs a grid file (one forward time per line)");
    TimeGrid grid = grid_from_file(file);
    require(grid.T() <= process.t_max(), file, ": first time T = ", grid.T(), " is beyond the ",
            process.name(), " process's largest time t_max = ", process.t_max());
    return grid;
  }
  require(file.empty(), "grid '", name, "': a grid file is only used with the grid 'file'");
  if (name == "uniform" || name == "benton" || name == "quadratic") {
    check_arguments(name.c_str(), T, delta, steps);
    check_horizon(name.c_str(), process, T);
  }
  if (name == "uniform") return uniform_grid(T, delta, steps);
  if (name == "benton") return benton_grid(T, delta, steps);
  if (name == "karras") return karras_grid(process, T, delta, steps);
  if (name == "quadratic") return quadratic_grid(T, delta, steps);
  if (name == "logsnr") return logsnr_grid(process, T, delta, steps);
  std::string valid;
  for (const auto& g : list_grids()) valid += (valid.empty() ? "" : ", ") + g.name;
  fail("unknown grid '", name, "' (valid: ", valid, ")");
}

std::vector<GridInfo> list_grids() {
  return {
      {"uniform", "equal steps (T - delta)/N"},
      {"benton", "Benton et al.: half uniform on [1, T], half geometric from 1 to delta (N even)"},
      {"karras", "Karras et al. (EDM), rho = 7, in the noise ratio sigma/alpha"},
      {"quadratic", "quadratic in the step index (DDIM 'quad'): t_k = delta + (T-delta)(1-k/N)^2"},
      {"logsnr", "uniform in log-SNR log(alpha/sigma) (DPM-Solver)"},
      {"file", "user grid from option 'grid_file': one forward time per line, decreasing"},
  };
}

}  // namespace difflab
