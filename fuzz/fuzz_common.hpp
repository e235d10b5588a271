#pragma once
// Shared by the libFuzzer harnesses (docs/fuzzing.md). A parser may refuse any input with
// difflab::Error (bad input: exit 2 in the CLI); every other exception escapes and aborts the
// run, as do crashes, leaks and undefined behaviour (the harnesses are built with ASan + UBSan),
// so each of those is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "difflab/core/error.hpp"

namespace difflab::fuzz {

inline std::string as_string(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs fn; difflab::Error is an accepted outcome, anything else propagates.
template <class Fn>
void accept_bad_input(Fn&& fn) {
  try {
    fn();
  } catch (const Error&) {
  }
}

// A broken invariant of a parser that accepted the input: abort, so libFuzzer records it.
[[noreturn]] void invariant_failed(const char* what);

}  // namespace difflab::fuzz
