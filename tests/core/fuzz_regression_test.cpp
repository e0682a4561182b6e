// fuzz_regression_test.cpp — every input the case-loader fuzzer (tests/fuzz) found a problem with, replayed through
// the same code path (fuzz_one_case) in the normal suite, plus the golden cases as a smoke test of that path.
// A stored input passes when it is refused with an InputError or accepted and evaluated without incident; under
// the asan preset a memory error or undefined behaviour fails it.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/core/oracle_compare.hpp"
#include "tests/fuzz/fuzz_one_case.hpp"

namespace attnscope::test {
namespace {

std::vector<std::filesystem::path> regression_inputs() {
    std::vector<std::filesystem::path> out;
    const auto dir = std::filesystem::path(ATTNSCOPE_SOURCE_DIR) / "tests" / "fuzz" / "regressions";
    if (std::filesystem::exists(dir))
        for (const auto& e : std::filesystem::directory_iterator(dir))
            if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

TEST(FuzzRegressions, StoredFindingsAreHandled) {
    const auto inputs = regression_inputs();
    for (const auto& p : inputs) {
        SCOPED_TRACE(p.filename().string());
        const std::string bytes = read_text_file(p);
        EXPECT_NO_THROW(fuzz::fuzz_one_case(bytes, /*require_finite=*/true));
    }
    RecordProperty("inputs", static_cast<int>(inputs.size()));
}

TEST(FuzzRegressions, GoldenSeedsRunThroughTheFuzzPath) {
    const CaseSet golden = load_case_set("golden");
    for (const std::string& n : golden.names) {
        SCOPED_TRACE(n);
        EXPECT_NO_THROW(fuzz::fuzz_one_case(read_text_file(golden.dir / (n + ".case.json")), true));
    }
}

}  // namespace
}  // namespace attnscope::test
