// difflab sample: run a reverse-time sampler from N(0, I) (or the exact q_T, or a file) with a
// given score model and time grid, and write the samples.
#include <cstdio>
#include <iostream>

#include "cli_common.hpp"
#include "difflab/core/communicator.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/pipeline/distributed_sampling.hpp"
#include "difflab/sampler/brownian_noise.hpp"
#include "difflab/sampler/trajectory_recorder.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/perturbed_score.hpp"
#include "progress_bar.hpp"
#include "run_setup.hpp"

namespace difflab::cli {

namespace {

struct SampleOptions {
  RunOptions run;
  std::string out;
  std::string trajectory;
  Index trajectory_particles = 10;
  std::string summary;
  bool list = false;
};

void print_list() {
  // Name, then the traits (sampler/sampler.hpp): SDE/ODE/MCMC, one-step or multistep, affine,
  // any path or variance-preserving processes only, order, score evaluations per step.
  std::printf("samplers:\n");
  for (const auto& s : list_samplers()) {
    const SamplerTraits& t = s.traits;
    const char* kind = t.family == SamplerTraits::Family::kLangevin ? "MCMC"
                       : t.stochastic                               ? "SDE"
                                                                    : "ODE";
    std::printf("  %-17s %-4s %-9s %-6s %-8s order %-3g NFE/step %-3g %s\n", s.name.c_str(), kind,
                t.one_step ? "one-step" : "multistep", t.affine ? "affine" : "-",
                t.any_path ? "any-path" : "VP-only", t.order, t.nfe_per_step,
                s.description.c_str());
  }
  std::printf("grids:\n");
  for (const auto& g : list_grids())
    std::printf("  %-18s %s\n", g.name.c_str(), g.description.c_str());
}

void run_sample(SampleOptions& opt) {
  if (opt.list) {
    print_list();
    return;
  }
  require(!opt.out.empty(), "--out is required (samples file, .csv or .npy)");
  set_threads(opt.run.threads);
  Communicator& comm = cli_communicator();
  require(comm.size() == 1 || opt.trajectory.empty(),
          "--trajectory is recorded by one process; run it without mpirun");
  RunSetup run = build_run(opt.run.spec);
  SamplerOptions so = opt.run.spec.sampler_options;
  const std::unique_ptr<NoiseSource> noise = make_noise(so, opt.run.spec.seed);

  std::unique_ptr<TrajectoryRecorder> recorder;
  if (!opt.trajectory.empty()) {
    require(opt.trajectory_particles >= 1, "--trajectory-particles must be >= 1");
    const Index k = std::min<Index>(opt.trajectory_particles, run.initial.cols());
    recorder = std::make_unique<TrajectoryRecorder>(k, run.initial.rows());
    recorder->record_initial(run.initial, run.grid->T());
  }
  ProgressBar bar("sampling",
                  static_cast<double>(run.initial.cols()) * static_cast<double>(run.grid->steps()));
  so.on_step = [&](const StepInfo& info, Index first, ConstMatrixRef block) {
    if (recorder) recorder->on_step(info, first, block);
    bar.advance(static_cast<double>(block.cols()));
  };
  Matrix X = run.initial;
  // Under mpirun each rank samples a slice of the particles and rank 0 gathers them
  // (pipeline/distributed_sampling.hpp); rank 0 alone writes.
  const SamplerSummary summary =
      sample_across_ranks(*run.sampler, *run.score, *run.grid, X, so, *noise, comm);
  bar.finish();
  if (comm.rank() != 0) return;
  write_samples(opt.out, X);
  if (recorder) write_text_atomic(opt.trajectory, recorder->csv());
  nlohmann::json report = summary.to_json();
  report["run"] = run.describe();
  report["seed"] = opt.run.spec.seed;
  report["start"] = opt.run.spec.init.empty() ? opt.run.spec.start : "file:" + opt.run.spec.init;
  report["options"] = opt.run.spec.to_json();
  if (const auto* perturbed = dynamic_cast<const PerturbedScore*>(run.score.get())) {
    // The realised L2(q_t) error of the perturbation at the grid's first, middle and last time,
    // by Monte Carlo over exact samples of q_t (it equals --score-error by construction).
    nlohmann::json checks = nlohmann::json::array();
    const std::size_t N = run.grid->steps();
    for (const std::size_t k : {std::size_t{0}, N / 2, N})
      checks.push_back(
          perturbed->realised_l2_error(run.grid->t(k), 20000, opt.run.spec.seed).to_json());
    report["score_error_check"] = checks;
  }
  if (!opt.summary.empty()) write_json(opt.summary, report);
  std::fprintf(stderr,
               "difflab sample: %s on grid %s (N = %zu, T = %g, delta = %g): %ld particles, NFE "
               "%.0f, %.3f s -> %s\n",
               summary.sampler.c_str(), run.grid->name().c_str(), run.grid->steps(), run.grid->T(),
               run.grid->delta(), static_cast<long>(summary.particles), summary.nfe,
               summary.wall_seconds, opt.out.c_str());
}

}  // namespace

void register_sample(CLI::App& app) {
  auto opt = std::make_shared<SampleOptions>();
  CLI::App* sub = app.add_subcommand("sample", "Run a reverse-time sampler and write the samples");
  add_run_options(sub, opt->run);
  // --target is required for sampling (but for a trained model's), not for --list.
  sub->get_option("--target")->required(false);
  sub->add_option("--out", opt->out, "Samples file (.csv or .npy; one particle per row)");
  sub->add_option("--trajectory", opt->trajectory,
                  "Write trajectories of the first particles (CSV: step,t,particle,x...)");
  sub->add_option("--trajectory-particles", opt->trajectory_particles,
                  "How many particles --trajectory records")
      ->capture_default_str();
  sub->add_option("--summary", opt->summary, "Write the run summary (JSON)");
  sub->add_flag("--list", opt->list, "List samplers and grids and exit");
  // Whether a target is needed (not for a trained model's score) is the library's rule
  // (RunSpec::validate).
  sub->callback([opt] { run_sample(*opt); });
}

}  // namespace difflab::cli
