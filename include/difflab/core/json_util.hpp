#pragma once
// Typed access to JSON specs with errors that name the place ("target.json: mean: entry 3 is
// not a number"). Every spec reader in difflab goes through these.
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "difflab/core/types.hpp"

namespace difflab::json_util {

const nlohmann::json& member(const nlohmann::json& obj, const std::string& key,
                             const std::string& where);
double number(const nlohmann::json& value, const std::string& where);
double number_or(const nlohmann::json& obj, const std::string& key, double fallback,
                 const std::string& where);
Index integer(const nlohmann::json& value, const std::string& where);
std::string string(const nlohmann::json& value, const std::string& where);
Vector vector(const nlohmann::json& value, const std::string& where);
Matrix matrix(const nlohmann::json& value, const std::string& where);  // array of rows
// Rejects keys outside `allowed` (catches typos such as "meen").
void only_keys(const nlohmann::json& obj, const std::set<std::string>& allowed,
               const std::string& where);
nlohmann::json to_json(const Vector& v);
// JSON has no infinity, and nlohmann::json writes one as null without a word. A value that may
// be infinite (a KL between laws that do not share their support) is written by put_extended as
// null, the fits' encoding of an infinite interval end, with a sibling "<key>_reason" that says
// which: "infinite", "-infinite" or "not a number"; a finite value is written as a number and
// no reason. get_extended reads either form back (infinity from null + "infinite") and refuses a
// null without a reason, naming `where`.
inline constexpr const char* kReasonSuffix = "_reason";
void put_extended(nlohmann::json& obj, const std::string& key, double value);
double get_extended(const nlohmann::json& obj, const std::string& key, const std::string& where);
nlohmann::json to_json(const Matrix& m);  // array of rows

}  // namespace difflab::json_util
