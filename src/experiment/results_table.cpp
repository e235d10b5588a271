#include "difflab/experiment/results_table.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "difflab/core/error.hpp"
#include "difflab/core/file_io.hpp"
#include "difflab/experiment/experiment_spec.hpp"

namespace difflab {

namespace {

// The CSV lists rows in run order even when a resumed run appended missing rows last.
std::vector<nlohmann::json> sorted_by_row(std::vector<nlohmann::json> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return a["row"].get<std::size_t>() < b["row"].get<std::size_t>();
  });
  return rows;
}

}  // namespace

void check_result_row(const nlohmann::json& row, const std::string& where) {
  require(row.is_object(), where, ": a result row must be a JSON object");
  const auto index = row.find("row");
  require(index != row.end(), where, ": missing \"row\"");
  require(
      index->is_number_unsigned() || (index->is_number_integer() && index->get<long long>() >= 0),
      where, ": \"row\" must be a non-negative integer, got ", index->dump());
  const auto hash = row.find("options_hash");
  require(hash != row.end(), where, ": missing \"options_hash\"");
  require(hash->is_string(), where, ": \"options_hash\" must be a string, got ", hash->dump());
}

ParsedResults parse_results_jsonl(const std::string& text, const std::string& name) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    const std::size_t end = text.find('\n', begin);
    lines.push_back(text.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  ParsedResults out;
  std::map<std::size_t, std::size_t> first_line;  // row index -> line
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    nlohmann::json row = nlohmann::json::parse(lines[i], nullptr, false);
    const bool parsed = !row.is_discarded() && row.is_object();
    // A run killed while appending leaves at most one torn line: the last one.
    const bool last = i + 1 == lines.size() || (i + 2 == lines.size() && lines.back().empty());
    require(parsed || last, name, ": line ", i + 1, " is not a complete result row");
    if (!parsed) {
      out.torn = true;
      continue;
    }
    check_result_row(row, name + ": line " + std::to_string(i + 1));
    const auto index = row["row"].get<std::size_t>();
    const auto [it, fresh] = first_line.emplace(index, i + 1);
    // Two writers on one directory (or a copied file) append the same run twice; fits and
    // reports would then count it twice.
    require(fresh, name, ": line ", i + 1, " repeats row ", index, " of line ", it->second,
            " (duplicated result rows; was the experiment run twice at once?)");
    out.rows.push_back(std::move(row));
    out.lines.push_back(i + 1);
  }
  // The text may also end without a newline after a complete row (killed between the row and its
  // newline).
  out.needs_rewrite = out.torn || (!text.empty() && text.back() != '\n');
  return out;
}

ResultsTable::ResultsTable(std::string dir) : dir_(std::move(dir)), lock_(dir_) {
  std::error_code ec;
  if (!std::filesystem::exists(jsonl_path(), ec)) return;
  ParsedResults parsed = parse_results_jsonl(read_text(jsonl_path()), jsonl_path());
  rows_ = std::move(parsed.rows);
  reject_orphan_rows(parsed.lines);
  if (parsed.needs_rewrite) {
    std::string clean;
    for (const auto& r : rows_) clean += r.dump() + "\n";
    write_text_atomic(jsonl_path(), clean);
  }
  write_text_atomic(csv_path(), format_results_csv(sorted_by_row(rows_)));
}

void ResultsTable::reject_orphan_rows(const std::vector<std::size_t>& line_of) const {
  // With the spec beside the rows, every row must be one of its runs (same index, same options).
  const std::string spec_path = dir_ + "/spec.json";
  std::error_code ec;
  if (!std::filesystem::exists(spec_path, ec)) return;
  const std::vector<PlannedRun> runs =
      expand_runs(parse_experiment_spec(read_json(spec_path), spec_path));
  for (std::size_t r = 0; r < rows_.size(); ++r) {
    const auto index = rows_[r]["row"].get<std::size_t>();
    const std::string hash = rows_[r]["options_hash"].get<std::string>();
    require(index < runs.size(), jsonl_path(), ": line ", line_of[r], ": row ", index,
            " does not exist in ", spec_path, " (", runs.size(), " runs): orphan result row");
    require(runs[index].hash == hash, jsonl_path(), ": line ", line_of[r], ": row ", index,
            " has options_hash ", hash, " but run ", index, " of ", spec_path, " has ",
            runs[index].hash, ": orphan result row");
  }
}

const nlohmann::json* ResultsTable::find(std::size_t row, const std::string& hash) const {
  for (const auto& r : rows_)
    if (r["row"].get<std::size_t>() == row && r["options_hash"].get<std::string>() == hash)
      return &r;
  return nullptr;
}

void ResultsTable::append(const nlohmann::json& row) {
  check_result_row(row, jsonl_path() + ": new row");
  const auto index = row["row"].get<std::size_t>();
  for (const auto& r : rows_)
    require(r["row"].get<std::size_t>() != index, jsonl_path(), ": row ", index,
            " is already stored (a row is written once)");
  const std::string line = row.dump() + "\n";
  // POSIX append + fsync: the row is on disk before the run counts as finished.
  const int fd = ::open(jsonl_path().c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  require(fd >= 0, jsonl_path(), ": cannot open for appending");
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t w = ::write(fd, line.data() + written, line.size() - written);
    if (w <= 0) {
      ::close(fd);
      fail(jsonl_path(), ": write failed");
    }
    written += static_cast<std::size_t>(w);
  }
  ::fsync(fd);
  ::close(fd);
  rows_.push_back(row);
  write_text_atomic(csv_path(), format_results_csv(sorted_by_row(rows_)));
}

void flatten_json(const nlohmann::json& j, const std::string& prefix,
                  std::vector<std::pair<std::string, nlohmann::json>>& out) {
  const auto child = [&](const std::string& key) {
    return prefix.empty() ? key : prefix + "." + key;
  };
  if (j.is_object()) {
    for (const auto& [key, value] : j.items()) flatten_json(value, child(key), out);
  } else if (j.is_array()) {
    for (std::size_t i = 0; i < j.size(); ++i) flatten_json(j[i], child(std::to_string(i)), out);
  } else {
    out.emplace_back(prefix, j);
  }
}

namespace {

std::string csv_cell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number()) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
    return buf;
  }
  const std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (const char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

std::string format_results_csv(const std::vector<nlohmann::json>& rows) {
  std::vector<std::string> columns;
  std::map<std::string, std::size_t> position;
  std::vector<std::map<std::string, nlohmann::json>> cells(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::pair<std::string, nlohmann::json>> flat;
    flatten_json(rows[r], "", flat);
    for (auto& [name, value] : flat) {
      if (position.emplace(name, columns.size()).second) columns.push_back(name);
      cells[r][name] = std::move(value);
    }
  }
  // The identifying columns first (row, options_hash, then the run's options), whatever the key
  // order of the JSON objects.
  std::stable_partition(columns.begin(), columns.end(),
                        [](const std::string& c) { return c.rfind("options.", 0) == 0; });
  for (const char* key : {"options_hash", "row"}) {
    const auto it = std::find(columns.begin(), columns.end(), key);
    if (it != columns.end()) std::rotate(columns.begin(), it, it + 1);
  }
  std::string out;
  for (std::size_t c = 0; c < columns.size(); ++c) out += (c ? "," : "") + csv_cell(columns[c]);
  out += "\n";
  for (const auto& row : cells) {
    for (std::size_t c = 0; c < columns.size(); ++c) {
      if (c) out += ",";
      const auto it = row.find(columns[c]);
      if (it != row.end()) out += csv_cell(it->second);
    }
    out += "\n";
  }
  return out;
}

}  // namespace difflab
