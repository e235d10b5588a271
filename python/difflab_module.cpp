// The Python module `difflab` (pybind11): targets, score models, grids, samplers, exact laws,
// metrics and bounds, with numpy arrays in and out.
//
// Layout: Python users hold samples as an (n, d) array, one sample per row. A C-contiguous
// (n, d) float64 array has exactly the memory layout of difflab's column-major d x n particle
// matrix, so inputs are mapped without a copy and outputs are written in place into fresh numpy
// arrays. Other dtypes or layouts are converted once (py::array::forcecast | c_style).
//
// Sampling reproduces `difflab sample` bit for bit for the same options and seed: the initial
// points come from the same initial_points(seed) and the noise from the same CounterNoise(seed)
// (tests/python/test_module.py checks it against the CLI).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bridge.hpp"
#include "callable_score.hpp"
#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_registry.hpp"
#include "difflab/core/error.hpp"
#include "difflab/core/memory_budget.hpp"
#include "difflab/core/parallel.hpp"
#include "difflab/core/rng.hpp"
#include "difflab/law/affine_gaussian_law.hpp"
#include "difflab/law/grid_distances.hpp"
#include "difflab/law/grid_law.hpp"
#include "difflab/metrics/empirical_w2.hpp"
#include "difflab/metrics/energy_distance.hpp"
#include "difflab/metrics/gaussian_distances.hpp"
#include "difflab/metrics/mmd.hpp"
#include "difflab/metrics/sliced_w2.hpp"
#include "difflab/process/forward_process.hpp"
#include "difflab/sampler/initialization.hpp"
#include "difflab/sampler/sampler.hpp"
#include "difflab/schedule/grids.hpp"
#include "difflab/score/exact_score.hpp"
#include "difflab/score/perturbed_score.hpp"
#include "difflab/target/target.hpp"

namespace py = pybind11;
using namespace difflab_python;  // NOLINT: this file is the bridge's other half

namespace difflab_python {
void bind_engine(py::module_& m);  // engine_bindings.cpp
}  // namespace difflab_python

namespace {

difflab::TimeGrid grid_of(const std::string& name, const difflab::ForwardProcess& process, double T,
                          double delta, int steps, const py::object& times) {
  if (!times.is_none()) {
    const Vector t = numpy_to_vector(times.cast<Array>(), "times");
    return difflab::TimeGrid(std::vector<double>(t.data(), t.data() + t.size()), "custom");
  }
  return difflab::make_grid(name, process, T, delta, steps);
}

}  // namespace

