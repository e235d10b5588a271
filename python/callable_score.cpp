// A Python callable as a score model. The samplers run with the GIL released and evaluate blocks
// of particles on worker threads; each evaluation takes the GIL only while the callable runs and
// its result is copied, so a slow Python model serialises its own calls and nothing else. A
// returned array of the wrong shape, a non-finite value or a raised exception becomes a
// difflab::Error (Python difflab.Error, a ValueError) that names the time
// (difflab::CallbackScore), and the run stops before anything is written.
#include "callable_score.hpp"

#include <memory>
#include <sstream>

#include "difflab/score/callback_score.hpp"

namespace difflab_python {

namespace {

// The callable outlives any Python frame (a RunSetup may hold it); it is released with the GIL.
std::shared_ptr<py::object> hold_callable(const py::object& f) {
  return std::shared_ptr<py::object>(new py::object(f), [](py::object* o) {
    py::gil_scoped_acquire gil;
    delete o;
  });
}

std::string shape_of(const py::array& a) {
  std::ostringstream os;
  os << "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) os << (i ? ", " : "") << a.shape(i);
  os << (a.ndim() == 1 ? ",)" : ")");
  return os.str();
}

}  // namespace

Score score_from_callable(const py::object& f, const std::string& prediction,
                          const std::string& time, const py::object& process,
                          const py::object& target, bool vector_time, const std::string& label,
                          double precision) {
  if (!PyCallable_Check(f.ptr()))
    throw difflab::Error("Score.from_callable: f is not callable (got " +
                         py::str(py::type::of(f)).cast<std::string>() + ")");
  if (target.is_none())
    throw difflab::Error(
        "Score.from_callable: give target= (the data law the model was trained for: a spec dict, "
        "a JSON file or a difflab.Target); runs, laws and bounds compare with it");
  const std::shared_ptr<const difflab::Target> t = make_target(target);
  const auto p = py::isinstance<py::str>(process)
                     ? difflab::make_process(process.cast<std::string>())
                     : difflab::make_process(to_json(process));
  difflab::CallbackScoreOptions o;
  o.prediction = difflab::parse_prediction(prediction);
  o.time = difflab::parse_time_convention(time);
  o.label = label;
  o.relative_precision = precision;
  const Index d = t->dim();
  auto fn = hold_callable(f);
  difflab::ScoreCallback cb = [fn, d, vector_time](double tau, difflab::ConstMatrixRef X,
                                                   difflab::MatrixRef out) {
    py::gil_scoped_acquire gil;
    const Index n = X.cols();
    // A fresh array each call: the callable may keep or modify it.
    auto [x, view] = new_particles(d, n);
    view = X;
    py::object r;
    try {
      if (vector_time) {
        py::array_t<double> tv(static_cast<py::ssize_t>(n));
        std::fill(tv.mutable_data(), tv.mutable_data() + n, tau);
        r = (*fn)(x, tv);
      } else {
        r = (*fn)(x, tau);
      }
    } catch (py::error_already_set& e) {
      throw difflab::Error(std::string("raised ") + e.what());
    }
    const py::array a = py::array::ensure(r);
    if (!a)
      throw difflab::Error("returned " + py::str(py::type::of(r)).cast<std::string>() +
                           ", expected an array of shape (" + std::to_string(n) + ", " +
                           std::to_string(d) + ")");
    if (a.ndim() != 2 || a.shape(0) != n || a.shape(1) != d)
      throw difflab::Error("returned an array of shape " + shape_of(a) + ", expected (" +
                           std::to_string(n) + ", " + std::to_string(d) + ")");
    const Array c = Array::ensure(a);
    if (!c) throw difflab::Error("returned an array that does not convert to float64");
    out = Eigen::Map<const Matrix>(c.data(), d, n);
  };
  return Score{t, std::make_shared<difflab::CallbackScore>(d, p, std::move(cb), o)};
}

}  // namespace difflab_python
