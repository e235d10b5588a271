#pragma once
// The bridge between numpy / Python objects and the library, shared by the module's files.
//
// Layout: Python users hold samples as an (n, d) array, one sample per row. A C-contiguous
// (n, d) float64 array has exactly the memory layout of difflab's column-major d x n particle
// matrix, so inputs are mapped without a copy and outputs are written in place into fresh numpy
// arrays. Other dtypes or layouts are converted once (py::array::forcecast | c_style).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/error.hpp"
#include "difflab/score/score_model.hpp"
#include "difflab/target/target.hpp"

namespace py = pybind11;
using difflab::Index;
using difflab::Matrix;
using difflab::Vector;

namespace difflab_python {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;

// An (n, d) array viewed as the d x n particle matrix (no copy).
inline Eigen::Map<const Matrix> particles(const Array& a, Index d, const char* what) {
  if (a.ndim() != 2)
    throw difflab::Error(std::string(what) + ": expected a 2-D array (n, d), got " +
                         std::to_string(a.ndim()) + " dimensions");
  if (d > 0 && a.shape(1) != d)
    throw difflab::Error(std::string(what) + ": " + std::to_string(a.shape(1)) +
                         " columns, expected the dimension " + std::to_string(d));
  return {a.data(), static_cast<Index>(a.shape(1)), static_cast<Index>(a.shape(0))};
}

// A fresh (n, d) array and the d x n matrix view that writes into it.
inline std::pair<Array, Eigen::Map<Matrix>> new_particles(Index d, Index n) {
  Array out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(d)});
  return {out, Eigen::Map<Matrix>(out.mutable_data(), d, n)};
}

inline Array to_numpy(const Matrix& X) {  // d x n -> (n, d)
  auto [out, map] = new_particles(X.rows(), X.cols());
  map = X;
  return out;
}

inline py::array_t<double> vector_to_numpy(const Vector& v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  std::copy(v.data(), v.data() + v.size(), out.mutable_data());
  return out;
}

inline Vector numpy_to_vector(const Array& a, const char* what) {
  if (a.ndim() != 1) throw difflab::Error(std::string(what) + ": expected a 1-D array");
  return Eigen::Map<const Vector>(a.data(), a.shape(0));
}

inline Matrix numpy_to_matrix(const Array& a, const char* what) {
  if (a.ndim() != 2) throw difflab::Error(std::string(what) + ": expected a 2-D array");
  // Row-major (r, c) -> column-major matrix.
  Matrix M(a.shape(0), a.shape(1));
  for (py::ssize_t i = 0; i < a.shape(0); ++i)
    for (py::ssize_t j = 0; j < a.shape(1); ++j) M(i, j) = a.at(i, j);
  return M;
}

inline py::array_t<double> matrix_to_numpy(const Matrix& M) {
  py::array_t<double> out({static_cast<py::ssize_t>(M.rows()), static_cast<py::ssize_t>(M.cols())});
  auto r = out.mutable_unchecked<2>();
  for (Index i = 0; i < M.rows(); ++i)
    for (Index j = 0; j < M.cols(); ++j) r(i, j) = M(i, j);
  return out;
}

// JSON <-> Python through the json module (specs are small).
inline nlohmann::json to_json(const py::object& o) {
  const py::object dumps = py::module_::import("json").attr("dumps");
  return nlohmann::json::parse(dumps(o).cast<std::string>());
}
inline py::object from_json(const nlohmann::json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

// A target from a dict (a spec), a str (a path to a JSON spec) or a Target.
inline std::shared_ptr<difflab::Target> make_target(const py::object& spec) {
  if (py::isinstance<difflab::Target>(spec)) return spec.cast<std::shared_ptr<difflab::Target>>();
  if (py::isinstance<py::str>(spec)) return difflab::load_target(spec.cast<std::string>());
  return difflab::make_target(to_json(spec), "target");
}

// A score model with its target kept alive.
struct Score {
  std::shared_ptr<const difflab::Target> target;
  std::shared_ptr<const difflab::ScoreModel> model;
};

}  // namespace difflab_python
