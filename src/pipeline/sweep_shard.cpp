#include "difflab/pipeline/sweep_shard.hpp"

#include <charconv>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/experiment_spec.hpp"

namespace difflab {

namespace {

// A decimal integer that fills the whole text (no sign, no spaces): std::stoul would accept
// " 1" and "-1" (wrapped).
bool parse_shard_number(const std::string& text, std::size_t& value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string SweepShard::label() const {
  return std::to_string(index) + "/" + std::to_string(count);
}

SweepShard parse_sweep_shard(const std::string& text, const std::string& where) {
  const std::size_t slash = text.find('/');
  SweepShard s;
  const bool ok = slash != std::string::npos &&
                  parse_shard_number(text.substr(0, slash), s.index) &&
                  parse_shard_number(text.substr(slash + 1), s.count);
  require(ok, where, " must be i/n with integers 0 <= i < n, got '", text, "'");
  require(s.count >= 1 && s.index < s.count, where, " must be i/n with 0 <= i < n, got '", text,
          "'");
  return s;
}

nlohmann::json shard_record(const SweepShard& shard, const nlohmann::json& raw_spec) {
  return {{"index", shard.index}, {"count", shard.count}, {"spec_hash", options_hash(raw_spec)}};
}

ShardRecord read_shard_record(const std::string& dir) {
  const std::string path = dir + "/shard.json";
  const nlohmann::json j = read_json(path);
  const auto number = [&](const char* key) {
    require(j.is_object() && j.contains(key) && j[key].is_number_unsigned(), path, ": \"", key,
            "\" must be a non-negative integer");
    return j[key].get<std::size_t>();
  };
  ShardRecord r;
  r.shard.index = number("index");
  r.shard.count = number("count");
  require(r.shard.count >= 2 && r.shard.index < r.shard.count, path, ": shard ", r.shard.label(),
          " is not i/n with 0 <= i < n, n >= 2");
  require(j.contains("spec_hash") && j["spec_hash"].is_string(), path,
          ": \"spec_hash\" must be a string");
  r.spec_hash = j["spec_hash"].get<std::string>();
  return r;
}

}  // namespace difflab
