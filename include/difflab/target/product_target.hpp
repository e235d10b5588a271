#pragma once
// Product of one-dimensional laws (see product_target.cpp for the factor types).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/target/target.hpp"

namespace difflab {

// {"type":"product","factors":[{...}, ...]} (one factor per coordinate).
std::shared_ptr<Target> make_product_target(const nlohmann::json& spec, const std::string& where);

}  // namespace difflab
