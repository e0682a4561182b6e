// params_json.cpp — spec §8.2's parameter names, read and written once for case and scene files.
#include "core/formats/params_json.hpp"

#include <algorithm>
#include <limits>
#include <optional>

#include "core/errors.hpp"
#include "core/formats/json_read.hpp"
#include "core/matrix.hpp"

namespace attnscope {

using nlohmann::json;

// =====================================================================================================================
// [SECTION] The parameter table: names, and which variants read them (spec §8.2)
// =====================================================================================================================
namespace {

struct ParamUse {
    std::string name;
    std::vector<VariantKind> used_by;  // empty: every variant
};

// SSA's per-side stems, in the spec's order: tau_q, pos_coef_q, ..., b_tok_v.
constexpr std::string_view kSsaStems[] = {"tau_", "pos_coef_", "beta_", "alpha_", "tok_", "w_tok_", "b_tok_"};

const std::vector<ParamUse>& param_table() {
    using V = VariantKind;
    static const std::vector<ParamUse> table = [] {
        const std::vector<V> scaled{V::Dpa, V::Ssa, V::Selective, V::VaExact, V::VaOblivious, V::VaAware, V::Ea};
        const std::vector<V> va{V::VaExact, V::VaOblivious, V::VaAware};
        const std::vector<V> lssa{V::Lssa, V::Lssar};
        std::vector<ParamUse> t{{"scale", scaled}, {"value_temp", {V::Ssa}}};
        for (std::string_view side : {"q", "v"})
            for (std::string_view stem : kSsaStems) t.push_back({std::string(stem) + std::string(side), {V::Ssa}});
        const std::vector<ParamUse> rest{{"sel_Q", {V::Selective}},
                                         {"sel_K", {V::Selective}},
                                         {"sel_scale", {V::Selective}},
                                         {"protect_bos", {V::Selective}},
                                         {"prune_threshold", {V::Selective}},
                                         {"budget", {V::Selective}},
                                         {"kernel", va},
                                         {"r", {V::VaOblivious, V::VaAware}},
                                         {"renorm", {V::VaOblivious}},
                                         {"solver", {V::VaAware}},
                                         {"max_subsets", {V::VaAware}},
                                         {"normalize_qk", lssa},
                                         {"log_d", lssa},
                                         {"eps", {V::Lssa, V::Lssar, V::Ea}},
                                         {"p", {V::Lssar}},
                                         {"offset", {V::Lssar}},
                                         {"offset_free_rows", {V::Lssar}},
                                         {"deadzone", {V::Lssar}},
                                         {"form", {V::Ea}},
                                         {"metrics_k", {}},
                                         {"metrics_threshold", {}}};
        t.insert(t.end(), rest.begin(), rest.end());
        return t;
    }();
    return table;
}

const ParamUse* find_param(std::string_view name) {
    for (const ParamUse& p : param_table())
        if (p.name == name) return &p;
    return nullptr;
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

}  // namespace

const std::vector<std::string>& variant_param_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const ParamUse& p : param_table()) v.push_back(p.name);
        return v;
    }();
    return names;
}

bool is_variant_param(std::string_view name) { return find_param(name) != nullptr; }

bool variant_uses_param(VariantKind kind, std::string_view name) {
    const ParamUse* use = find_param(name);
    return use && (use->used_by.empty() || std::find(use->used_by.begin(), use->used_by.end(), kind) != use->used_by.end());
}

std::string closest_variant_param(std::string_view name) {
    // A name is a likely misspelling within 3 edits (e.g. "tua_q", "thresold"); "Tau_Q" counts case changes too.
    std::string best;
    std::size_t best_d = 4;
    for (const ParamUse& p : param_table()) {
        const std::size_t d = edit_distance(name, p.name);
        if (d < best_d) best_d = d, best = p.name;
    }
    return best;
}

