// case_reader.cpp — reading the oracle's case JSON (spec §8.2) strictly, with errors that name the JSON path.
#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/errors.hpp"
#include "core/formats/case_io.hpp"
#include "core/reference/attend.hpp"

namespace attnscope {
namespace {

using nlohmann::json;

std::string type_name(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "a list";
        case json::value_t::object: return "an object";
        case json::value_t::binary: return "binary data";
        case json::value_t::discarded: return "nothing";
        default: return "a number";
    }
}

[[noreturn]] void wrong_type(const std::string& path, const json& j, const std::string& expected,
                             const std::string& hint) {
    throw InputError(path, "expected " + expected + ", got " + type_name(j), hint);
}

double read_number(const json& j, const std::string& path) {
    if (!j.is_number()) wrong_type(path, j, "a number", "write a plain JSON number such as 0.5");
    const double v = j.get<double>();
    if (!std::isfinite(v))
        throw InputError(path, "is not a finite number (it overflows a double)", "use a finite number");
    return v;
}

long long read_integer(const json& j, const std::string& path) {
    const double v = read_number(j, path);
    if (v != std::floor(v) || std::abs(v) > 9.0e15)
        throw InputError(path, "is " + j.dump() + ", not an integer", "write a whole number such as 2");
    return static_cast<long long>(v);
}

bool read_bool(const json& j, const std::string& path) {
    if (!j.is_boolean()) wrong_type(path, j, "true or false", "write true or false without quotes");
    return j.get<bool>();
}

std::vector<double> read_list(const json& j, const std::string& path) {
    if (!j.is_array()) wrong_type(path, j, "a list of numbers", "write a JSON list such as [1.0, 0.5]");
    std::vector<double> v;
    v.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) v.push_back(read_number(j[i], path + "[" + std::to_string(i) + "]"));
    return v;
}

// A list of n rows of equal width; `width_of` names whose width it must share when given.
MatD read_matrix(const json& j, const std::string& path) {
    if (!j.is_array())
        wrong_type(path, j, "a list of rows", "write " + path + " as [[...], [...]], one row of numbers per token");
    if (j.empty()) throw InputError(path, "has no rows", "a case needs at least one token (n >= 1)");
    const std::size_t n = j.size();
    std::size_t width = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const std::string row = path + "[" + std::to_string(i) + "]";
        if (!j[i].is_array()) wrong_type(row, j[i], "a list of numbers (one row)", "write each row as [x, y, ...]");
        if (i == 0) {
            width = j[0].size();
            if (width == 0) throw InputError(row, "is empty", "rows need at least one number (d >= 1)");
        } else if (j[i].size() != width) {
            throw InputError(row, "has " + std::to_string(j[i].size()) + " numbers, but " + path + "[0] has " +
                                      std::to_string(width),
                             "every row of " + path + " must have the same length");
        }
    }
    MatD m(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(width));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t c = 0; c < width; ++c)
            m(i, c) = read_number(j[i][c], path + "[" + std::to_string(i) + "][" + std::to_string(c) + "]");
    return m;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

// Which variants read each parameter (spec §8.2). An empty list means every variant.
struct ParamUse {
    std::string_view name;
    std::vector<VariantKind> used_by;
};

// SSA's per-side parameters: tau_q, pos_coef_q, ..., b_tok_v. Owned here so ParamUse can hold string_views.
const std::vector<std::string>& ssa_side_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (std::string_view side : {"q", "v"})
            for (std::string_view stem : {"tau_", "pos_coef_", "beta_", "alpha_", "tok_", "w_tok_", "b_tok_"})
                v.push_back(std::string(stem) + std::string(side));
        return v;
    }();
    return names;
}

const std::vector<ParamUse>& param_table() {
    using V = VariantKind;
    static const std::vector<ParamUse> table = [] {
        const std::vector<V> scaled{V::Dpa, V::Ssa, V::Selective, V::VaExact, V::VaOblivious, V::VaAware, V::Ea};
        const std::vector<V> va{V::VaExact, V::VaOblivious, V::VaAware};
        const std::vector<V> lssa{V::Lssa, V::Lssar};
        std::vector<ParamUse> t{{"scale", scaled}, {"value_temp", {V::Ssa}},
                                {"sel_Q", {V::Selective}}, {"sel_K", {V::Selective}},
                                {"sel_scale", {V::Selective}}, {"protect_bos", {V::Selective}},
                                {"prune_threshold", {V::Selective}}, {"budget", {V::Selective}},
                                {"kernel", va}, {"r", {V::VaOblivious, V::VaAware}},
                                {"renorm", {V::VaOblivious}}, {"solver", {V::VaAware}},
                                {"max_subsets", {V::VaAware}}, {"normalize_qk", lssa},
                                {"log_d", lssa}, {"eps", {V::Lssa, V::Lssar, V::Ea}},
                                {"p", {V::Lssar}}, {"offset", {V::Lssar}},
                                {"offset_free_rows", {V::Lssar}}, {"deadzone", {V::Lssar}},
                                {"form", {V::Ea}}, {"metrics_k", {}}, {"metrics_threshold", {}}};
        for (const std::string& name : ssa_side_names()) t.push_back({name, {V::Ssa}});
        return t;
    }();
    return table;
}

