// oracle_compare.hpp — compares a result JSON with the oracle's expected JSON under spec §8.4, and lists the
// golden / oracle-extra case sets. Shared by the in-process golden tests (tests/core) and the end-to-end eval
// tests (tests/cli).
//
// The rule (spec §8.4): a number a matches the expected b when |a - b| <= atol + rtol * max(|a|, |b|).
// Integers (counts, support sizes, n, d), booleans, strings and nulls match exactly; so do key sets and array
// lengths. implied_temperature uses rtol 1e-6 (atol 0) in f64 and its flag matches exactly; in f32 both are
// skipped (their keys must still be present).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace attnscope::test {

struct Tolerance {
    double atol = 0.0;
    double rtol = 0.0;
};

enum class Precision { F64, F32 };

struct CompareOptions {
    Tolerance tol;                  // weights, output, entropy, metrics, temperature, extras, params_resolved
    Precision precision = Precision::F64;
    double implied_rtol_f64 = 1e-6;  // index.json's note: implied_temperature rtol 1e-6 (f64) or skip (f32)
    std::size_t max_reports = 12;    // differences listed before giving up (the count is still exact)
};

struct Comparison {
    std::size_t mismatches = 0;
    std::vector<std::string> reports;  // "weights[3][1]: 0.25 vs 0.2500004 (|diff| 4e-07 > tol 2e-08)"
    bool ok() const { return mismatches == 0; }
    std::string summary() const;
};

// Compares every field of `actual` with `expected` (both oracle result objects, spec §8.3).
Comparison compare_result(const nlohmann::json& expected, const nlohmann::json& actual, const CompareOptions& opt);

// One set of cases in tests/data: NAME.case.json + NAME.expected.json, listed in index.json with tolerances.
struct CaseSet {
    std::string set_name;                // "golden" or "oracle_extra"
    std::filesystem::path dir;
    Tolerance f64, f32;
    std::vector<std::string> names;      // from index.json, in order
    std::vector<std::string> variants;   // parallel to names
};

std::filesystem::path test_data_dir();  // <source>/tests/data (works from tests/core and tests/cli)
CaseSet load_case_set(const std::string& set_name);  // throws std::runtime_error when index.json is missing

nlohmann::json read_json_file(const std::filesystem::path& p);
std::string read_text_file(const std::filesystem::path& p);
void write_text_file(const std::filesystem::path& p, const std::string& text);

// Test-name-safe identifier: [A-Za-z0-9_] only.
std::string sanitize_name(const std::string& s);

}  // namespace attnscope::test
