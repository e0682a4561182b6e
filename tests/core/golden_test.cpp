// golden_test.cpp — every golden case (../shared/golden, copied to tests/data/golden) and every oracle-extra case
// (scripts/make_oracle_cases.py, tests/data/oracle_extra) through parse_case + reference::evaluate +
// write_result_json, in float64 and float32, compared with the oracle's expected result under index.json's
// tolerances (spec §8.4). The end-to-end twin through the `attnscope eval` binary is tests/cli/eval_golden_test.cpp.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "core/formats/case_io.hpp"
#include "core/reference/attend.hpp"
#include "tests/core/oracle_compare.hpp"

namespace attnscope::test {
namespace {

// One test per (case set, precision), looping over the cases with the case named in every failure: a ctest test
// per case would cost a process start each (~0.3 s under ASan, x 346), for no extra information.
struct GoldenParam {
    std::string set;
    Precision precision;
};

void PrintTo(const GoldenParam& p, std::ostream* os) { *os << p.set << (p.precision == Precision::F64 ? " f64" : " f32"); }

class GoldenInProcess : public testing::TestWithParam<GoldenParam> {};

template <class T>
nlohmann::json evaluate_to_json(const AttentionCase& c) {
    const AttentionInput<T> in = c.input.template cast<T>();
    const AttentionResult<T> r = reference::evaluate<T>(c.variant, in, c.params);
    std::ostringstream out;
    write_result_json<T>(out, c, r);
    return nlohmann::json::parse(out.str());
}

TEST_P(GoldenInProcess, MatchesOracle) {
    const GoldenParam& p = GetParam();
    const CaseSet set = load_case_set(p.set);
    ASSERT_FALSE(set.names.empty());
    int failed = 0;
    for (const std::string& name : set.names) {
        SCOPED_TRACE(p.set + "/" + name);
        const nlohmann::json case_json = read_json_file(set.dir / (name + ".case.json"));
        const nlohmann::json expected = read_json_file(set.dir / (name + ".expected.json"));
        AttentionCase c;
        try {
            c = parse_case(case_json, std::nullopt);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "parse_case refused a valid case: " << e.what();
            ++failed;
            continue;
        }
        EXPECT_EQ(variant_name(c.variant), expected.at("variant").get<std::string>());
        const nlohmann::json actual =
            p.precision == Precision::F64 ? evaluate_to_json<double>(c) : evaluate_to_json<float>(c);
        CompareOptions opt;
        opt.precision = p.precision;
        opt.tol = p.precision == Precision::F64 ? set.f64 : set.f32;
        const Comparison cmp = compare_result(expected, actual, opt);
        if (!cmp.ok()) ++failed;
        EXPECT_TRUE(cmp.ok()) << p.set << "/" << name << " (" << (p.precision == Precision::F64 ? "f64" : "f32")
                              << ", atol " << opt.tol.atol << ", rtol " << opt.tol.rtol << "): " << cmp.summary();
    }
    RecordProperty("cases", static_cast<int>(set.names.size()));
    RecordProperty("failed", failed);
}

INSTANTIATE_TEST_SUITE_P(Sets, GoldenInProcess,
                         testing::Values(GoldenParam{"golden", Precision::F64}, GoldenParam{"golden", Precision::F32},
                                         GoldenParam{"oracle_extra", Precision::F64},
                                         GoldenParam{"oracle_extra", Precision::F32}),
                         [](const testing::TestParamInfo<GoldenParam>& pi) {
                             return pi.param.set + (pi.param.precision == Precision::F64 ? "_f64" : "_f32");
                         });

TEST(GoldenData, CaseSetsExist) {
    // Guards against a silently empty parameterised suite: both sets must be present and complete.
    const CaseSet golden = load_case_set("golden");
    EXPECT_EQ(golden.names.size(), 31u) << "spec §8.1: the oracle writes 31 golden cases";
    EXPECT_DOUBLE_EQ(golden.f64.atol, 1e-9);
    EXPECT_DOUBLE_EQ(golden.f64.rtol, 1e-7);
    EXPECT_DOUBLE_EQ(golden.f32.atol, 2e-4);
    EXPECT_DOUBLE_EQ(golden.f32.rtol, 2e-3);
    const CaseSet extra = load_case_set("oracle_extra");
    EXPECT_GE(extra.names.size(), 100u);
    std::set<std::string> variants(extra.variants.begin(), extra.variants.end());
    for (VariantKind k : all_variant_kinds())
        EXPECT_TRUE(variants.count(std::string(variant_name(k)))) << "no extra case for " << variant_name(k);
    for (const CaseSet* s : {&golden, &extra})
        for (const std::string& n : s->names) {
            EXPECT_TRUE(std::filesystem::exists(s->dir / (n + ".case.json"))) << n;
            EXPECT_TRUE(std::filesystem::exists(s->dir / (n + ".expected.json"))) << n;
        }
}

// The comparator itself must be able to fail (team rule: tests that cannot fail are not tests).
TEST(GoldenData, ComparatorDetectsDifferences) {
    const CaseSet golden = load_case_set("golden");
    const nlohmann::json e = read_json_file(golden.dir / "selective_budget_n10.expected.json");
    CompareOptions opt;
    opt.tol = golden.f64;
    EXPECT_TRUE(compare_result(e, e, opt).ok());

    nlohmann::json a = e;
    a["weights"][3][1] = a["weights"][3][1].get<double>() + 1e-6;
    EXPECT_EQ(compare_result(e, a, opt).mismatches, 1u);
    opt.tol = golden.f32;  // 1e-6 is inside the f32 tolerance
    opt.precision = Precision::F32;
    EXPECT_TRUE(compare_result(e, a, opt).ok());

    opt.tol = golden.f64;
    opt.precision = Precision::F64;
    a = e;
    a["metrics"]["count_above"][2] = a["metrics"]["count_above"][2].get<int>() + 1;
    EXPECT_FALSE(compare_result(e, a, opt).ok()) << "integers match exactly";
    a = e;
    a["extras"].erase("pruned");
    EXPECT_FALSE(compare_result(e, a, opt).ok()) << "missing key";
    a = e;
    a["extras"]["bogus"] = 1;
    EXPECT_FALSE(compare_result(e, a, opt).ok()) << "extra key";
    a = e;
    a["output"].erase(a["output"].size() - 1);
    EXPECT_FALSE(compare_result(e, a, opt).ok()) << "array length";
    a = e;
    a["temperature"][0] = 1.0;  // null expected
    EXPECT_FALSE(compare_result(e, a, opt).ok()) << "null vs number";
    a = e;
    a["implied_temperature_flag"][1] = "bogus";
    EXPECT_FALSE(compare_result(e, a, opt).ok()) << "flag exact in f64";
    opt.precision = Precision::F32;
    opt.tol = golden.f32;
    EXPECT_TRUE(compare_result(e, a, opt).ok()) << "flag skipped in f32";
    a = e;
    a["params_resolved"]["protect_bos"] = false;
    EXPECT_FALSE(compare_result(e, a, opt).ok()) << "bool exact";
}

}  // namespace
}  // namespace attnscope::test