const ParamUse* find_param(std::string_view name) {
    for (const auto& p : param_table())
        if (p.name == name) return &p;
    return nullptr;
}

[[noreturn]] void unknown_param(const std::string& name) {
    std::string best;
    std::size_t best_d = 4;
    for (const auto& p : param_table()) {
        const std::size_t d = edit_distance(name, p.name);
        if (d < best_d) best_d = d, best = std::string(p.name);
    }
    std::string hint = best.empty() ? "" : "did you mean \"" + best + "\"? ";
    throw InputError("params." + name, "is not a parameter of any variant",
                     hint + "`attnscope eval --list` shows every variant's parameters");
}

template <class E>
E read_enum(const json& j, const std::string& path, std::optional<E> (*parse)(std::string_view),
            const std::string& choices) {
    if (!j.is_string()) wrong_type(path, j, "a string", "choose one of " + choices);
    const auto e = parse(j.get<std::string>());
    if (!e) throw InputError(path, "is \"" + j.get<std::string>() + "\", which is not known", "choose one of " + choices);
    return *e;
}

void read_ssa_param(SsaTemperatureParams& side, std::string_view stem, const json& v, const std::string& path) {
    if (stem == "tau_") side.tau = read_list(v, path);
    else if (stem == "pos_coef_") side.pos_coef = read_number(v, path);
    else if (stem == "beta_") side.beta = read_number(v, path);
    else if (stem == "alpha_") side.alpha = read_number(v, path);
    else if (stem == "tok_") side.tok = read_list(v, path);
    else if (stem == "w_tok_") side.w_tok = read_list(v, path);
    else if (stem == "b_tok_") side.b_tok = read_number(v, path);
}

int read_small_int(const json& v, const std::string& path) {
    const long long x = read_integer(v, path);
    if (x < -1000000000LL || x > 1000000000LL)
        throw InputError(path, "is " + std::to_string(x) + ", far outside any useful range",
                         "give a value between 0 and 1e9");
    return static_cast<int>(x);
}

void read_param(VariantParams& p, const std::string& name, const json& v) {
    const std::string path = "params." + name;
    if (name == "scale") p.scale = read_number(v, path);
    else if (name == "value_temp") p.value_temp = read_bool(v, path);
    else if (name == "sel_Q") p.sel_q = read_matrix(v, path);
    else if (name == "sel_K") p.sel_k = read_matrix(v, path);
    else if (name == "sel_scale") p.sel_scale = read_number(v, path);
    else if (name == "protect_bos") p.protect_bos = read_bool(v, path);
    else if (name == "prune_threshold") p.prune_threshold = v.is_null() ? std::nullopt : std::optional(read_number(v, path));
    else if (name == "budget") p.budget = v.is_null() ? std::nullopt : std::optional<std::int64_t>(read_integer(v, path));
    else if (name == "kernel") p.kernel = read_enum<Kernel>(v, path, parse_kernel, "exp, relu, relu2, softplus, elu1, square");
    else if (name == "r") p.r = read_small_int(v, path);
    else if (name == "renorm") p.renorm = read_bool(v, path);
    else if (name == "solver") p.solver = read_enum<Solver>(v, path, parse_solver, "exact, greedy");
    else if (name == "max_subsets") p.max_subsets = read_integer(v, path);
    else if (name == "normalize_qk") p.normalize_qk = read_bool(v, path);
    else if (name == "log_d") p.log_d = read_number(v, path);
    else if (name == "eps") p.eps = read_number(v, path);
    else if (name == "p") p.p = read_number(v, path);
    else if (name == "offset") p.offset = read_number(v, path);
    else if (name == "offset_free_rows") p.offset_free_rows = read_small_int(v, path);
    else if (name == "deadzone") p.deadzone = read_number(v, path);
    else if (name == "form") p.form = read_enum<EaForm>(v, path, parse_ea_form, "bounded, plain");
    else if (name == "metrics_k") p.metrics_k = read_small_int(v, path);
    else if (name == "metrics_threshold") p.metrics_threshold = read_number(v, path);
    else {
        const char side = name.back();  // SSA: <stem><q|v>
        read_ssa_param(side == 'q' ? p.ssa_q : p.ssa_v, std::string_view(name).substr(0, name.size() - 1), v, path);
    }
}

bool uses(const ParamUse& use, VariantKind kind) {
    return use.used_by.empty() || std::find(use.used_by.begin(), use.used_by.end(), kind) != use.used_by.end();
}

std::string variant_choices() {
    std::string s;
    for (VariantKind k : all_variant_kinds()) s += (s.empty() ? "" : ", ") + std::string(variant_name(k));
    return s;
}

}  // namespace

