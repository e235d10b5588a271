// difflab app: the applications of the seed lecture (section 3 and the section 2 Langevin
// comparison; docs/applications.md): SK Gibbs sampling and Z2-synchronisation posterior sampling by
// stochastic localization, learning a Gaussian mixture with the DDPM objective, and the SE19
// two-mode Langevin baselines. The flags of each are its option table in the library
// (experiment/app_run.hpp, the keys an experiment spec and Python's app() take), which also
// validates and runs it; each writes one JSON result file (atomically) with the measured
// quantities beside their theory values.
#include <algorithm>
#include <iostream>
#include <memory>
#include <utility>

#include "cli_common.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/experiment/app_run.hpp"

namespace difflab::cli {

namespace {

struct AppCliOptions {
  std::string name;
  int threads = 0;
  std::string out;
  // (option, text) of every flag given; integers are read signed, so that a negative count is
  // named by the app's validate() instead of wrapping around.
  std::vector<std::pair<const RunOptionInfo*, std::string>> values;
  std::vector<std::string> texts;   // one per option of the app's table
  std::vector<CLI::Option*> flags;  // their flags
};

nlohmann::json app_option_value(const RunOptionInfo& info, const std::string& text) {
  const std::string flag = "--" + info.name;
  try {
    std::size_t used = 0;
    if (info.kind == OptionKind::kInteger) {
      const long long v = std::stoll(text, &used);
      if (used == text.size()) return v;
    } else if (info.kind == OptionKind::kNumber) {
      const double v = std::stod(text, &used);
      if (used == text.size()) return v;
    } else {
      return text;
    }
  } catch (const std::exception&) {
  }
  fail(flag, ": '", text, "' is not ",
       info.kind == OptionKind::kInteger ? "an integer" : "a number");
}

void run_app_command(const AppCliOptions& o) {
  set_threads(o.threads);
  nlohmann::json options = nlohmann::json::object();
  std::uint64_t seed = 0;
  for (const auto& [info, text] : o.values) {
    if (info->name == "seed") {
      const nlohmann::json v = app_option_value(*info, text);
      require(v.get<long long>() >= 0, "--seed must be >= 0, got ", text);
      seed = v.get<std::uint64_t>();
    } else {
      options[info->name] = app_option_value(*info, text);
    }
  }
  write_json(o.out, run_app_report(o.name, options, seed));
  std::cout << "wrote " << o.out << "\n";
}

void add_app(CLI::App* group, const std::string& name, const std::string& description) {
  auto o = std::make_shared<AppCliOptions>();
  o->name = name;
  CLI::App* sub = group->add_subcommand(name, description);
  const auto& table = app_option_table(name);
  o->texts.resize(table.size());
  for (std::size_t k = 0; k < table.size(); ++k) {
    std::string flag = table[k].name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    const OptionKind kind = table[k].kind;
    o->flags.push_back(sub->add_option("--" + flag, o->texts[k], table[k].help)
                           ->type_name(kind == OptionKind::kInteger  ? "INT"
                                       : kind == OptionKind::kNumber ? "FLOAT"
                                                                     : "TEXT"));
  }
  sub->add_option("--threads", o->threads, "Worker threads (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxThreads));
  sub->add_option("--out", o->out, "Result file (JSON)")->required();
  sub->callback([o, &table] {
    o->values.clear();
    for (std::size_t k = 0; k < table.size(); ++k)
      if (o->flags[k]->count() > 0) o->values.emplace_back(&table[k], o->texts[k]);
    run_app_command(*o);
  });
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
  add_app(group, "sk",
          "Sample the SK Gibbs measure exp((beta/2)<x,Wx>) by stochastic localization + AMP/TAP");
  add_app(group, "z2",
          "Posterior sampling for Z2 synchronisation by stochastic localization + Bayes-AMP");
  add_app(group, "gmm-learn",
          "Learn the means of an isotropic Gaussian mixture by GD on the DDPM objective (two "
          "noise levels) and compare with EM");
  add_app(group, "langevin-modes",
          "SE19 Fig. 3: heavy-mode fraction of Langevin, annealed Langevin and the diffusion "
          "sampler on 0.2 N((-5,-5), I) + 0.8 N((5,5), I)");
}

}  // namespace difflab::cli
