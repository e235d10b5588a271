#pragma once
// Shared pieces of the difflab subcommands: common options and the registry each
// subcommand file adds itself to.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace difflab {
class Communicator;
}

namespace difflab::cli {

// The ranks this process belongs to (core/communicator.hpp): MPI's when launched by mpirun with
// the MPI layer built in (DIFFLAB_MPI), otherwise a serial communicator. Set once by main().
Communicator& cli_communicator();
void set_cli_communicator(Communicator* comm);

struct CommonOptions {
  std::uint64_t seed = 0;
  int threads = 0;  // 0 = all cores
};

// Adds --seed and --threads to a computing subcommand; the values apply before it runs.
void add_common_options(CLI::App* app, CommonOptions& options);
// Applies --threads.
void apply_common_options(const CommonOptions& options);

// Seconds elapsed since t0 (wall clock, for progress lines and result rows).
inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Each subcommand file defines one register_* function; main.cpp calls them all.
void register_demo(CLI::App& app);
void register_target(CLI::App& app);
void register_sample(CLI::App& app);
void register_law(CLI::App& app);
void register_grid(CLI::App& app);
void register_eval(CLI::App& app);
void register_bound(CLI::App& app);
void register_plan(CLI::App& app);
void register_train(CLI::App& app);
void register_app(CLI::App& app);
void register_run(CLI::App& app);
void register_report(CLI::App& app);
void register_strong_error(CLI::App& app);

}  // namespace difflab::cli