AttentionCase parse_case(const json& j, std::optional<VariantKind> variant_override) {
    if (!j.is_object()) wrong_type("", j, "a JSON object", "a case is {\"variant\": ..., \"Q\": ..., \"K\": ..., \"V\": ...}");
    AttentionCase c;
    static constexpr std::array<std::string_view, 7> kTopLevel{"name", "variant", "Q", "K", "V", "causal", "params"};
    for (const auto& [key, value] : j.items())
        if (std::find(kTopLevel.begin(), kTopLevel.end(), key) == kTopLevel.end()) c.unused_params.push_back(key);
    if (j.contains("name") && j["name"].is_string()) c.name = j["name"].get<std::string>();

    if (variant_override) {
        c.variant = *variant_override;
    } else if (!j.contains("variant")) {
        throw InputError("variant", "is missing", "add \"variant\": \"dpa\" (or another) to the case, or pass --variant");
    } else {
        if (!j["variant"].is_string()) wrong_type("variant", j["variant"], "a string", "choose one of " + variant_choices());
        const auto v = parse_variant(j["variant"].get<std::string>());
        if (!v)
            throw InputError("variant", "is \"" + j["variant"].get<std::string>() + "\", which is not a variant",
                             "choose one of " + variant_choices());
        c.variant = *v;
    }

    for (const char* name : {"Q", "K", "V"})
        if (!j.contains(name))
            throw InputError(name, "is missing", std::string("add \"") + name + "\": a list of rows, one per token");
    c.input.q = read_matrix(j["Q"], "Q");
    c.input.k = read_matrix(j["K"], "K");
    c.input.v = read_matrix(j["V"], "V");
    const auto n = c.input.q.rows();
    for (const auto* name : {"K", "V"}) {
        const MatD& m = name[0] == 'K' ? c.input.k : c.input.v;
        if (m.rows() != n)
            throw InputError(name, "has " + std::to_string(m.rows()) + " rows, but Q has " + std::to_string(n),
                             "Q, K and V need the same number of rows, one per token");
    }
    if (c.input.k.cols() != c.input.q.cols())
        throw InputError("K[0]", "has " + std::to_string(c.input.k.cols()) + " numbers, but Q rows have " +
                                     std::to_string(c.input.q.cols()),
                         "K must have the same width d as Q");
    c.input.causal = j.contains("causal") ? read_bool(j["causal"], "causal") : true;

    if (j.contains("params")) {
        const json& params = j["params"];
        if (!params.is_object())
            wrong_type("params", params, "an object", "write params as {\"name\": value, ...} or leave it out");
        for (const auto& [name, value] : params.items()) {
            const ParamUse* use = find_param(name);
            if (!use) unknown_param(name);
            read_param(c.params, name, value);
            if (!uses(*use, c.variant)) c.unused_params.push_back("params." + name);
        }
    }
    reference::validate(c.variant, reference::shape_of(c.input), c.params);
    return c;
}

AttentionCase load_case(const std::filesystem::path& path, std::optional<VariantKind> variant_override,
                        std::uintmax_t max_bytes) {
    const std::string file = path.string();
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec || !std::filesystem::exists(status))
        throw InputError({file, "", "does not exist", "check the path given to --case"});
    if (std::filesystem::is_directory(status))
        throw InputError({file, "", "is a directory, not a case file", "give the path of a .json case"});
    const auto size = std::filesystem::file_size(path, ec);
    if (!ec && size > max_bytes)
        throw InputError({file, "", "is " + std::to_string(size >> 20) + " MiB, larger than the " +
                                        std::to_string(max_bytes >> 20) + " MiB a case may have",
                          "a case of n = 4096, d = 64 is about 15 MiB; use a smaller problem"});
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError({file, "", "cannot be opened for reading", "check that the file is readable"});
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();

    // "line L, column C" of a byte offset, for messages.
    auto where = [&](std::size_t at) {
        at = std::min(at, text.size());
        const std::size_t line = 1 + std::count(text.begin(), text.begin() + at, '\n');
        const std::size_t line_start = at == 0 ? std::string::npos : text.rfind('\n', at - 1);
        const std::size_t column = at - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
        return "line " + std::to_string(line) + ", column " + std::to_string(column);
    };
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        std::string detail = e.what();
        if (const auto p = detail.find(": "); p != std::string::npos) detail = detail.substr(p + 2);
        throw InputError({file, where(e.byte == 0 ? 0 : e.byte - 1), "is not valid JSON (" + detail + ")",
                          "fix the syntax there; NaN and Infinity are not JSON numbers, and a truncated file needs "
                          "its closing brackets"});
    } catch (const json::out_of_range& e) {
        // nlohmann reports a literal too large for a double (e.g. 1e999) as out_of_range 406, without a position:
        // find the literal it quotes to say where it is.
        const std::string detail = e.what();
        const auto q1 = detail.find('\''), q2 = detail.rfind('\'');
        const std::string literal = q1 != std::string::npos && q2 > q1 ? detail.substr(q1 + 1, q2 - q1 - 1) : "";
        const std::size_t at = literal.empty() ? std::string::npos : text.find(literal);
        throw InputError({file, at == std::string::npos ? "" : where(at),
                          "has a number too large for a double" + (literal.empty() ? "" : " (" + literal + ")"),
                          "use finite numbers within about 1e308"});
    }
    try {
        return parse_case(j, variant_override);
    } catch (const InputError& e) {
        throw e.with_file(file);
    }
}

}  // namespace attnscope
