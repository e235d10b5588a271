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

#include "difflab/bounds/bound_inputs.hpp"
#include "difflab/bounds/bound_registry.hpp"
#include "difflab/core/error.hpp"
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
using difflab::Index;
using difflab::Matrix;
using difflab::Vector;

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// An (n, d) array viewed as the d x n particle matrix (no copy).
Eigen::Map<const Matrix> particles(const Array& a, Index d, const char* what) {
  if (a.ndim() != 2)
    throw difflab::Error(std::string(what) + ": expected a 2-D array (n, d), got " +
                         std::to_string(a.ndim()) + " dimensions");
  if (d > 0 && a.shape(1) != d)
    throw difflab::Error(std::string(what) + ": " + std::to_string(a.shape(1)) +
                         " columns, expected the dimension " + std::to_string(d));
  return {a.data(), static_cast<Index>(a.shape(1)), static_cast<Index>(a.shape(0))};
}

// A fresh (n, d) array and the d x n matrix view that writes into it.
std::pair<Array, Eigen::Map<Matrix>> new_particles(Index d, Index n) {
  Array out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(d)});
  return {out, Eigen::Map<Matrix>(out.mutable_data(), d, n)};
}

Array to_numpy(const Matrix& X) {  // d x n -> (n, d)
  auto [out, map] = new_particles(X.rows(), X.cols());
  map = X;
  return out;
}

py::array_t<double> vector_to_numpy(const Vector& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.data(), v.data() + v.size(), out.mutable_data());
  return out;
}

Vector numpy_to_vector(const Array& a, const char* what) {
  if (a.ndim() != 1) throw difflab::Error(std::string(what) + ": expected a 1-D array");
  return Eigen::Map<const Vector>(a.data(), a.shape(0));
}

Matrix numpy_to_matrix(const Array& a, const char* what) {
  if (a.ndim() != 2) throw difflab::Error(std::string(what) + ": expected a 2-D array");
  // Row-major (r, c) -> column-major matrix.
  Matrix M(a.shape(0), a.shape(1));
  for (py::ssize_t i = 0; i < a.shape(0); ++i)
    for (py::ssize_t j = 0; j < a.shape(1); ++j) M(i, j) = a.at(i, j);
  return M;
}

py::array_t<double> matrix_to_numpy(const Matrix& M) {
  py::array_t<double> out({static_cast<py::ssize_t>(M.rows()), static_cast<py::ssize_t>(M.cols())});
  auto r = out.mutable_unchecked<2>();
  for (Index i = 0; i < M.rows(); ++i)
    for (Index j = 0; j < M.cols(); ++j) r(i, j) = M(i, j);
  return out;
}

