// json_read.hpp — checked readers for JSON input files (case, scene, parameters): each names the JSON path it reads.
//
// Shared by core/formats/case_reader.cpp, core/formats/params_json.cpp and core/scene_io.cpp so that every file
// accepts the same spellings and refuses them with the same words. Every failure is an InputError whose field is
// the JSON path ("Q[3][1]", "columns[2].params.tau_q[4]") and whose hint says how to fix it; the caller adds the
// file name (InputError::with_file).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/matrix.hpp"

namespace attnscope::json_read {

// Parses a whole file's text. A syntax error or a number too large for a double (1e999) is an InputError whose
// field is "line L, column C" (the byte offset alone is useless in a text editor), never another exception.
nlohmann::json parse_document(const std::string& text);

// "a number", "a string", "a list", "null" ... for messages.
std::string type_name(const nlohmann::json& j);

// Throws InputError(path, "expected <expected>, got <type of j>", hint).
[[noreturn]] void wrong_type(const std::string& path, const nlohmann::json& j, const std::string& expected,
                             const std::string& hint);

// A finite double. Booleans, strings and null are refused (no implicit conversions).
double number(const nlohmann::json& j, const std::string& path);

// A whole number (2 and 2.0 both count) within [lo, hi]; out of range, the hint is `range_hint` (default: the
// range).
std::int64_t integer(const nlohmann::json& j, const std::string& path, std::int64_t lo, std::int64_t hi,
                     const std::string& range_hint = "");

bool boolean(const nlohmann::json& j, const std::string& path);
std::string string(const nlohmann::json& j, const std::string& path);

// A list of finite numbers; an entry's error names its index ("tau_q[4]").
std::vector<double> list(const nlohmann::json& j, const std::string& path);

// A list of rows of equal, non-zero width. More than `max_rows` rows or `max_cols` columns is refused before the
// matrix is allocated (the limits keep interactive scenes interactive; cases pass no limit).
MatD matrix(const nlohmann::json& j, const std::string& path, std::int64_t max_rows = INT64_MAX,
            std::int64_t max_cols = INT64_MAX);

// The inverse of matrix(), for writers: a list of rows.
nlohmann::json rows_json(const MatD& m);

}  // namespace attnscope::json_read