// =====================================================================================================================
// [SECTION] Reading
// =====================================================================================================================
namespace {

// Whole-number parameters stay far inside int (every int-valued field); budget and max_subsets inside 2^53 (exact
// in a double, which is what JSON numbers are).
constexpr std::int64_t kIntMax = 1000000000;
constexpr std::int64_t kCountMax = std::int64_t{1} << 53;

std::optional<double> optional_number(const json& v, const std::string& path) {
    if (v.is_null()) return std::nullopt;
    return json_read::number(v, path);
}

std::optional<std::vector<double>> optional_list(const json& v, const std::string& path) {
    if (v.is_null()) return std::nullopt;
    return json_read::list(v, path);
}

std::optional<MatD> optional_matrix(const json& v, const std::string& path) {
    if (v.is_null()) return std::nullopt;
    return json_read::matrix(v, path);
}

// A count that can never be smaller than `lo` whatever the problem (r = 0 keeps nothing); the hint says what the
// parameter is, so "budget = 0" reads "give a KV buffer size ... or null".
std::int64_t count(const json& v, const std::string& path, std::int64_t lo, std::int64_t hi, const std::string& what) {
    return json_read::integer(v, path, lo, hi,
                              "give " + what + " from " + std::to_string(lo) + " to " + std::to_string(hi));
}

template <class E>
E choice(const json& v, const std::string& path, std::optional<E> (*parse)(std::string_view),
         const std::string& choices) {
    if (!v.is_string()) json_read::wrong_type(path, v, "a string", "choose one of " + choices);
    const auto e = parse(v.get<std::string>());
    if (!e) throw InputError(path, "is \"" + v.get<std::string>() + "\", which is not known", "choose one of " + choices);
    return *e;
}

// One SSA side: `stem` is the name without its "q"/"v" suffix.
void read_ssa_param(SsaTemperatureParams& t, std::string_view stem, const json& v, const std::string& path) {
    if (stem == "tau_")
        t.tau = optional_list(v, path);
    else if (stem == "pos_coef_")
        t.pos_coef = optional_number(v, path);
    else if (stem == "beta_")
        t.beta = optional_number(v, path);
    else if (stem == "alpha_")
        t.alpha = optional_number(v, path);
    else if (stem == "tok_")
        t.tok = optional_list(v, path);
    else if (stem == "w_tok_")
        t.w_tok = optional_list(v, path);
    else if (stem == "b_tok_")
        t.b_tok = json_read::number(v, path);
}

// `name` is known (find_param).
void read_param(VariantParams& p, const std::string& name, const json& v, const std::string& path) {
    using namespace json_read;
    if (name == "scale")
        p.scale = optional_number(v, path);
    else if (name == "value_temp")
        p.value_temp = boolean(v, path);
    else if (name == "sel_Q")
        p.sel_q = optional_matrix(v, path);
    else if (name == "sel_K")
        p.sel_k = optional_matrix(v, path);
    else if (name == "sel_scale")
        p.sel_scale = optional_number(v, path);
    else if (name == "protect_bos")
        p.protect_bos = boolean(v, path);
    else if (name == "prune_threshold")
        p.prune_threshold = optional_number(v, path);
    else if (name == "budget")
        p.budget = v.is_null() ? std::nullopt
                               : std::optional<std::int64_t>(count(
                                     v, path, 1, kCountMax, "a KV buffer size (or null for no budget)"));
    else if (name == "kernel")
        p.kernel = choice<Kernel>(v, path, parse_kernel, "exp, relu, relu2, softplus, elu1, square");
    else if (name == "r")
        p.r = static_cast<int>(count(v, path, 1, kIntMax, "a sparsity r (keys kept per row; default 2)"));
    else if (name == "renorm")
        p.renorm = boolean(v, path);
    else if (name == "solver")
        p.solver = choice<Solver>(v, path, parse_solver, "exact, greedy");
    else if (name == "max_subsets")
        p.max_subsets = count(v, path, 1, kCountMax, "a limit on supports per row (default 200000)");
    else if (name == "normalize_qk")
        p.normalize_qk = boolean(v, path);
    else if (name == "log_d")
        p.log_d = optional_number(v, path);
    else if (name == "eps")
        p.eps = number(v, path);
    else if (name == "p")
        p.p = number(v, path);
    else if (name == "offset")
        p.offset = number(v, path);
    else if (name == "offset_free_rows")
        p.offset_free_rows = static_cast<int>(count(v, path, 0, kIntMax, "a number of rows (default 3)"));
    else if (name == "deadzone")
        p.deadzone = number(v, path);
    else if (name == "form")
        p.form = choice<EaForm>(v, path, parse_ea_form, "bounded, plain");
    else if (name == "metrics_k")
        p.metrics_k = static_cast<int>(count(v, path, 1, kIntMax, "the k of the top-k mass (default 4)"));
    else if (name == "metrics_threshold")
        p.metrics_threshold = number(v, path);
    else  // SSA: <stem><q|v>
        read_ssa_param(name.back() == 'q' ? p.ssa_q : p.ssa_v, std::string_view(name).substr(0, name.size() - 1), v,
                       path);
}

}  // namespace

