// eval_oracle_crosscheck_test.cpp — fresh random cases through both the oracle (python3
// ../shared/reference/attn_ref.py) and `attnscope eval`, compared under the golden tolerances in f64 and f32.
// The cases are drawn by scripts/make_oracle_cases.py --random-case (random variant, parameters, n, d, causal,
// with the oracle's margin rules so float takes the same discrete branches). A new seed every run widens the
// coverage over time; a failure prints the seed, and ATTNSCOPE_CROSSCHECK_SEED=<seed> reproduces it.
// Skipped, with the reason, where ../shared or python3 is missing (the project must stand alone).
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "tests/cli/process.hpp"
#include "tests/core/oracle_compare.hpp"

namespace attnscope::test {
namespace {

std::filesystem::path oracle_path() {
    return std::filesystem::path(ATTNSCOPE_SOURCE_DIR) / ".." / "shared" / "reference" / "attn_ref.py";
}

bool have_python() {
    const ProcessResult r = run_process({"/usr/bin/env", "python3", "--version"}, std::chrono::seconds(30));
    return r.exited && r.exit_code == 0;
}

TEST(EvalOracleCrossCheck, FreshRandomCases) {
    if (!std::filesystem::exists(oracle_path()))
        GTEST_SKIP() << "no oracle at " << oracle_path().string() << " (../shared is not beside the checkout)";
    if (!have_python()) GTEST_SKIP() << "python3 is not installed";
    const CaseSet golden = load_case_set("golden");  // tolerances
    std::uint64_t seed = std::random_device{}();
    if (const char* s = std::getenv("ATTNSCOPE_CROSSCHECK_SEED")) seed = std::strtoull(s, nullptr, 10);
    const std::string script = (std::filesystem::path(ATTNSCOPE_SOURCE_DIR) / "scripts" / "make_oracle_cases.py").string();
    TempDir tmp("crosscheck");
    for (int k = 0; k < 6; ++k) {
        const std::uint64_t s = seed + static_cast<std::uint64_t>(k);
        SCOPED_TRACE("seed " + std::to_string(s) + " (rerun with ATTNSCOPE_CROSSCHECK_SEED=" + std::to_string(s) + ")");
        const auto case_file = tmp / ("case_" + std::to_string(k) + ".json");
        const auto expected_file = tmp / ("expected_" + std::to_string(k) + ".json");
        ProcessResult g = run_process({"/usr/bin/env", "python3", script, "--oracle", oracle_path().string(),
                                       "--random-case", std::to_string(s), "--out-case", case_file.string()});
        ASSERT_TRUE(g.exited && g.exit_code == 0) << g.describe();
        g = run_process({"/usr/bin/env", "python3", oracle_path().string(), "--in", case_file.string(), "--out",
                         expected_file.string()});
        ASSERT_TRUE(g.exited && g.exit_code == 0) << g.describe();
        const nlohmann::json expected = read_json_file(expected_file);
        for (Precision p : {Precision::F64, Precision::F32}) {
            const auto out = tmp / "result.json";
            std::vector<std::string> args{"eval", "--case", case_file.string(), "--out", out.string()};
            if (p == Precision::F32) args.insert(args.end(), {"--precision", "f32"});
            const ProcessResult r = run_attnscope(args);
            ASSERT_TRUE(r.exited && r.exit_code == 0) << r.describe();
            CompareOptions opt;
            opt.precision = p;
            opt.tol = p == Precision::F64 ? golden.f64 : golden.f32;
            const Comparison cmp = compare_result(expected, read_json_file(out), opt);
            EXPECT_TRUE(cmp.ok()) << "case " << read_text_file(case_file).substr(0, 300) << "...\n"
                                  << (p == Precision::F64 ? "f64: " : "f32: ") << cmp.summary();
        }
    }
}

}  // namespace
}  // namespace attnscope::test
