#pragma once
// The results of an experiment on disk, written so that an interrupted run loses nothing:
//   DIR/results.jsonl  one JSON object per finished run, appended and flushed (fsync) as each
//                      run finishes: the record every other file is derived from;
//   DIR/results.csv    the same rows flattened to tidy columns ("metrics.w2.value", ...),
//                      rewritten atomically (temp file + rename) after every appended row, so
//                      it is always complete and its header lists the union of all columns.
// Opening an existing DIR reads the rows back; a torn last line (a writer killed mid-row) is
// dropped and the file rewritten atomically without it. A torn line anywhere else is an error,
// and so is a row without a non-negative integer "row" and a string "options_hash", two rows
// with the same "row", or (when DIR/spec.json exists) a row that is not one of the spec's runs
// (index out of range or a different options_hash): an orphan.
// The table holds DIR's lock (core/directory_lock.hpp) for its lifetime: a second table on the
// same DIR, in this process or another, is refused with the holder's PID.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "difflab/core/directory_lock.hpp"

namespace difflab {

class ResultsTable {
 public:
  // Creates DIR if needed, locks it and loads DIR/results.jsonl if present.
  explicit ResultsTable(std::string dir);

  const std::vector<nlohmann::json>& rows() const { return rows_; }
  // The stored row with this "row" index and "options_hash", or nullptr.
  const nlohmann::json* find(std::size_t row, const std::string& hash) const;
  // Appends one row (an object with at least "row" and "options_hash") and rewrites the CSV.
  void append(const nlohmann::json& row);

  std::string jsonl_path() const { return dir_ + "/results.jsonl"; }
  std::string csv_path() const { return dir_ + "/results.csv"; }

 private:
  void reject_orphan_rows(const std::vector<std::size_t>& line_of) const;

  std::string dir_;
  DirectoryLock lock_;  // after dir_: constructed from it, before the rows are read
  std::vector<nlohmann::json> rows_;
};

// The rows of a results.jsonl text, checked as the constructor checks them (every line a
// complete row but possibly the last, torn one; well-typed "row" and "options_hash"; no row index
// twice). `name` prefixes error messages.
struct ParsedResults {
  std::vector<nlohmann::json> rows;
  std::vector<std::size_t> lines;  // 1-based line of each row
  bool torn = false;               // the last line was incomplete and is dropped
  bool needs_rewrite = false;      // torn, or no newline after the last row
};
ParsedResults parse_results_jsonl(const std::string& text, const std::string& name);

// Throws difflab::Error naming `where` unless row is an object with a non-negative integer
// "row" and a string "options_hash".
void check_result_row(const nlohmann::json& row, const std::string& where);

// Flattens nested objects to dotted column names ("metrics.w2.ci_lo"); arrays of scalars get
// ".0", ".1", ... suffixes. Scalars stay as they are.
void flatten_json(const nlohmann::json& j, const std::string& prefix,
                  std::vector<std::pair<std::string, nlohmann::json>>& out);

// The CSV text of the rows: a header with the union of their flattened columns (first-seen
// order), numbers with 17 significant digits (round-trip exact), strings quoted when needed,
// null and missing cells empty.
std::string format_results_csv(const std::vector<nlohmann::json>& rows);

}  // namespace difflab
