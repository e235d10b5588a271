#pragma once
// Test support: expect `fn` to throw difflab::Error whose message contains `needle`.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "difflab/core/error.hpp"

namespace difflab {

inline void expect_error(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "expected an error containing '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message '" << e.what() << "' lacks '" << needle << "'";
  }
}

}  // namespace difflab
