#pragma once
// The results of an experiment on disk, written so that an interrupted run loses nothing:
//   DIR/results.jsonl  one JSON object per finished run, appended and flushed (fsync) as each
//                      run finishes: the record every other file is derived from;
//   DIR/results.csv    the same rows flattened to tidy columns ("metrics.w2.value", ...),
//                      rewritten atomically (temp file + rename) after every appended row, so
//                      it is always complete and its header lists the union of all columns.
// Opening an existing DIR reads the rows back; a torn last line (a writer killed mid-row) is
// dropped and the file rewritten atomically without it. A torn line anywhere else is an error.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace difflab {

class ResultsTable {
 public:
  // Creates DIR if needed and loads DIR/results.jsonl if present.
  explicit ResultsTable(std::string dir);

  const std::vector<nlohmann::json>& rows() const { return rows_; }
  // The stored row with this "row" index and "options_hash", or nullptr.
  const nlohmann::json* find(std::size_t row, const std::string& hash) const;
  // Appends one row (an object with at least "row" and "options_hash") and rewrites the CSV.
  void append(const nlohmann::json& row);

  std::string jsonl_path() const { return dir_ + "/results.jsonl"; }
  std::string csv_path() const { return dir_ + "/results.csv"; }

 private:
  std::string dir_;
  std::vector<nlohmann::json> rows_;
};

// Flattens nested objects to dotted column names ("metrics.w2.ci_lo"); arrays of scalars get
// ".0", ".1", ... suffixes. Scalars stay as they are.
void flatten_json(const nlohmann::json& j, const std::string& prefix,
                  std::vector<std::pair<std::string, nlohmann::json>>& out);

// The CSV text of the rows: a header with the union of their flattened columns (first-seen
// order), numbers with 17 significant digits (round-trip exact), strings quoted when needed,
// null and missing cells empty.
std::string format_results_csv(const std::vector<nlohmann::json>& rows);

}  // namespace difflab
