#pragma once
// difflab::Error: the one exception type for bad input. Its message names the input and what
// is wrong with it ("target.json: component 2: covariance is not positive definite"). The CLI
// turns it into one line on stderr and exit code 2; any other exception is an internal failure
// (exit code 1).
#include <sstream>
#include <stdexcept>
#include <string>

namespace difflab {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
inline void append(std::ostringstream&) {}
template <typename T, typename... Rest>
void append(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append(os, rest...);
}
}  // namespace detail

// Builds the message from its parts: fail("steps must be >= 1, got ", n).
template <typename... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  std::ostringstream os;
  os.precision(17);
  detail::append(os, parts...);
  throw Error(os.str());
}

// Throws difflab::Error unless the condition holds.
template <typename... Parts>
void require(bool condition, const Parts&... parts) {
  if (!condition) fail(parts...);
}

}  // namespace difflab