PYBIND11_MODULE(difflab, m) {
  m.doc() = "difflab: diffusion models and their error analysis (numpy in, numpy out)";
  py::register_exception<difflab::Error>(m, "Error", PyExc_ValueError);

  m.def("set_threads", &difflab::set_threads, py::arg("threads") = 0,
        "Worker threads (0 = all cores); results do not depend on it");
  m.def(
      "set_max_memory",
      [](const py::object& size) {
        difflab::set_memory_limit(
            size.is_none()
                ? 0
                : difflab::parse_memory_size(py::str(size).cast<std::string>(), "max_memory"));
      },
      py::arg("size"),
      "The max_memory setting: memory one request may use, e.g. '512M' or '2G' (powers of "
      "1024); requests that need more are refused before allocating. None: back to the default, "
      "what the machine has available (or the environment variable DIFFLAB_MAX_MEMORY)");

  py::class_<difflab::ForwardProcess, std::shared_ptr<difflab::ForwardProcess>>(m, "Process")
      .def(py::init([](const std::string& name) {
             return std::const_pointer_cast<difflab::ForwardProcess>(difflab::make_process(name));
           }),
           py::arg("name") = "ou")
      .def("alpha", &difflab::ForwardProcess::alpha)
      .def("sigma2", &difflab::ForwardProcess::sigma2);

  py::class_<difflab::Target, std::shared_ptr<difflab::Target>>(m, "Target")
      .def(py::init(&make_target), py::arg("spec"),
           "A target from its JSON spec (a dict) or a path to a JSON file")
      .def_property_readonly("dim", &difflab::Target::dim)
      .def_property_readonly("type", &difflab::Target::type)
      .def("to_json", [](const difflab::Target& t) { return from_json(t.to_json()); })
      .def("summary", [](const difflab::Target& t) { return from_json(t.summary().to_json()); })
      .def(
          "sample",
          [](const difflab::Target& t, Index n, std::uint64_t seed) {
            if (n < 1) throw difflab::Error("sample: n must be >= 1");
            return to_numpy(t.sample(n, difflab::CounterRng(seed)));
          },
          py::arg("n"), py::arg("seed") = 0, "n exact samples, shape (n, d)")
      .def(
          "log_density",
          [](const difflab::Target& t, const Array& X, double alpha, double sigma2) {
            difflab::require_noise_level(alpha, sigma2, "log_density");
            const auto P = particles(X, t.dim(), "log_density");
            Vector out(P.cols());
            t.noised_log_density(alpha, sigma2, P, out);
            return vector_to_numpy(out);
          },
          py::arg("x"), py::arg("alpha") = 1.0, py::arg("sigma2") = 0.0,
          "log density of Law(alpha X + sigma Z) at the rows of x")
      .def(
          "score",
          [](const difflab::Target& t, const Array& X, double alpha, double sigma2) {
            difflab::require_noise_level(alpha, sigma2, "score");
            const auto P = particles(X, t.dim(), "score");
            auto [out, map] = new_particles(P.rows(), P.cols());
            t.noised_score(alpha, sigma2, P, map);
            return out;
          },
          py::arg("x"), py::arg("alpha") = 1.0, py::arg("sigma2") = 0.0);

  py::class_<Score>(m, "Score")
      .def_property_readonly("dim", [](const Score& s) { return s.model->dim(); })
      .def_property_readonly("name", [](const Score& s) { return s.model->name(); })
      .def("to_json", [](const Score& s) { return from_json(s.model->to_json()); })
      .def(
          "__call__",
          [](const Score& s, double t, const Array& X) {
            difflab::require_forward_time(t, "score");
            const auto P = particles(X, s.model->dim(), "score");
            auto [out, map] = new_particles(P.rows(), P.cols());
            {
              // A score from a Python callable takes the GIL itself (callable_score.cpp).
              py::gil_scoped_release release;
              s.model->score(t, P, map);
            }
            return out;
          },
          py::arg("t"), py::arg("x"), "s(t, x) at the rows of x")
      .def_static("from_callable", &score_from_callable, py::arg("f"), py::kw_only(),
                  py::arg("prediction") = "score", py::arg("time") = "t", py::arg("process") = "ou",
                  py::arg("target") = py::none(), py::arg("vector_time") = false,
                  py::arg("label") = "callable", py::arg("precision") = 0.0,
                  "A score model from f(x, tau) -> (n, d) array: x is an (n, d) block of "
                  "particles, tau the model time in the convention `time` (t, sigma = "
                  "sigma_t/alpha_t, logsnr = log(alpha_t/sigma_t)); f predicts `prediction` "
                  "(score, noise, data, velocity), converted to the score (docs/theory.md 11.4). "
                  "f runs once per step per block of particles. precision: the relative "
                  "rounding of f's output when coarser than float64 (a float32 network: "
                  "numpy.finfo(numpy.float32).eps); the exact laws' checks allow for it.");

  // The PyTorch adapter is pure Python (python/difflab_torch.py) and imported on first use, so
  // importing difflab never imports torch.
  m.def(
      "torch_score",
      [](const py::args& args, const py::kwargs& kwargs) {
        py::list path = py::module_::import("sys").attr("path");
        if (!path.contains(DIFFLAB_PYTHON_DIR)) path.append(DIFFLAB_PYTHON_DIR);
        return py::module_::import("difflab_torch").attr("torch_score")(*args, **kwargs);
      },
      "torch_score(module, *, target, prediction='score', time='t', process='ou', device='cpu', "
      "dtype=torch.float32): a torch.nn.Module called as module(x, tau) under torch.no_grad() "
      "on blocks of particles, as a Score (python/difflab_torch.py)");
  m.def(
      "exact_score",
      [](const std::shared_ptr<difflab::Target>& target, const std::string& process) {
        return Score{target,
                     std::make_shared<difflab::ExactScore>(target, difflab::make_process(process))};
      },
      py::arg("target"), py::arg("process") = "ou");
  m.def(
      "perturbed_score",
      [](const std::shared_ptr<difflab::Target>& target, double eps, const std::string& kind,
         std::uint64_t seed, const std::string& process) {
        const auto p = difflab::make_process(process);
        if (kind == "direction")
          return Score{target, std::make_shared<difflab::PerturbedScore>(target, p, eps, seed)};
        if (kind == "linear")
          return Score{target, difflab::PerturbedScore::random_linear_map(target, p, eps, seed)};
        throw difflab::Error("perturbed_score: unknown kind '" + kind +
                             "' (valid: direction, linear)");
      },
      py::arg("target"), py::arg("eps"), py::arg("kind") = "direction", py::arg("seed") = 0,
      py::arg("process") = "ou",
      "The exact score plus a perturbation of L2 size eps (as difflab sample --score perturbed)");

  m.def(
      "grid",
      [](const std::string& name, double T, double delta, int steps, const std::string& process) {
        const difflab::TimeGrid g =
            difflab::make_grid(name, *difflab::make_process(process), T, delta, steps);
        return vector_to_numpy(
            Eigen::Map<const Vector>(g.times().data(), static_cast<Index>(g.times().size())));
      },
      py::arg("name") = "benton", py::arg("T") = 6.0, py::arg("delta") = 1e-3,
      py::arg("steps") = 200, py::arg("process") = "ou", "The forward times t_0 = T > ... > delta");

  m.def(
      "samplers",
      [] {
        py::dict out;
        for (const auto& s : difflab::list_samplers()) out[py::str(s.name)] = s.description;
        return out;
      },
      "Sampler names and descriptions");

  m.def(
      "gaussian_law",
      [](const Score& score, const std::string& sampler, const std::string& grid, double T,
         double delta, int steps, const py::object& times) {
        const difflab::TimeGrid g = grid_of(grid, score.model->process(), T, delta, steps, times);
        const Index d = score.model->dim();
        difflab::GaussianLaw law;
        {
          py::gil_scoped_release release;
          law = difflab::affine_gaussian_law(
              *difflab::make_sampler(sampler), *score.model, g, difflab::SamplerOptions{},
              difflab::GaussianLaw{Vector::Zero(d), Matrix::Identity(d, d)});
        }
        return py::make_tuple(vector_to_numpy(law.mean), matrix_to_numpy(law.cov));
      },
      py::arg("score"), py::arg("sampler") = "ei", py::arg("grid") = "benton", py::arg("T") = 6.0,
      py::arg("delta") = 1e-3, py::arg("steps") = 200, py::arg("times") = py::none(),
      "(mean, cov) of the exact Gaussian output law from N(0, I) (affine samplers and scores)");

  m.def(
      "grid_law_distances",
      [](const Score& score, const std::string& sampler, const std::string& grid, double T,
         double delta, int steps) {
        const difflab::TimeGrid g =
            grid_of(grid, score.model->process(), T, delta, steps, py::none());
        difflab::GridDistances dist;
        std::string method;
        {
          py::gil_scoped_release release;
          const difflab::GridLaw law =
              difflab::grid_output_law(*difflab::make_sampler(sampler), *score.model, g,
                                       difflab::SamplerOptions{}, *score.target);
          method = law.method;
          dist = difflab::grid_law_distances(law, *score.target, 1.0, 0.0);
        }
        py::dict out;
        out["method"] = method;
        out["kl_target_output"] = dist.kl_target_output;
        out["kl_output_target"] = dist.kl_output_target;
        out["w2"] = dist.w2;
        out["tv_bounds"] = py::make_tuple(dist.tv_lower, dist.tv_upper);
        if (dist.tv) out["tv"] = *dist.tv;
        return out;
      },
      py::arg("score"), py::arg("sampler") = "ei", py::arg("grid") = "benton", py::arg("T") = 6.0,
      py::arg("delta") = 1e-3, py::arg("steps") = 200,
      "Distances of the grid law (1-D or product targets) to the target");

  const auto estimate = [](const difflab::Estimate& e) { return from_json(e.to_json()); };
  m.def(
      "w2",
      [estimate](const Array& X, const Array& Y) {
        const auto A = particles(X, 0, "w2: x");
        return estimate(difflab::empirical_w2(A, particles(Y, A.rows(), "w2: y")));
      },
      py::arg("x"), py::arg("y"), "Exact W2 between two empirical measures (network simplex)");
  m.def(
      "sliced_w2",
      [estimate](const Array& X, const Array& Y, Index projections, std::uint64_t seed) {
        const auto A = particles(X, 0, "sliced_w2: x");
        difflab::SlicedW2Options o;
        o.projections = projections;
        o.seed = seed;
        return estimate(difflab::sliced_w2(A, particles(Y, A.rows(), "sliced_w2: y"), o));
      },
      py::arg("x"), py::arg("y"), py::arg("projections") = 200, py::arg("seed") = 0);
  m.def(
      "mmd2",
      [estimate](const Array& X, const Array& Y) {
        const auto A = particles(X, 0, "mmd2: x");
        return estimate(difflab::mmd2(A, particles(Y, A.rows(), "mmd2: y")));
      },
      py::arg("x"), py::arg("y"), "Unbiased MMD^2, RBF kernel, median-heuristic bandwidth");
  m.def(
      "energy_distance",
      [estimate](const Array& X, const Array& Y) {
        const auto A = particles(X, 0, "energy_distance: x");
        return estimate(difflab::energy_distance(A, particles(Y, A.rows(), "energy_distance: y")));
      },
      py::arg("x"), py::arg("y"));
  m.def(
      "gaussian_kl",
      [](const Array& m0, const Array& S0, const Array& m1, const Array& S1) {
        return difflab::gaussian_kl(numpy_to_vector(m0, "m0"), numpy_to_matrix(S0, "S0"),
                                    numpy_to_vector(m1, "m1"), numpy_to_matrix(S1, "S1"));
      },
      py::arg("m0"), py::arg("S0"), py::arg("m1"), py::arg("S1"), "KL(N(m0, S0) || N(m1, S1))");
  m.def(
      "gaussian_w2",
      [](const Array& m0, const Array& S0, const Array& m1, const Array& S1) {
        return difflab::gaussian_w2(numpy_to_vector(m0, "m0"), numpy_to_matrix(S0, "S0"),
                                    numpy_to_vector(m1, "m1"), numpy_to_matrix(S1, "S1"));
      },
      py::arg("m0"), py::arg("S0"), py::arg("m1"), py::arg("S1"));

  bind_engine(m);
}