VariantParams params_from_json(const json& j, const std::string& field_prefix, json* unknown) {
    if (!j.is_object())
        json_read::wrong_type(field_prefix, j, "an object", "write params as {\"name\": value, ...} or leave it out");
    VariantParams p;
    if (unknown) *unknown = json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& name = it.key();
        const std::string path = field_prefix + "." + name;
        if (!find_param(name)) {
            if (unknown) {
                (*unknown)[name] = it.value();
                continue;
            }
            const std::string best = closest_variant_param(name);
            throw InputError(path, "is not a parameter of any variant",
                             (best.empty() ? "" : "did you mean \"" + best + "\"? ") +
                                 "`attnscope eval --list` shows every variant's parameters");
        }
        read_param(p, name, it.value(), path);
    }
    return p;
}

// =====================================================================================================================
// [SECTION] Writing
// =====================================================================================================================

json params_to_json(VariantKind kind, const VariantParams& p, const json& extra) {
    json j = json::object();
    const VariantParams def;
    using K = VariantKind;
    if (p.scale && variant_uses_param(kind, "scale")) j["scale"] = *p.scale;
    if (kind == K::Ssa) {
        auto side = [&](const SsaTemperatureParams& t, const char* x) {
            const std::string s(x);
            if (t.tau) j["tau_" + s] = *t.tau;
            if (t.pos_coef) j["pos_coef_" + s] = *t.pos_coef;
            if (t.beta) j["beta_" + s] = *t.beta;
            if (t.alpha) j["alpha_" + s] = *t.alpha;
            if (t.tok) j["tok_" + s] = *t.tok;
            if (t.w_tok) j["w_tok_" + s] = *t.w_tok;
            if (t.b_tok != 0.0) j["b_tok_" + s] = t.b_tok;
        };
        side(p.ssa_q, "q");
        side(p.ssa_v, "v");
        if (!p.value_temp) j["value_temp"] = false;
    }
    if (kind == K::Selective) {
        if (p.sel_q) j["sel_Q"] = json_read::rows_json(*p.sel_q);
        if (p.sel_k) j["sel_K"] = json_read::rows_json(*p.sel_k);
        if (p.sel_scale) j["sel_scale"] = *p.sel_scale;
        if (!p.protect_bos) j["protect_bos"] = false;
        if (p.prune_threshold) j["prune_threshold"] = *p.prune_threshold;
        if (p.budget) j["budget"] = *p.budget;
    }
    if (kind == K::VaExact || kind == K::VaOblivious || kind == K::VaAware) {
        if (p.kernel != def.kernel) j["kernel"] = kernel_name(p.kernel);
        if (kind != K::VaExact) j["r"] = p.r;
        if (kind == K::VaOblivious && !p.renorm) j["renorm"] = false;
        if (kind == K::VaAware) {
            j["solver"] = solver_name(p.solver);
            if (p.max_subsets != def.max_subsets) j["max_subsets"] = p.max_subsets;
        }
    }
    if (kind == K::Lssa || kind == K::Lssar) {
        if (!p.normalize_qk) j["normalize_qk"] = false;
        if (p.log_d) j["log_d"] = *p.log_d;
        if (p.eps != def.eps) j["eps"] = p.eps;
    }
    if (kind == K::Lssar) {
        if (p.p != def.p) j["p"] = p.p;
        if (p.offset != def.offset) j["offset"] = p.offset;
        if (p.offset_free_rows != def.offset_free_rows) j["offset_free_rows"] = p.offset_free_rows;
        if (p.deadzone != def.deadzone) j["deadzone"] = p.deadzone;
    }
    if (kind == K::Ea) {
        if (p.form != def.form) j["form"] = ea_form_name(p.form);
        if (p.eps != def.eps) j["eps"] = p.eps;
    }
    if (p.metrics_k != def.metrics_k) j["metrics_k"] = p.metrics_k;
    if (p.metrics_threshold != def.metrics_threshold) j["metrics_threshold"] = p.metrics_threshold;
    for (auto it = extra.begin(); it != extra.end(); ++it) j[it.key()] = it.value();
    return j;
}

}  // namespace attnscope
