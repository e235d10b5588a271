#pragma once
// difflab::Error: the one exception type for bad input. Its message names the input and what
// is wrong with it ("target.json: component 2: covariance is not positive definite"). The CLI
// turns it into one line on stderr and exit code 2; any other exception is an internal failure
// (exit code 1).
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

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

// "a, b, c": the valid names or the unknown keys of a message.
inline std::string comma_list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& x : items) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace difflab
