#pragma once
// difflab.Score.from_callable: a Python function as a score model (difflab::CallbackScore).
#include "bridge.hpp"

namespace difflab_python {

// f(x, tau) -> array: x is (n, d) float64, tau the model time (a float, or an (n,) array with
// vector_time); the result is converted to float64 and must have shape (n, d). The target gives
// the dimension and the data law the runs, laws and bounds compare with.
Score score_from_callable(const py::object& f, const std::string& prediction,
                          const std::string& time, const py::object& process,
                          const py::object& target, bool vector_time, const std::string& label,
                          double precision);

}  // namespace difflab_python
