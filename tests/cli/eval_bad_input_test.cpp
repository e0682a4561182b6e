// eval_bad_input_test.cpp — the bad-input list of issue 3 and the rejections of spec §8.2, through the real
// `attnscope eval` binary. Every case must give: exit code 2 (never a crash, a hang or a sanitizer report: the
// asan preset runs this suite against the sanitized binary), one message naming the file, the field (and index)
// and how to fix it, and an untouched output file (temporary file + rename only on success, nothing left behind).
#include <gtest/gtest.h>
#include <unistd.h>

#include <regex>

#include "tests/cli/process.hpp"
#include "tests/core/oracle_compare.hpp"

namespace attnscope::test {
namespace {

using nlohmann::json;

const char* kSentinel = "SENTINEL: a previous result that a failed run must not touch\n";

// A small valid case: dpa, n = 3, d = 2, dv = 2.
json base_case() {
    return json{{"variant", "dpa"},
                {"Q", {{0.5, -1.0}, {1.5, 0.25}, {-0.75, 2.0}}},
                {"K", {{1.0, 0.5}, {-0.5, 1.0}, {0.25, -1.25}}},
                {"V", {{1.0, 2.0}, {3.0, -1.0}, {0.0, 0.5}}},
                {"causal", true},
                {"params", json::object()}};
}

json with(json c, const std::function<void(json&)>& f) {
    f(c);
    return c;
}

// One bad case: the file's text, extra command-line arguments, and the words the message must contain. Each
// entry of `must` is a list of alternatives (any one suffices), e.g. {"Q[1]"} or {"line", "byte", "column"}.
struct BadCase {
    std::string name;
    std::string text;
    std::vector<std::string> args;
    std::vector<std::vector<std::string>> must;
};

void PrintTo(const BadCase& b, std::ostream* os) { *os << b.name; }

const std::vector<std::string> kWhere = {"line", "byte", "column", "position", "offset", "char"};

std::vector<BadCase> bad_cases() {
    std::vector<BadCase> b;
    auto add = [&](std::string name, const json& c, std::vector<std::vector<std::string>> must,
                   std::vector<std::string> args = {}) { b.push_back({std::move(name), c.dump(), std::move(args), std::move(must)}); };
    auto add_text = [&](std::string name, std::string text, std::vector<std::vector<std::string>> must,
                        std::vector<std::string> args = {}) {
        b.push_back({std::move(name), std::move(text), std::move(args), std::move(must)});
    };
    const std::string good = base_case().dump();

    // --- malformed and truncated JSON, empty files
    add_text("missing_comma", R"({"Q": [[1, 2] [3, 4]], "K": [[1, 2], [3, 4]], "V": [[1], [2]]})", {kWhere});
    add_text("truncated", good.substr(0, good.size() / 2), {kWhere});
    add_text("truncated_at_end", good.substr(0, good.size() - 1), {kWhere});
    add_text("empty_file", "", {});
    add_text("whitespace_only", "   \n\t\n", {});
    add_text("trailing_garbage", good + " xyz", {kWhere});
    add_text("binary_garbage", std::string("\x00\xff\xfe{\x01\x02[[", 9), {});
    add_text("invalid_utf8_in_name", "{\"name\": \"\xc3\x28\", \"variant\": \"dpa\", \"Q\": [[1]], \"K\": [[1]], \"V\": [[1]]}",
             {});
    add_text("deep_nesting", "{\"Q\": " + std::string(100000, '[') + std::string(100000, ']') + "}", {});
    // --- the top level must be an object
    add_text("top_level_array", "[1, 2, 3]", {});
    add_text("top_level_string", "\"dpa\"", {});
    add_text("top_level_number", "42", {});
    // --- NaN / Inf / overflow / non-numeric entries (JSON has no NaN: the textual tokens are syntax errors)
    add_text("nan_token", R"({"variant": "dpa", "Q": [[NaN, 1]], "K": [[1, 1]], "V": [[1]]})", {kWhere});
    add_text("infinity_token", R"({"variant": "dpa", "Q": [[1, 1]], "K": [[Infinity, 1]], "V": [[1]]})", {kWhere});
    add_text("minus_infinity_token", R"({"variant": "dpa", "Q": [[1, 1]], "K": [[1, 1]], "V": [[-Infinity]]})", {kWhere});
    add_text("nan_string_token", R"({"variant": "dpa", "Q": [[1, "NaN"]], "K": [[1, 1]], "V": [[1]]})", {{"Q[0][1]"}});
    add_text("overflow_1e999", R"({"variant": "dpa", "Q": [[1, 1e999]], "K": [[1, 1]], "V": [[1]]})",
             {{"Q[0][1]", "line", "byte", "column", "position", "offset", "1e999"}});
    add_text("overflow_in_param", R"({"variant": "dpa", "Q": [[1, 1]], "K": [[1, 1]], "V": [[1]], "params": {"scale": -1e999}})",
             {{"params.scale", "scale", "line", "byte", "column", "position", "1e999"}});
    add_text("huge_integer_literal", "{\"variant\": \"dpa\", \"Q\": [[1, 1" + std::string(400, '0') + "]], \"K\": [[1, 1]], \"V\": [[1]]}",
             {{"Q[0][1]", "line", "byte", "column", "position", "offset"}});
    add("string_as_number", with(base_case(), [](json& c) { c["Q"][0][0] = "1.5"; }), {{"Q[0][0]"}});
    add("bool_as_number", with(base_case(), [](json& c) { c["K"][1][0] = true; }), {{"K[1][0]"}});
    add("null_as_number", with(base_case(), [](json& c) { c["V"][2][1] = nullptr; }), {{"V[2][1]"}});
    add("array_as_number", with(base_case(), [](json& c) { c["Q"][1][1] = json::array({1}); }), {{"Q[1][1]"}});
    add("object_as_number", with(base_case(), [](json& c) { c["K"][0][1] = json::object(); }), {{"K[0][1]"}});
    // --- wrong types of whole fields
    add("Q_is_string", with(base_case(), [](json& c) { c["Q"] = "abc"; }), {{"Q"}});
    add("Q_rows_are_numbers", with(base_case(), [](json& c) { c["Q"] = {1.0, 2.0, 3.0}; }), {{"Q[0]"}});
    add("causal_is_string", with(base_case(), [](json& c) { c["causal"] = "yes"; }), {{"causal"}});
    add("params_is_array", with(base_case(), [](json& c) { c["params"] = json::array(); }), {{"params"}});
    add("variant_is_number", with(base_case(), [](json& c) { c["variant"] = 5; }), {{"variant"}});
    add("scale_is_string", with(base_case(), [](json& c) { c["params"]["scale"] = "big"; }), {{"params.scale"}});
    add("r_is_string", with(base_case(), [](json& c) { c["variant"] = "va_aware"; c["params"]["r"] = "two"; }),
        {{"params.r"}});
    add("r_is_fractional", with(base_case(), [](json& c) { c["variant"] = "va_oblivious"; c["params"]["r"] = 2.5; }),
        {{"params.r"}});
    add("r_overflows_int", with(base_case(), [](json& c) { c["variant"] = "va_oblivious"; c["params"]["r"] = 99999999999LL; }),
        {{"params.r"}});
    add("renorm_is_string", with(base_case(), [](json& c) { c["variant"] = "va_oblivious"; c["params"]["renorm"] = "no"; }),
        {{"params.renorm"}});
    add("kernel_is_number", with(base_case(), [](json& c) { c["variant"] = "va_exact"; c["params"]["kernel"] = 3; }),
        {{"params.kernel"}});
    add("tau_q_is_number", with(base_case(), [](json& c) { c["variant"] = "ssa"; c["params"]["tau_q"] = 1.0; }),
        {{"params.tau_q"}});
    add("tau_q_entry_is_string", with(base_case(), [](json& c) { c["variant"] = "ssa"; c["params"]["tau_q"] = {1.0, "x", 1.0}; }),
        {{"params.tau_q[1]"}});
    add("protect_bos_is_number", with(base_case(), [](json& c) { c["variant"] = "selective"; c["params"]["protect_bos"] = 1; }),
        {{"params.protect_bos"}});
    // --- ragged or mismatched matrices
    add("ragged_Q", with(base_case(), [](json& c) { c["Q"][1] = {1.0}; }), {{"Q[1]"}});
    add("ragged_V", with(base_case(), [](json& c) { c["V"][2] = {1.0, 2.0, 3.0}; }), {{"V[2]"}});
    add("K_width_differs", with(base_case(), [](json& c) { c["K"] = {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}}; }), {{"K"}});
    add("K_fewer_rows", with(base_case(), [](json& c) { c["K"].erase(2); }), {{"K"}});
    add("V_more_rows", with(base_case(), [](json& c) { c["V"].push_back({1.0, 1.0}); }), {{"V"}});
    // --- empty inputs
    add("Q_empty", with(base_case(), [](json& c) { c["Q"] = json::array(); c["K"] = json::array(); c["V"] = json::array(); }),
        {{"Q"}});
    add("d_zero", with(base_case(), [](json& c) {
            c["Q"] = {json::array(), json::array(), json::array()};
            c["K"] = {json::array(), json::array(), json::array()};
        }),
        {{"Q"}});
    add("missing_Q", with(base_case(), [](json& c) { c.erase("Q"); }), {{"Q"}});
    add("missing_K", with(base_case(), [](json& c) { c.erase("K"); }), {{"K"}});
    add("missing_V", with(base_case(), [](json& c) { c.erase("V"); }), {{"V"}});
    add_text("empty_object", "{}", {{"Q", "variant"}});
    // --- unknown variant or parameter
    add("unknown_variant", with(base_case(), [](json& c) { c["variant"] = "softmax2"; }), {{"variant"}, {"softmax2"}});
    add("no_variant_anywhere", with(base_case(), [](json& c) { c.erase("variant"); }), {{"variant"}});
    add("unknown_variant_option", base_case(), {{"variant"}, {"bogus"}}, {"--variant", "bogus"});
    add("unknown_parameter", with(base_case(), [](json& c) { c["params"]["temprature"] = 2.0; }), {{"temprature"}});
    add("unknown_kernel", with(base_case(), [](json& c) { c["variant"] = "va_exact"; c["params"]["kernel"] = "gauss"; }),
        {{"params.kernel"}, {"gauss"}});
    add("unknown_solver", with(base_case(), [](json& c) { c["variant"] = "va_aware"; c["params"]["solver"] = "lp"; }),
        {{"params.solver"}});
    add("unknown_form", with(base_case(), [](json& c) { c["variant"] = "ea"; c["params"]["form"] = "cubic"; }),
        {{"params.form"}});
    // --- out-of-range parameters
    add("r_zero", with(base_case(), [](json& c) { c["variant"] = "va_oblivious"; c["params"]["r"] = 0; }), {{"params.r"}});
    add("r_negative", with(base_case(), [](json& c) { c["variant"] = "va_oblivious"; c["params"]["r"] = -1; }),
        {{"params.r"}});
    add("r_zero_aware", with(base_case(), [](json& c) { c["variant"] = "va_aware"; c["params"]["r"] = 0; }), {{"params.r"}});
    add("p_zero", with(base_case(), [](json& c) { c["variant"] = "lssar"; c["params"]["p"] = 0.0; }), {{"params.p"}});
    add("p_negative", with(base_case(), [](json& c) { c["variant"] = "lssar"; c["params"]["p"] = -2.0; }), {{"params.p"}});
    add("budget_zero", with(base_case(), [](json& c) { c["variant"] = "selective"; c["params"]["budget"] = 0; }),
        {{"params.budget"}});
    add("budget_negative", with(base_case(), [](json& c) { c["variant"] = "selective"; c["params"]["budget"] = -3; }),
        {{"params.budget"}});
    // --- spec §8.2 rejections
    add("selective_noncausal", with(base_case(), [](json& c) { c["variant"] = "selective"; c["causal"] = false; }),
        {{"causal"}});
    add("tok_q_wrong_length", with(base_case(), [](json& c) { c["variant"] = "ssa"; c["params"]["tok_q"] = {0.1, 0.2}; }),
        {{"params.tok_q"}});
    add("tok_v_wrong_length", with(base_case(), [](json& c) { c["variant"] = "ssa"; c["params"]["tok_v"] = {0.1, 0.2, 0.3, 0.4}; }),
        {{"params.tok_v"}});
    add("tau_q_wrong_length", with(base_case(), [](json& c) { c["variant"] = "ssa"; c["params"]["tau_q"] = {1.0}; }),
        {{"params.tau_q"}});
    add("tau_v_wrong_length", with(base_case(), [](json& c) { c["variant"] = "ssa"; c["params"]["tau_v"] = {1.0, 1.0}; }),
        {{"params.tau_v"}});
    add("w_tok_q_wrong_length", with(base_case(), [](json& c) { c["variant"] = "ssa"; c["params"]["w_tok_q"] = {0.1, 0.2, 0.3}; }),
        {{"params.w_tok_q"}});
    add("w_tok_v_wrong_length", with(base_case(), [](json& c) { c["variant"] = "ssa"; c["params"]["w_tok_v"] = {0.1}; }),
        {{"params.w_tok_v"}});
    add("sel_Q_wrong_rows", with(base_case(), [](json& c) { c["variant"] = "selective"; c["params"]["sel_Q"] = {{1.0, 2.0}}; }),
        {{"params.sel_Q"}});
    add("sel_K_wrong_width", with(base_case(), [](json& c) {
            c["variant"] = "selective";
            c["params"]["sel_K"] = {{1.0}, {2.0}, {3.0}};
        }),
        {{"params.sel_K"}});
    add("sel_Q_entry_string", with(base_case(), [](json& c) {
            c["variant"] = "selective";
            c["params"]["sel_Q"] = {{"a", 2.0}, {1.0, 2.0}, {1.0, 2.0}};
        }),
        {{"params.sel_Q[0][0]"}});
    {
        // va_aware exact past max_subsets: n = 30 non-causal, r = 2: 30 + 435 = 465 supports per row > 100.
        json c = base_case();
        c["variant"] = "va_aware";
        c["causal"] = false;
        c["Q"] = c["K"] = c["V"] = json::array();
        for (int i = 0; i < 30; ++i) {
            c["Q"].push_back({std::sin(i), std::cos(i)});
            c["K"].push_back({std::cos(3.0 * i), std::sin(2.0 * i)});
            c["V"].push_back({0.1 * i, 1.0 - 0.05 * i});
        }
        c["params"] = {{"r", 2}, {"max_subsets", 100}};
        add("va_aware_past_max_subsets", c, {{"max_subsets"}, {"greedy"}});
        // and the default limit: causal n = 700, the last row has 700 + 244650 supports > 200000
        c["params"] = {{"r", 2}};
        c["causal"] = true;
        c["Q"] = c["K"] = c["V"] = json::array();
        for (int i = 0; i < 700; ++i) {
            c["Q"].push_back({std::sin(i)});
            c["K"].push_back({std::cos(i)});
            c["V"].push_back({0.01 * i});
        }
        add("va_aware_past_default_max_subsets", c, {{"max_subsets"}, {"greedy"}});
    }
    // --- command-line mistakes
    add("precision_f16", base_case(), {{"precision"}}, {"--precision", "f16"});
    add("backend_bogus", base_case(), {{"backend"}}, {"--backend", "tpu"});
    return b;
}

class EvalBadInput : public testing::TestWithParam<BadCase> {};

// The checks every refusal must pass. `file` is the path the message must name.
void expect_refusal(const ProcessResult& r, const std::string& file, const std::vector<std::vector<std::string>>& must) {
    ASSERT_FALSE(r.timed_out) << "hang: " << r.describe();
    ASSERT_TRUE(r.exited) << "crash: " << r.describe();
    EXPECT_EQ(r.exit_code, 2) << r.describe();
    EXPECT_EQ(r.err.find("AddressSanitizer"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("runtime error"), std::string::npos) << "UBSan: " << r.err;
    // One message: a single non-empty line on stderr.
    std::size_t lines = 0;
    std::istringstream s(r.err);
    for (std::string line; std::getline(s, line);) lines += !line.empty();
    EXPECT_EQ(lines, 1u) << "expected one message on stderr, got:\n" << r.err;
    if (!file.empty()) {
        EXPECT_NE(r.err.find(std::filesystem::path(file).filename().string()), std::string::npos)
            << "the message must name the file " << file << ":\n" << r.err;
    }
    for (const auto& alternatives : must) {
        bool found = false;
        for (const std::string& a : alternatives) found = found || r.err.find(a) != std::string::npos;
        std::string list;
        for (const std::string& a : alternatives) list += "\"" + a + "\" ";
        EXPECT_TRUE(found) << "the message must name " << list << ":\n" << r.err;
    }
    // How to fix it: InputError's format puts the hint after "; " (core/errors.cpp).
    EXPECT_NE(r.err.find("; "), std::string::npos) << "no hint on how to fix it:\n" << r.err;
}

TEST_P(EvalBadInput, RefusedWithExitCode2AndOutputUntouched) {
    const BadCase& b = GetParam();
    TempDir tmp("bad_input");
    const std::string case_file = "bad_" + b.name + ".json";
    write_text_file(tmp / case_file, b.text);
    write_text_file(tmp / "result.json", kSentinel);
    std::vector<std::string> args{"eval", "--case", (tmp / case_file).string(), "--out", (tmp / "result.json").string()};
    args.insert(args.end(), b.args.begin(), b.args.end());
    const ProcessResult r = run_attnscope(args, std::chrono::seconds(120));
    // Command-line mistakes are about an option, not the file.
    const bool about_file = b.args.empty();
    expect_refusal(r, about_file ? case_file : std::string(), b.must);
    EXPECT_EQ(read_text_file(tmp / "result.json"), kSentinel) << "the output file was touched";
    EXPECT_EQ(tmp.entries(), (std::vector<std::string>{case_file, "result.json"})) << "a temporary file was left behind";
}

INSTANTIATE_TEST_SUITE_P(BadInputs, EvalBadInput, testing::ValuesIn(bad_cases()),
                         [](const testing::TestParamInfo<BadCase>& pi) { return sanitize_name(pi.param.name); });

// ---------------------------------------------------------------------------------------------------------------
// absurd sizes, unreadable input, unwritable output
// ---------------------------------------------------------------------------------------------------------------

// n = 200000 rows of width 1 is a 2.4 MB file whose (n, n) weights alone need 200000^2 * 8 B = 320 GB. It must be
// refused up front, naming the memory it would need — not attempted (the child's peak memory stays small, and it
// finishes long before the hang guard).
TEST(EvalAbsurdSize, RefusedUpFrontWithMemoryFigure) {
    TempDir tmp("absurd");
    std::string rows;
    const int n = 200000;
    rows.reserve(4 * n + 2);
    rows += "[";
    for (int i = 0; i < n; ++i) rows += i ? ",[0]" : "[0]";
    rows += "]";
    for (const char* precision : {"f64", "f32"}) {
        SCOPED_TRACE(precision);
        write_text_file(tmp / "huge.json", "{\"variant\": \"dpa\", \"Q\": " + rows + ", \"K\": " + rows + ", \"V\": " + rows + "}");
        write_text_file(tmp / "result.json", kSentinel);
        const ProcessResult r = run_attnscope({"eval", "--case", (tmp / "huge.json").string(), "--out",
                                               (tmp / "result.json").string(), "--precision", precision},
                                              std::chrono::seconds(120));
        expect_refusal(r, "huge.json", {});
        const std::regex figure(R"([0-9][0-9.,]*\s?(k|K|M|G|T|P)i?B)");
        EXPECT_TRUE(std::regex_search(r.err, figure)) << "no memory figure in:\n" << r.err;
        EXPECT_LT(r.max_rss_bytes, std::uint64_t{1536} << 20) << "the problem was attempted: peak RSS "
                                                               << (r.max_rss_bytes >> 20) << " MiB";
        EXPECT_EQ(read_text_file(tmp / "result.json"), kSentinel);
    }
}

TEST(EvalUnreadableInput, MissingFile) {
    TempDir tmp("unreadable");
    write_text_file(tmp / "result.json", kSentinel);
    const auto missing = tmp / "no_such_case.json";
    const ProcessResult r = run_attnscope({"eval", "--case", missing.string(), "--out", (tmp / "result.json").string()});
    expect_refusal(r, missing.string(), {});
    EXPECT_EQ(read_text_file(tmp / "result.json"), kSentinel);
}

TEST(EvalUnreadableInput, DirectoryInsteadOfFile) {
    TempDir tmp("unreadable_dir");
    std::filesystem::create_directory(tmp / "a_directory.json");
    write_text_file(tmp / "result.json", kSentinel);
    const ProcessResult r =
        run_attnscope({"eval", "--case", (tmp / "a_directory.json").string(), "--out", (tmp / "result.json").string()});
    expect_refusal(r, "a_directory.json", {});
    EXPECT_EQ(read_text_file(tmp / "result.json"), kSentinel);
}

TEST(EvalUnreadableInput, NoReadPermission) {
    if (geteuid() == 0) GTEST_SKIP() << "running as root: file permissions do not stop root from reading";
    TempDir tmp("unreadable_perm");
    write_text_file(tmp / "secret.json", base_case().dump());
    std::filesystem::permissions(tmp / "secret.json", std::filesystem::perms::none);
    write_text_file(tmp / "result.json", kSentinel);
    const ProcessResult r =
        run_attnscope({"eval", "--case", (tmp / "secret.json").string(), "--out", (tmp / "result.json").string()});
    expect_refusal(r, "secret.json", {});
    EXPECT_EQ(read_text_file(tmp / "result.json"), kSentinel);
}

TEST(EvalUnwritableOutput, DirectoryDoesNotExist) {
    TempDir tmp("unwritable");
    write_text_file(tmp / "case.json", base_case().dump());
    const auto out = tmp / "missing_dir" / "result.json";
    const ProcessResult r = run_attnscope({"eval", "--case", (tmp / "case.json").string(), "--out", out.string()});
    expect_refusal(r, out.string(), {});
    EXPECT_FALSE(std::filesystem::exists(tmp / "missing_dir"));
    EXPECT_EQ(tmp.entries(), std::vector<std::string>{"case.json"});
}

TEST(EvalUnwritableOutput, OutputIsADirectory) {
    TempDir tmp("unwritable_dir");
    write_text_file(tmp / "case.json", base_case().dump());
    std::filesystem::create_directory(tmp / "result.json");
    write_text_file(tmp / "result.json" / "keep.txt", kSentinel);
    const ProcessResult r =
        run_attnscope({"eval", "--case", (tmp / "case.json").string(), "--out", (tmp / "result.json").string()});
    expect_refusal(r, "result.json", {});
    EXPECT_TRUE(std::filesystem::is_directory(tmp / "result.json"));
    EXPECT_EQ(read_text_file(tmp / "result.json" / "keep.txt"), kSentinel);
    EXPECT_EQ(tmp.entries(), (std::vector<std::string>{"case.json", "result.json"}));
}

// /proc accepts no new files, even from root: an unwritable location that works in any container.
TEST(EvalUnwritableOutput, UnwritableLocation) {
    TempDir tmp("unwritable_proc");
    write_text_file(tmp / "case.json", base_case().dump());
    const std::string out = "/proc/attnscope_cannot_write_here.json";
    const ProcessResult r = run_attnscope({"eval", "--case", (tmp / "case.json").string(), "--out", out});
    expect_refusal(r, out, {});
    EXPECT_EQ(tmp.entries(), std::vector<std::string>{"case.json"});
}

TEST(EvalUnwritableOutput, ReadOnlyDirectory) {
    if (geteuid() == 0) GTEST_SKIP() << "running as root: directory permissions do not stop root from writing";
    TempDir tmp("unwritable_ro");
    write_text_file(tmp / "case.json", base_case().dump());
    std::filesystem::create_directory(tmp / "ro");
    write_text_file(tmp / "ro" / "result.json", kSentinel);
    std::filesystem::permissions(tmp / "ro", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    const ProcessResult r =
        run_attnscope({"eval", "--case", (tmp / "case.json").string(), "--out", (tmp / "ro" / "result.json").string()});
    std::filesystem::permissions(tmp / "ro", std::filesystem::perms::owner_all);
    expect_refusal(r, "result.json", {});
    EXPECT_EQ(read_text_file(tmp / "ro" / "result.json"), kSentinel);
}

// ---------------------------------------------------------------------------------------------------------------
// accepted with a warning (not errors)
// ---------------------------------------------------------------------------------------------------------------

// A parameter of another variant ("r" for dpa) or an unknown top-level field is ignored, as the oracle ignores it,
// with a warning naming it; the result is still the dpa result.
TEST(EvalWarnings, ParameterOfAnotherVariantIsWarnedAbout) {
    TempDir tmp("warn");
    json c = base_case();
    c["params"]["r"] = 3;
    c["comment"] = "made by hand";
    write_text_file(tmp / "case.json", c.dump());
    const ProcessResult r =
        run_attnscope({"eval", "--case", (tmp / "case.json").string(), "--out", (tmp / "result.json").string()});
    ASSERT_TRUE(r.exited && r.exit_code == 0) << r.describe();
    EXPECT_NE(r.err.find("params.r"), std::string::npos) << "the warning should name params.r:\n" << r.err;
    EXPECT_NE(r.err.find("comment"), std::string::npos) << "the warning should name the unknown field:\n" << r.err;
    const json res = read_json_file(tmp / "result.json");
    EXPECT_EQ(res.at("variant"), "dpa");
    EXPECT_FALSE(res.at("params_resolved").contains("r")) << "params_resolved echoes only what dpa used";
}

// A missing --case is a usage error: exit 2 with a message naming the option. Without --out the result goes to
// stdout, as the oracle does without --out.
TEST(EvalUsage, MissingCaseAndOutputToStdout) {
    TempDir tmp("usage");
    write_text_file(tmp / "case.json", base_case().dump());
    ProcessResult r = run_attnscope({"eval", "--out", (tmp / "r.json").string()});
    EXPECT_TRUE(r.exited && r.exit_code == 2) << r.describe();
    EXPECT_NE(r.err.find("--case"), std::string::npos) << r.err;
    EXPECT_EQ(tmp.entries(), std::vector<std::string>{"case.json"});
    r = run_attnscope({"eval", "--case", (tmp / "case.json").string()});
    ASSERT_TRUE(r.exited && r.exit_code == 0) << r.describe();
    const json res = json::parse(r.out);
    EXPECT_EQ(res.at("variant"), "dpa");
    EXPECT_EQ(res.at("weights").size(), 3u);
    EXPECT_EQ(tmp.entries(), std::vector<std::string>{"case.json"});
}

}  // namespace
}  // namespace attnscope::test
