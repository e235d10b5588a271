// difflab app: the applications of the seed lecture (section 3 and the section 2 Langevin
// comparison; docs/applications.md): SK Gibbs sampling and Z2-synchronisation posterior sampling by
// stochastic localization, learning a Gaussian mixture with the DDPM objective, and the SE19
// two-mode Langevin baselines. Each writes one JSON result file (atomically) with the measured
// quantities beside their theory values.
#include <iostream>
#include <memory>

#include "cli_common.hpp"
#include "difflab/apps/gmm_learning.hpp"
#include "difflab/apps/langevin_modes.hpp"
#include "difflab/apps/sk_model.hpp"
#include "difflab/apps/z2_synchronization.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab::cli {

namespace {

// Negative values would wrap around in the unsigned CLI types, so integers are read signed
// and checked by the options' validate().
struct SlCliOptions {
  CommonOptions common;
  long long n = 1000;
  double beta = 0.5;
  apps::SlOptions sl;
  long long samples = 8;
  long long instances = 1;
  std::string out;
};

void add_sl_options(CLI::App* sub, SlCliOptions& o) {
  add_common_options(sub, o.common);
  sub->add_option("--n", o.n, "Number of spins n (>= 2)")->capture_default_str();
  sub->add_option("--beta", o.beta, "Inverse temperature / signal strength beta (>= 0)")
      ->capture_default_str();
  sub->add_option("--samples", o.samples, "Independent samples (per instance)")
      ->capture_default_str();
  sub->add_option("--T", o.sl.T, "Final SL time T = L delta")->capture_default_str();
  sub->add_option("--delta", o.sl.delta, "SL Euler step delta")->capture_default_str();
  sub->add_option("--amp-iterations", o.sl.amp.amp_iterations, "AMP iterations per SL step")
      ->capture_default_str();
  sub->add_option("--ngd-steps", o.sl.amp.ngd_steps,
                  "Natural-gradient steps on the TAP free energy after AMP")
      ->capture_default_str();
  sub->add_option("--ngd-step", o.sl.amp.ngd_step, "NGD step size eta in (0, 1]")
      ->capture_default_str();
  sub->add_option("--rounding", o.sl.rounding, "Final rounding: random (MW23) or sign")
      ->capture_default_str();
  sub->add_option("--out", o.out, "Result file (JSON)")->required();
}

void write_result(const std::string& out, const nlohmann::json& j) {
  write_json(out, j);
  std::cout << "wrote " << out << "\n";
}

}  // namespace

