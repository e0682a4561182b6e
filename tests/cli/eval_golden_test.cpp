// eval_golden_test.cpp — `attnscope eval` end to end on every golden and oracle-extra case, in f64 and f32, under
// index.json's tolerances (spec §8.4); the --variant override, --list and the ordinary command-line paths.
#include <gtest/gtest.h>

#include <set>

#include "tests/cli/process.hpp"
#include "tests/core/oracle_compare.hpp"

namespace attnscope::test {
namespace {

// One test per (case set, precision), looping over the cases (see tests/core/golden_test.cpp for why).
struct EvalParam {
    std::string set;
    Precision precision;
};

void PrintTo(const EvalParam& p, std::ostream* os) { *os << p.set << (p.precision == Precision::F64 ? " f64" : " f32"); }

class EvalEndToEnd : public testing::TestWithParam<EvalParam> {};

TEST_P(EvalEndToEnd, MatchesOracle) {
    const EvalParam& p = GetParam();
    const CaseSet set = load_case_set(p.set);
    ASSERT_FALSE(set.names.empty());
    TempDir tmp("eval_e2e");
    const auto out = tmp / "result.json";
    for (const std::string& name : set.names) {
        SCOPED_TRACE(p.set + "/" + name);
        std::error_code ec;
        std::filesystem::remove(out, ec);
        std::vector<std::string> args{"eval", "--case", (set.dir / (name + ".case.json")).string(), "--out", out.string()};
        if (p.precision == Precision::F32) args.insert(args.end(), {"--precision", "f32"});
        const ProcessResult r = run_attnscope(args);
        if (!(r.exited && r.exit_code == 0)) {
            ADD_FAILURE() << r.describe();
            continue;
        }
        const nlohmann::json actual = read_json_file(out);
        const nlohmann::json expected = read_json_file(set.dir / (name + ".expected.json"));
        CompareOptions opt;
        opt.precision = p.precision;
        opt.tol = p.precision == Precision::F64 ? set.f64 : set.f32;
        const Comparison cmp = compare_result(expected, actual, opt);
        EXPECT_TRUE(cmp.ok()) << p.set << "/" << name << ": " << cmp.summary();
        EXPECT_EQ(tmp.entries(), std::vector<std::string>{"result.json"}) << "no temporary file left behind";
    }
}

INSTANTIATE_TEST_SUITE_P(Sets, EvalEndToEnd,
                         testing::Values(EvalParam{"golden", Precision::F64}, EvalParam{"golden", Precision::F32},
                                         EvalParam{"oracle_extra", Precision::F64},
                                         EvalParam{"oracle_extra", Precision::F32}),
                         [](const testing::TestParamInfo<EvalParam>& pi) {
                             return pi.param.set + (pi.param.precision == Precision::F64 ? "_f64" : "_f32");
                         });

// The command line's --variant overrides the case's variant (spec §8.2). One golden case per variant, with its
// "variant" field first removed (then --variant is the only source) and then replaced by a wrong one.
TEST(EvalCommandLine, VariantOverride) {
    const CaseSet set = load_case_set("golden");
    std::set<std::string> done;
    for (std::size_t i = 0; i < set.names.size(); ++i) {
        const std::string& variant = set.variants[i];
        if (!done.insert(variant).second) continue;
        SCOPED_TRACE(set.names[i]);
        nlohmann::json c = read_json_file(set.dir / (set.names[i] + ".case.json"));
        const nlohmann::json expected = read_json_file(set.dir / (set.names[i] + ".expected.json"));
        TempDir tmp("eval_override");
        for (int mode = 0; mode < 2; ++mode) {
            if (mode == 0)
                c.erase("variant");
            else
                c["variant"] = variant == "dpa" ? "ea" : "dpa";
            write_text_file(tmp / "case.json", c.dump());
            const ProcessResult r = run_attnscope({"eval", "--case", (tmp / "case.json").string(), "--out",
                                                   (tmp / "r.json").string(), "--variant", variant});
            ASSERT_TRUE(r.exited && r.exit_code == 0) << r.describe();
            CompareOptions opt;
            opt.tol = set.f64;
            const Comparison cmp = compare_result(expected, read_json_file(tmp / "r.json"), opt);
            EXPECT_TRUE(cmp.ok()) << cmp.summary();
        }
    }
    EXPECT_EQ(done.size(), 9u) << "the golden set covers all nine variants";
}

TEST(EvalCommandLine, ListNamesEveryVariantAndParameter) {
    const ProcessResult r = run_attnscope({"eval", "--list"});
    ASSERT_TRUE(r.exited && r.exit_code == 0) << r.describe();
    for (const char* v : {"dpa", "ssa", "selective", "va_exact", "va_oblivious", "va_aware", "lssa", "lssar", "ea"})
        EXPECT_NE(r.out.find(v), std::string::npos) << v << " missing from --list:\n" << r.out;
    for (const char* p : {"scale", "tau_q", "pos_coef_q", "beta_q", "alpha_q", "tok_q", "w_tok_q", "b_tok_q",
                          "value_temp", "sel_Q", "sel_scale", "protect_bos", "prune_threshold", "budget", "kernel",
                          "renorm", "solver", "max_subsets", "normalize_qk", "log_d", "eps", "offset_free_rows",
                          "deadzone", "form", "metrics_k", "metrics_threshold"})
        EXPECT_NE(r.out.find(p), std::string::npos) << "parameter " << p << " missing from --list:\n" << r.out;
}

// --backend cpu is the reference path; an existing output file is replaced (atomically) on success.
TEST(EvalCommandLine, BackendCpuAndOverwriteOnSuccess) {
    const CaseSet set = load_case_set("golden");
    TempDir tmp("eval_cpu");
    write_text_file(tmp / "r.json", "old contents");
    const ProcessResult r = run_attnscope({"eval", "--case", (set.dir / "ssa_token_aware_n8.case.json").string(),
                                           "--out", (tmp / "r.json").string(), "--backend", "cpu", "--precision",
                                           "f64"});
    ASSERT_TRUE(r.exited && r.exit_code == 0) << r.describe();
    CompareOptions opt;
    opt.tol = set.f64;
    const Comparison cmp =
        compare_result(read_json_file(set.dir / "ssa_token_aware_n8.expected.json"), read_json_file(tmp / "r.json"), opt);
    EXPECT_TRUE(cmp.ok()) << cmp.summary();
    EXPECT_EQ(tmp.entries(), std::vector<std::string>{"r.json"});
}

// Two runs give byte-identical files (spec §8.1 says the oracle's output is deterministic; ours should be too).
TEST(EvalCommandLine, Deterministic) {
    const CaseSet set = load_case_set("golden");
    TempDir tmp("eval_det");
    for (const char* name : {"a.json", "b.json"}) {
        const ProcessResult r = run_attnscope(
            {"eval", "--case", (set.dir / "va_aware_greedy_r3_n10.case.json").string(), "--out", (tmp / name).string()});
        ASSERT_TRUE(r.exited && r.exit_code == 0) << r.describe();
    }
    EXPECT_EQ(read_text_file(tmp / "a.json"), read_text_file(tmp / "b.json"));
}

// Spec §8.4: doubles in round-trip precision, and null (never NaN or Infinity) for undefined values. The
// lssar_zero_query and ssa cases contain null temperatures and undefined implied temperatures.
TEST(EvalCommandLine, WritesNullNotNanAndRoundTripDoubles) {
    const CaseSet set = load_case_set("oracle_extra");
    TempDir tmp("eval_null");
    for (const char* name : {"ssa_tau_q_zero_n6", "lssar_zero_query_n8", "dpa_zero_queries_n50"}) {
        const ProcessResult r = run_attnscope({"eval", "--case", (set.dir / (std::string(name) + ".case.json")).string(),
                                               "--out", (tmp / "r.json").string()});
        ASSERT_TRUE(r.exited && r.exit_code == 0) << r.describe();
        const std::string text = read_text_file(tmp / "r.json");
        for (const char* bad : {"NaN", "nan", "Infinity", "inf"}) {
            EXPECT_EQ(text.find(std::string(":") + bad), std::string::npos) << name << " contains " << bad;
            EXPECT_EQ(text.find(std::string(",") + bad), std::string::npos) << name << " contains " << bad;
            EXPECT_EQ(text.find(std::string("[") + bad), std::string::npos) << name << " contains " << bad;
        }
        EXPECT_NE(text.find("null"), std::string::npos) << name << " has undefined values, written as null";
        // Exactly uniform rows hold exactly fl(1/m) in both (the oracle writes 1.0/m with repr): after a round trip
        // through the text they must be bit-identical, which 6 or 15 significant digits would not give.
        if (std::string(name) == "dpa_zero_queries_n50") {
            const nlohmann::json e = read_json_file(set.dir / (std::string(name) + ".expected.json"));
            const nlohmann::json a = nlohmann::json::parse(text);
            for (std::size_t i = 0; i < 50; ++i)
                for (std::size_t j = 0; j <= i; ++j)
                    ASSERT_EQ(a["weights"][i][j].get<double>(), e["weights"][i][j].get<double>()) << i << "," << j;
        }
    }
}

}  // namespace
}  // namespace attnscope::test
