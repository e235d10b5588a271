#include "difflab/pipeline/input_files.hpp"

#include <cstdio>
#include <filesystem>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/train/checkpoint.hpp"

namespace difflab {

namespace {

std::string content_hash(const std::string& path) {
  const std::string bytes = read_text(path);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(fnv1a64(bytes.data(), bytes.size())));
  return hex;
}

// The paths of one run's option values that name files (see run_spec.hpp for the options).
std::vector<std::string> run_input_paths(const nlohmann::json& options,
                                         const std::filesystem::path& spec_dir) {
  std::vector<std::string> paths;
  const auto text = [&](const char* key) {
    const auto it = options.find(key);
    return it != options.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (const std::string t = text("target"); !t.empty()) {
    std::filesystem::path p(t);
    paths.push_back((p.is_relative() ? spec_dir / p : p).string());
  }
  // The source target of an optimised grid (pipeline/optimized_grids.hpp), "self" naming none.
  if (const std::string t = text("grid_optimize_source"); !t.empty() && t != "self") {
    std::filesystem::path p(t);
    paths.push_back((p.is_relative() ? spec_dir / p : p).string());
  }
  // Resolved as the runner resolves them: the reference samples and an inline empirical
  // target's samples file.
  if (const std::string r = text("reference"); !r.empty()) {
    std::filesystem::path p(r);
    paths.push_back((p.is_relative() ? spec_dir / p : p).string());
  }
  if (const auto t = options.find("target");
      t != options.end() && t->is_object() && t->value("type", "") == "empirical" &&
      t->contains("samples") && (*t)["samples"].is_string()) {
    std::filesystem::path p((*t)["samples"].get<std::string>());
    paths.push_back((p.is_relative() ? spec_dir / p : p).string());
  }
  for (const char* key : {"grid_file", "init"})
    if (const std::string p = text(key); !p.empty()) paths.push_back(p);
  if (const std::string s = text("score"); s.rfind("model:", 0) == 0 && s.size() > 6)
    paths.push_back(s.substr(6));
  return paths;
}

}  // namespace

nlohmann::json input_file_hashes(const std::vector<PlannedRun>& runs, const std::string& spec_dir) {
  nlohmann::json hashes = nlohmann::json::object();
  for (const auto& run : runs)
    for (const auto& path : run_input_paths(run.options, spec_dir))
      if (!hashes.contains(path)) hashes[path] = content_hash(path);
  return hashes;
}

void check_input_files(const std::string& dir, const nlohmann::json& hashes) {
  const std::string record = dir + "/inputs.json";
  if (!std::filesystem::exists(record)) {
    write_json(record, hashes);
    return;
  }
  const nlohmann::json recorded = read_json(record);
  require(recorded.is_object(), record, ": not a JSON object of file hashes");
  for (const auto& [path, hash] : recorded.items())
    if (hashes.contains(path))
      require(hashes[path] == hash, dir, ": the input file ", path,
              " changed since its results were computed (content hash ", hash.dump(), ", now ",
              hashes[path].dump(),
              "); resuming would mix two inputs in one table: use a new "
              "output directory or restore the file");
}

}  // namespace difflab
