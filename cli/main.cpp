// The difflab executable. Error contract: bad input -> one line on stderr naming the input and
// what is wrong, exit code 2; an internal failure -> one line, exit code 1.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include "cli_common.hpp"
#include "difflab/core/allocator_tuning.hpp"
#include "difflab/core/communicator.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/memory_budget.hpp"
#include "difflab/core/option_ref.hpp"
#include "difflab/core/parallel.hpp"
#ifdef DIFFLAB_HAVE_MPI
#include "mpi/mpi_communicator.hpp"
#endif

namespace difflab::cli {

void add_common_options(CLI::App* app, CommonOptions& options) {
  app->add_option("--seed", options.seed, "Random seed (counter-based: same seed, same bits)")
      ->capture_default_str();
  app->add_option("--threads", options.threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
}

void apply_common_options(const CommonOptions& options) { set_threads(options.threads); }

namespace {
Communicator* cli_comm = nullptr;
}  // namespace

Communicator& cli_communicator() { return cli_comm != nullptr ? *cli_comm : serial_communicator(); }
void set_cli_communicator(Communicator* comm) { cli_comm = comm; }

}  // namespace difflab::cli

namespace {

// The subcommands that share their work among MPI ranks (docs/scale-out.md); any other one, run
// by several ranks, would compute the same thing K times and race to write one file.
bool distributed_subcommand(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string command = argv[1];
  return command == "run" || command == "sample" || command == "train";
}

int run_cli(int argc, char** argv, const difflab::Communicator& comm);

}  // namespace

int main(int argc, char** argv) {
  difflab::tune_allocator_for_large_temporaries();
  std::unique_ptr<difflab::Communicator> mpi;
#ifdef DIFFLAB_HAVE_MPI
  if (difflab::launched_by_mpi()) mpi = difflab::make_mpi_communicator(argc, argv);
#endif
  difflab::cli::set_cli_communicator(mpi.get());
  const int code = run_cli(argc, argv, difflab::cli::cli_communicator());
  difflab::cli::set_cli_communicator(nullptr);
  return code;  // after mpi's destructor: MPI_Finalize
}

namespace {

// Whether the subcommands that were run (e.g. `app sk`) have this flag.
bool has_flag(CLI::App& app, const std::string& flag) {
  for (CLI::App* sub : app.get_subcommands())
    if (sub->get_option_no_throw(flag) != nullptr || has_flag(*sub, flag)) return true;
  return false;
}

int run_cli(int argc, char** argv, const difflab::Communicator& comm) {
  // Bad input is the same on every rank (same command line); rank 0 alone reports it. Ranks of a
  // sweep never see bad input of their own: they report it to rank 0 (pipeline/task_farm.hpp).
  const bool speaks = comm.rank() == 0;
  CLI::App app{"difflab: diffusion models and their error analysis"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "difflab 0.1.0");
  difflab::cli::register_demo(app);
  difflab::cli::register_target(app);
  difflab::cli::register_sample(app);
  difflab::cli::register_law(app);
  difflab::cli::register_grid(app);
  difflab::cli::register_strong_error(app);
  difflab::cli::register_eval(app);
  difflab::cli::register_bound(app);
  difflab::cli::register_plan(app);
  difflab::cli::register_train(app);
  difflab::cli::register_app(app);
  difflab::cli::register_run(app);
  difflab::cli::register_report(app);
  // --max-memory on every subcommand: the budget that requests are checked against before they
  // allocate (core/memory_budget.hpp); set before the subcommand runs.
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    sub->add_option_function<std::string>(
        "--max-memory",
        [](const std::string& v) {
          difflab::set_memory_limit(difflab::parse_memory_size(v, "--max-memory"));
        },
        "Memory a request may use, e.g. 512M or 2G (powers of 1024); default: what the machine "
        "has available");
  try {
    if (comm.size() > 1 && !distributed_subcommand(argc, argv))
      difflab::fail("difflab ", argc >= 2 ? argv[1] : "", " does not share work among MPI ranks (",
                    comm.size(),
                    " here); only difflab run, sample and train do: start it without mpirun");
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (speaks) std::cerr << "difflab: " << e.what() << "\n";
    return 2;
  } catch (const difflab::Error& e) {
    // The library names options by their keys; the command line shows the flags this command
    // has (core/option_ref.hpp).
    if (speaks)
      std::cerr << "difflab: "
                << difflab::render_option_refs_as_flags(
                       e.what(), [&](const std::string& flag) { return has_flag(app, flag); })
                << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "difflab: internal error"
              << (comm.size() > 1 ? " on rank " + std::to_string(comm.rank()) : std::string())
              << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