// JSON <-> Python through the json module (specs are small).
nlohmann::json to_json(const py::object& o) {
  const py::object dumps = py::module_::import("json").attr("dumps");
  return nlohmann::json::parse(dumps(o).cast<std::string>());
}
py::object from_json(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

// A target from a dict (a spec), a str (a path to a JSON spec) or a Target.
std::shared_ptr<difflab::Target> make_target(const py::object& spec) {
  if (py::isinstance<difflab::Target>(spec)) return spec.cast<std::shared_ptr<difflab::Target>>();
  if (py::isinstance<py::str>(spec)) return difflab::load_target(spec.cast<std::string>());
  return difflab::make_target(to_json(spec), "target");
}

// A score model with its target kept alive.
struct Score {
  std::shared_ptr<const difflab::Target> target;
  std::shared_ptr<const difflab::ScoreModel> model;
};

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
            const auto P = particles(X, s.model->dim(), "score");
            auto [out, map] = new_particles(P.rows(), P.cols());
            s.model->score(t, P, map);
            return out;
          },
          py::arg("t"), py::arg("x"), "s(t, x) at the rows of x");

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
      "sample",
      [](const Score& score, const std::string& sampler, const std::string& grid, double T,
         double delta, int steps, Index n, std::uint64_t seed, const std::string& start,
         bool denoise_last_step, const py::object& times, const py::object& initial) {
        const difflab::ForwardProcess& process = score.model->process();
        const difflab::TimeGrid g = grid_of(grid, process, T, delta, steps, times);
        Matrix X;
        if (!initial.is_none()) {
          X = particles(initial.cast<Array>(), score.model->dim(), "initial");
        } else {
          if (n < 1) throw difflab::Error("sample: n must be >= 1");
          X = difflab::initial_points(difflab::parse_initial_law(start), *score.target, process,
                                      g.T(), n, difflab::CounterRng(seed));
        }
        const auto s = difflab::make_sampler(sampler);
        difflab::SamplerOptions options;
        options.denoise_last_step = denoise_last_step;
        options.validate();
        {
          py::gil_scoped_release release;
          s->sample(*score.model, g, X, options, difflab::CounterNoise(seed));
        }
        return to_numpy(X);
      },
      py::arg("score"), py::arg("sampler") = "ei", py::arg("grid") = "benton", py::arg("T") = 6.0,
      py::arg("delta") = 1e-3, py::arg("steps") = 200, py::arg("n") = 1000, py::arg("seed") = 0,
      py::arg("start") = "normal", py::arg("denoise_last_step") = false,
      py::arg("times") = py::none(), py::arg("initial") = py::none(),
      "Samples (n, d); the same bits as `difflab sample` with the same options and seed");

  m.def(
      "gaussian_law",
      [](const Score& score, const std::string& sampler, const std::string& grid, double T,
         double delta, int steps, const py::object& times) {
        const difflab::TimeGrid g = grid_of(grid, score.model->process(), T, delta, steps, times);
        const Index d = score.model->dim();
        const difflab::GaussianLaw law = difflab::affine_gaussian_law(
            *difflab::make_sampler(sampler), *score.model, g, difflab::SamplerOptions{},
            difflab::GaussianLaw{Vector::Zero(d), Matrix::Identity(d, d)});
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
        const difflab::GridLaw law =
            difflab::grid_output_law(*difflab::make_sampler(sampler), *score.model, g,
                                     difflab::SamplerOptions{}, *score.target);
        const difflab::GridDistances dist =
            difflab::grid_law_distances(law, *score.target, 1.0, 0.0);
        py::dict out;
        out["method"] = law.method;
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

  m.def(
      "bound",
      [](const std::string& paper, const py::object& target, const py::dict& inputs) {
        difflab::BoundInputs in;
        for (const auto& [key_obj, value] : inputs) {
          const std::string key = py::str(key_obj);
          if (key == "d")
            in.d = value.cast<Index>();
          else if (key == "T")
            in.T = value.cast<double>();
          else if (key == "delta")
            in.delta = value.cast<double>();
          else if (key == "steps")
            in.steps = value.cast<int>();
          else if (key == "grid")
            in.grid_kind = value.cast<std::string>();
          else if (key == "L")
            in.L = value.cast<double>();
          else if (key == "m2")
            in.m2 = value.cast<double>();
          else if (key == "kl")
            in.kl_to_normal = value.cast<double>();
          else if (key == "eps_score")
            in.eps_score = value.cast<double>();
          else if (key == "accuracy")
            in.accuracy = value.cast<double>();
          else if (key == "constants")
            in.constants = value.cast<std::map<std::string, double>>();
          else
            throw difflab::Error("bound: unknown input '" + key +
                                 "' (valid: d, T, delta, steps, grid, L, m2, kl, eps_score, "
                                 "accuracy, constants)");
        }
        if (!target.is_none()) in = difflab::from_target(*make_target(target), in);
        return from_json(difflab::compute_bound(paper, in).to_json());
      },
      py::arg("paper"), py::arg("target") = py::none(), py::arg("inputs") = py::dict(),
      "A published bound's value and terms (as `difflab bound`); target-derived inputs from "
      "`target` where not given");
}