void register_app(CLI::App& app) {
  CLI::App* group = app.add_subcommand(
      "app",
      "Applications: SK and Z2 sampling by stochastic localization, GMM learning with the "
      "DDPM objective, Langevin baselines");
  // No require_subcommand(1): CLI11's message for it does not name the unknown word; without it an
  // unknown application is reported as an unexpected argument naming it, and a bare `difflab app`
  // is caught here.
  group->callback([group] {
    if (group->get_subcommands().empty())
      fail("app: name an application: sk, z2, gmm-learn or langevin-modes");
  });

  {  // sk
    auto o = std::make_shared<SlCliOptions>();
    o->sl.samples = 8;
    CLI::App* sub = group->add_subcommand(
        "sk",
        "Sample the SK Gibbs measure exp((beta/2)<x,Wx>) by stochastic localization + AMP/TAP");
    add_sl_options(sub, *o);
    sub->callback([o] {
      apply_common_options(o->common);
      apps::SkAppOptions so;
      so.n = static_cast<Index>(o->n);
      so.beta = o->beta;
      so.seed = o->common.seed;
      so.sl = o->sl;
      so.sl.samples = static_cast<Index>(o->samples);
      write_result(o->out, apps::run_sk_app(so));
    });
  }
  {  // z2
    auto o = std::make_shared<SlCliOptions>();
    o->beta = 1.5;
    o->sl.T = 5.0;
    CLI::App* sub = group->add_subcommand(
        "z2", "Posterior sampling for Z2 synchronisation by stochastic localization + Bayes-AMP");
    add_sl_options(sub, *o);
    sub->add_option("--instances", o->instances, "Independent (theta, W) instances")
        ->capture_default_str();
    sub->callback([o] {
      apply_common_options(o->common);
      apps::Z2AppOptions zo;
      zo.n = static_cast<Index>(o->n);
      zo.beta = o->beta;
      zo.seed = o->common.seed;
      zo.instances = static_cast<Index>(o->instances);
      zo.sl = o->sl;
      zo.sl.samples = static_cast<Index>(o->samples);
      write_result(o->out, apps::run_z2_app(zo));
    });
  }
  {  // gmm-learn
    struct GmmCli {
      CommonOptions common;
      long long n = 4000, d = 20, k = 2;
      apps::GmmLearnOptions g;
      std::string out;
    };
    auto o = std::make_shared<GmmCli>();
    CLI::App* sub = group->add_subcommand(
        "gmm-learn",
        "Learn the means of an isotropic Gaussian mixture by GD on the DDPM objective "
        "(two noise levels) and compare with EM");
    add_common_options(sub, o->common);
    sub->add_option("--n", o->n, "Data points")->capture_default_str();
    sub->add_option("--d", o->d, "Dimension")->capture_default_str();
    sub->add_option("--k", o->k, "Components (2..min(d, 8))")->capture_default_str();
    sub->add_option("--radius", o->g.radius, "Half the distance between true means")
        ->capture_default_str();
    sub->add_option("--init", o->g.init, "random or warm")->capture_default_str();
    sub->add_option("--t-large", o->g.t_large, "Stage-1 noise level (< 0: log d)")
        ->capture_default_str();
    sub->add_option("--steps-large", o->g.steps_large, "Stage-1 GD steps")->capture_default_str();
    sub->add_option("--lr-large", o->g.lr_large, "Stage-1 rate (eta = lr e^{2t})")
        ->capture_default_str();
    sub->add_option("--t-small", o->g.t_small, "Stage-2 noise level")->capture_default_str();
    sub->add_option("--steps-small", o->g.steps_small, "Stage-2 GD steps")->capture_default_str();
    sub->add_option("--lr-small", o->g.lr_small, "Stage-2 rate (eta = lr e^{2t})")
        ->capture_default_str();
    sub->add_option("--em-iterations", o->g.em_iterations, "EM iterations")->capture_default_str();
    sub->add_option("--out", o->out, "Result file (JSON)")->required();
    sub->callback([o] {
      apply_common_options(o->common);
      apps::GmmLearnOptions g = o->g;
      g.n = static_cast<Index>(o->n);
      g.d = static_cast<Index>(o->d);
      g.K = static_cast<Index>(o->k);
      g.seed = o->common.seed;
      write_result(o->out, apps::run_gmm_learn_app(g));
    });
  }
  {  // langevin-modes
    struct LmCli {
      CommonOptions common;
      long long n = 1280;
      apps::LangevinModesOptions l;
      std::string out;
    };
    auto o = std::make_shared<LmCli>();
    CLI::App* sub = group->add_subcommand(
        "langevin-modes",
        "SE19 Fig. 3: heavy-mode fraction of Langevin, annealed Langevin and the "
        "diffusion sampler on 0.2 N((-5,-5), I) + 0.8 N((5,5), I)");
    add_common_options(sub, o->common);
    sub->add_option("--n", o->n, "Particles")->capture_default_str();
    sub->add_option("--eps", o->l.eps, "Step size eps")->capture_default_str();
    sub->add_option("--convention", o->l.convention,
                    "Step convention: alg1 (x + (a/2)s + sqrt(a)z) or code (x + a s + sqrt(2a)z)")
        ->capture_default_str();
    sub->add_option("--langevin-steps", o->l.langevin_steps, "Plain Langevin iterations")
        ->capture_default_str();
    sub->add_option("--levels", o->l.levels, "Annealing levels")->capture_default_str();
    sub->add_option("--steps-per-level", o->l.steps_per_level, "Annealed steps per level")
        ->capture_default_str();
    sub->add_option("--annealed-score", o->l.annealed_score, "se19-code or perturbed")
        ->capture_default_str();
    sub->add_option("--diffusion-steps", o->l.diffusion_steps, "EI steps of the diffusion sampler")
        ->capture_default_str();
    sub->add_option("--out", o->out, "Result file (JSON)")->required();
    sub->callback([o] {
      apply_common_options(o->common);
      apps::LangevinModesOptions l = o->l;
      l.n = static_cast<Index>(o->n);
      l.seed = o->common.seed;
      write_result(o->out, apps::run_langevin_modes_app(l));
    });
  }
}

}  // namespace difflab::cli
