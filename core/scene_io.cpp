#include "scene_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "errors.hpp"
#include "formats/atomic_write.hpp"
#include "scene_presets.hpp"

namespace attnscope {

using nlohmann::json;

// =====================================================================================================================
// [SECTION] Checked readers: each names the JSON path it reads
// =====================================================================================================================
namespace {

[[noreturn]] void fail(const std::string& field, const std::string& what, const std::string& hint) {
    throw InputError(field, what, hint);
}

double read_number(const json& j, const std::string& field) {
    if (!j.is_number()) fail(field, "expected a number, found " + std::string(j.type_name()), "write a finite number");
    const double x = j.get<double>();
    if (!std::isfinite(x)) fail(field, "is not finite", "write a finite number");
    return x;
}

std::int64_t read_int(const json& j, const std::string& field, std::int64_t lo, std::int64_t hi) {
    if (!j.is_number_integer() && !(j.is_number_float() && std::floor(j.get<double>()) == j.get<double>()))
        fail(field, "expected an integer, found " + std::string(j.type_name()), "write a whole number");
    const double x = j.get<double>();
    if (x < static_cast<double>(lo) || x > static_cast<double>(hi))
        fail(field, "is " + j.dump(), "use a value from " + std::to_string(lo) + " to " + std::to_string(hi));
    return static_cast<std::int64_t>(x);
}

bool read_bool(const json& j, const std::string& field) {
    if (!j.is_boolean())
        fail(field, "expected true or false, found " + std::string(j.type_name()), "write true or false");
    return j.get<bool>();
}

std::string read_string(const json& j, const std::string& field) {
    if (!j.is_string()) fail(field, "expected a string, found " + std::string(j.type_name()), "write a quoted string");
    return j.get<std::string>();
}

std::vector<double> read_vector(const json& j, const std::string& field) {
    if (!j.is_array())
        fail(field, "expected a list of numbers, found " + std::string(j.type_name()), "write [x, y, ...]");
    std::vector<double> v;
    v.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i) v.push_back(read_number(j[i], field + "[" + std::to_string(i) + "]"));
    return v;
}

// A list of rows, all of the same width.
MatD read_matrix(const json& j, const std::string& field, int max_rows) {
    if (!j.is_array())
        fail(field, "expected a list of rows, found " + std::string(j.type_name()), "write [[...], ...]");
    if (j.empty()) fail(field, "has no rows", "give at least one token");
    if (static_cast<int>(j.size()) > max_rows)
        fail(field, "has " + std::to_string(j.size()) + " rows", "use at most " + std::to_string(max_rows) + " tokens");
    const std::string first = field + "[0]";
    if (!j[0].is_array() || j[0].empty()) fail(first, "expected a non-empty list of numbers", "write [x, y, ...]");
    const std::size_t width = j[0].size();
    if (width > static_cast<std::size_t>(kSceneMaxDim))
        fail(first, "has " + std::to_string(width) + " coordinates", "use at most " + std::to_string(kSceneMaxDim));
    MatD m(static_cast<Eigen::Index>(j.size()), static_cast<Eigen::Index>(width));
    for (std::size_t r = 0; r < j.size(); ++r) {
        const std::string row = field + "[" + std::to_string(r) + "]";
        if (!j[r].is_array())
            fail(row, "expected a list of numbers, found " + std::string(j[r].type_name()), "write [x, y, ...]");
        if (j[r].size() != width)
            fail(row, "has " + std::to_string(j[r].size()) + " numbers but row 0 has " + std::to_string(width),
                 "give every row the same length");
        for (std::size_t c = 0; c < width; ++c)
            m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
                read_number(j[r][c], row + "[" + std::to_string(c) + "]");
    }
    return m;
}

json matrix_json(const MatD& m) {
    json rows = json::array();
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        json row = json::array();
        for (Eigen::Index c = 0; c < m.cols(); ++c) row.push_back(m(r, c));
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

// =====================================================================================================================
// [SECTION] Variant parameters (spec §8.2 names)
// =====================================================================================================================

json params_to_json(VariantKind kind, const VariantParams& p, const json& extra) {
    json j = json::object();
    const VariantParams def;
    using K = VariantKind;
    const bool uses_scale = kind != K::Lssa && kind != K::Lssar;
    if (p.scale && uses_scale) j["scale"] = *p.scale;
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
        if (p.sel_q) j["sel_Q"] = matrix_json(*p.sel_q);
        if (p.sel_k) j["sel_K"] = matrix_json(*p.sel_k);
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

VariantParams params_from_json(const json& j, const std::string& where, json& extra) {
    VariantParams p;
    extra = json::object();
    if (!j.is_object()) fail(where, "expected an object of parameters", "write {\"name\": value, ...}");
    auto opt_number = [&](const json& v, const std::string& f) -> std::optional<double> {
        if (v.is_null()) return std::nullopt;
        return read_number(v, f);
    };
    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& key = it.key();
        const json& v = it.value();
        const std::string f = where + "." + key;
        auto ssa_side = [&](SsaTemperatureParams& t, const std::string& name) -> bool {
            if (name == "tau")
                t.tau = read_vector(v, f);
            else if (name == "pos_coef")
                t.pos_coef = opt_number(v, f);
            else if (name == "beta")
                t.beta = opt_number(v, f);
            else if (name == "alpha")
                t.alpha = opt_number(v, f);
            else if (name == "tok")
                t.tok = read_vector(v, f);
            else if (name == "w_tok")
                t.w_tok = read_vector(v, f);
            else if (name == "b_tok")
                t.b_tok = read_number(v, f);
            else
                return false;
            return true;
        };
        if (key == "scale")
            p.scale = opt_number(v, f);
        else if (key.size() > 2 && key.compare(key.size() - 2, 2, "_q") == 0 &&
                 ssa_side(p.ssa_q, key.substr(0, key.size() - 2))) {
        } else if (key.size() > 2 && key.compare(key.size() - 2, 2, "_v") == 0 &&
                   ssa_side(p.ssa_v, key.substr(0, key.size() - 2))) {
        } else if (key == "value_temp")
            p.value_temp = read_bool(v, f);
        else if (key == "sel_Q")
            p.sel_q = read_matrix(v, f, kSceneMaxTokens);
        else if (key == "sel_K")
            p.sel_k = read_matrix(v, f, kSceneMaxTokens);
        else if (key == "sel_scale")
            p.sel_scale = opt_number(v, f);
        else if (key == "protect_bos")
            p.protect_bos = read_bool(v, f);
        else if (key == "prune_threshold")
            p.prune_threshold = opt_number(v, f);
        else if (key == "budget") {
            if (v.is_null())
                p.budget.reset();
            else
                p.budget = read_int(v, f, 1, kSceneMaxTokens);
        } else if (key == "kernel") {
            const auto k = parse_kernel(read_string(v, f));
            if (!k) fail(f, "unknown kernel " + v.dump(), "use exp, relu, relu2, softplus, elu1 or square");
            p.kernel = *k;
        } else if (key == "r")
            p.r = static_cast<int>(read_int(v, f, 1, kSceneMaxTokens));
        else if (key == "renorm")
            p.renorm = read_bool(v, f);
        else if (key == "solver") {
            const auto s = parse_solver(read_string(v, f));
            if (!s) fail(f, "unknown solver " + v.dump(), "use exact or greedy");
            p.solver = *s;
        } else if (key == "max_subsets")
            p.max_subsets = read_int(v, f, 1, std::int64_t{1} << 40);
        else if (key == "normalize_qk")
            p.normalize_qk = read_bool(v, f);
        else if (key == "log_d")
            p.log_d = opt_number(v, f);
        else if (key == "eps")
            p.eps = read_number(v, f);
        else if (key == "p")
            p.p = read_number(v, f);
        else if (key == "offset")
            p.offset = read_number(v, f);
        else if (key == "offset_free_rows")
            p.offset_free_rows = static_cast<int>(read_int(v, f, 0, kSceneMaxTokens));
        else if (key == "deadzone")
            p.deadzone = read_number(v, f);
        else if (key == "form") {
            const auto e = parse_ea_form(read_string(v, f));
            if (!e) fail(f, "unknown form " + v.dump(), "use bounded or plain");
            p.form = *e;
        } else if (key == "metrics_k")
            p.metrics_k = static_cast<int>(read_int(v, f, 1, kSceneMaxTokens));
        else if (key == "metrics_threshold")
            p.metrics_threshold = read_number(v, f);
        else
            extra[key] = v;
    }
    return p;
}

// =====================================================================================================================
// [SECTION] Scene <-> JSON
// =====================================================================================================================
namespace {

const std::set<std::string> kTopKeys{"format", "version", "name", "description", "causal", "generator", "length", "d",
                                     "dv",     "labels",  "Q",    "K",           "V",      "columns",   "view"};
const std::set<std::string> kColumnKeys{"variant", "label", "scale", "params"};
const std::set<std::string> kViewKeys{"locked_query", "baseline", "compare", "colormap", "projection", "axes"};

json unknown_fields(const json& j, const std::set<std::string>& known) {
    json extra = json::object();
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!known.count(it.key())) extra[it.key()] = it.value();
    return extra;
}

SceneColumn column_from_json(const json& j, const std::string& where) {
    if (!j.is_object()) fail(where, "expected an object", "write {\"variant\": \"dpa\", ...}");
    SceneColumn c;
    if (!j.contains("variant")) fail(where + ".variant", "is missing", "name a variant, e.g. \"dpa\"");
    const std::string name = read_string(j["variant"], where + ".variant");
    const auto kind = parse_variant(name);
    if (!kind) {
        std::string known;
        for (VariantKind k : all_variant_kinds()) known += (known.empty() ? "" : ", ") + std::string(variant_name(k));
        fail(where + ".variant", "unknown variant \"" + name + "\"", "use one of: " + known);
    }
    c.kind = *kind;
    if (j.contains("label")) c.label = read_string(j["label"], where + ".label");
    if (j.contains("scale")) {
        const std::string s = read_string(j["scale"], where + ".scale");
        if (s == "log")
            c.scale = MapScale::Log;
        else if (s == "linear")
            c.scale = MapScale::Linear;
        else
            fail(where + ".scale", "unknown scale \"" + s + "\"", "use linear or log");
    }
    if (j.contains("params")) c.params = params_from_json(j["params"], where + ".params", c.extra_params);
    c.extra = unknown_fields(j, kColumnKeys);
    return c;
}

}  // namespace

Scene scene_from_json(const json& j) {
    if (!j.is_object())
        fail("", "the file is not a JSON object", "a scene file starts with {\"format\": \"attnscope-scene\"");
    if (!j.contains("format") || !j["format"].is_string() || j["format"].get<std::string>() != kSceneFormat)
        fail("format", j.contains("format") ? "is " + j["format"].dump() : "is missing",
             "a scene file has \"format\": \"attnscope-scene\"");
    if (!j.contains("version")) fail("version", "is missing", "add \"version\": 1");
    const std::int64_t version = read_int(j["version"], "version", 0, 1000000);
    if (version > kSceneVersion)
        fail("version",
             "is " + std::to_string(version) + ", newer than this attnscope reads (" + std::to_string(kSceneVersion) +
                 ")",
             "open it with a newer attnscope");
    if (version < 1) fail("version", "is " + std::to_string(version), "use version 1");

    Scene s;
    if (j.contains("name")) s.name = read_string(j["name"], "name");
    if (j.contains("description")) s.description = read_string(j["description"], "description");
    if (j.contains("causal")) s.causal = read_bool(j["causal"], "causal");
    if (j.contains("generator")) {
        const json& g = j["generator"];
        if (!g.is_object()) fail("generator", "expected an object", "write {\"preset\": \"random\", \"seed\": 1}");
        if (g.contains("preset")) s.generator.preset = read_string(g["preset"], "generator.preset");
        if (g.contains("seed"))
            s.generator.seed =
                static_cast<std::uint64_t>(read_int(g["seed"], "generator.seed", 0, std::int64_t{1} << 53));
    }

    // A file that names only a preset's generator reads like the preset (its title and story).
    if (const PresetInfo* p = find_preset(s.generator.preset)) {
        if (!j.contains("name")) s.name = std::string(p->title);
        if (!j.contains("description")) s.description = std::string(p->story);
    }
    const bool explicit_tokens = j.contains("Q") || j.contains("K") || j.contains("V");
    SceneTokens t;
    if (explicit_tokens) {
        for (const char* f : {"Q", "K", "V"})
            if (!j.contains(f))
                fail(f, "is missing", "give Q, K and V together, or none of them (then the generator makes them)");
        t.q = read_matrix(j["Q"], "Q", kSceneMaxTokens);
        t.k = read_matrix(j["K"], "K", kSceneMaxTokens);
        t.v = read_matrix(j["V"], "V", kSceneMaxTokens);
        if (t.k.rows() != t.q.rows())
            fail("K", "has " + std::to_string(t.k.rows()) + " rows but Q has " + std::to_string(t.q.rows()),
                 "give one key per query");
        if (t.v.rows() != t.q.rows())
            fail("V", "has " + std::to_string(t.v.rows()) + " rows but Q has " + std::to_string(t.q.rows()),
                 "give one value per query");
        if (t.k.cols() != t.q.cols())
            fail("K[0]", "has width " + std::to_string(t.k.cols()) + " but Q has " + std::to_string(t.q.cols()),
                 "keys and queries share the dimension d");
        if (j.contains("length") && read_int(j["length"], "length", 1, kSceneMaxTokens) != t.q.rows())
            fail("length", "is " + j["length"].dump() + " but Q has " + std::to_string(t.q.rows()) + " rows",
                 "make them agree, or drop \"length\"");
    } else {
        if (!j.contains("length"))
            fail("length", "is missing (and there are no Q, K, V)", "give \"length\" or the vectors");
        const int n = static_cast<int>(read_int(j["length"], "length", 1, kSceneMaxTokens));
        const int d = j.contains("d") ? static_cast<int>(read_int(j["d"], "d", 1, kSceneMaxDim)) : 2;
        const int dv = j.contains("dv") ? static_cast<int>(read_int(j["dv"], "dv", 1, kSceneMaxDim)) : d;
        t = generate_tokens(s.generator, 0, n, d, dv);
    }
    const int n = t.n();
    if (j.contains("labels")) {
        const json& l = j["labels"];
        if (!l.is_array()) fail("labels", "expected a list of strings", "write [\"a\", \"b\", ...]");
        if (static_cast<int>(l.size()) != n)
            fail("labels", "has " + std::to_string(l.size()) + " entries for " + std::to_string(n) + " tokens",
                 "give one label per token");
        for (int i = 0; i < n; ++i)
            t.labels.push_back(read_string(l[static_cast<std::size_t>(i)], "labels[" + std::to_string(i) + "]"));
    } else if (t.labels.empty()) {
        for (int i = 0; i < n; ++i) t.labels.push_back("t" + std::to_string(i));
    }
    s.tokens = std::make_shared<const SceneTokens>(std::move(t));

    std::vector<SceneColumn> cols;
    if (j.contains("columns")) {
        const json& c = j["columns"];
        if (!c.is_array()) fail("columns", "expected a list of columns", "write [{\"variant\": \"dpa\"}, ...]");
        if (static_cast<int>(c.size()) > kSceneMaxColumns)
            fail("columns", "has " + std::to_string(c.size()) + " columns",
                 "use at most " + std::to_string(kSceneMaxColumns));
        for (std::size_t i = 0; i < c.size(); ++i)
            cols.push_back(column_from_json(c[i], "columns[" + std::to_string(i) + "]"));
    } else {
        cols = default_columns();
    }
    assign_column_ids(s, cols);
    s.columns = std::move(cols);

    if (j.contains("view")) {
        const json& v = j["view"];
        if (!v.is_object()) fail("view", "expected an object", "write {\"colormap\": \"viridis\", ...}");
        auto column_ref = [&](const char* key) {
            if (!v.contains(key) || v[key].is_null()) return -1;
            const auto idx = read_int(v[key], std::string("view.") + key, -1, kSceneMaxColumns - 1);
            return idx >= 0 && idx < static_cast<std::int64_t>(s.columns.size())
                       ? s.columns[static_cast<std::size_t>(idx)].id
                       : -1;
        };
        if (v.contains("locked_query"))
            s.view.locked_query = static_cast<int>(read_int(v["locked_query"], "view.locked_query", -1, n - 1));
        s.view.baseline_column = column_ref("baseline");
        s.view.compare_column = column_ref("compare");
        if (v.contains("colormap")) s.view.colormap = read_string(v["colormap"], "view.colormap");
        if (v.contains("projection")) {
            const std::string p = read_string(v["projection"], "view.projection");
            if (p == "principal")
                s.view.projection = ProjectionKind::Principal;
            else if (p == "coordinates")
                s.view.projection = ProjectionKind::Coordinates;
            else
                fail("view.projection", "unknown projection \"" + p + "\"", "use coordinates or principal");
        }
        if (v.contains("axes")) {
            const std::vector<double> a = read_vector(v["axes"], "view.axes");
            if (a.size() != 2) fail("view.axes", "expected two coordinate indices", "write [0, 1]");
            s.view.axis_x = static_cast<int>(a[0]);
            s.view.axis_y = static_cast<int>(a[1]);
        }
        s.view.extra = unknown_fields(v, kViewKeys);
    }
    s.extra = unknown_fields(j, kTopKeys);
    return s;
}

json scene_to_json(const Scene& s) {
    json j = json::object();
    j["format"] = kSceneFormat;
    j["version"] = kSceneVersion;
    j["name"] = s.name;
    j["description"] = s.description;
    j["causal"] = s.causal;
    j["generator"] = {{"preset", s.generator.preset}, {"seed", s.generator.seed}};
    j["length"] = s.n();
    j["d"] = s.d();
    j["dv"] = s.dv();
    const SceneTokens& t = *s.tokens;
    const SceneTokens regenerated = generate_tokens(s.generator, 0, s.n(), s.d(), s.dv());
    const bool generated = regenerated.q == t.q && regenerated.k == t.k && regenerated.v == t.v;
    // Generated tokens are stored as {generator, length}: small files, and bit-identical on reload.
    if (!generated) {
        j["Q"] = matrix_json(t.q);
        j["K"] = matrix_json(t.k);
        j["V"] = matrix_json(t.v);
    }
    if (!generated || regenerated.labels != t.labels) j["labels"] = t.labels;
    json cols = json::array();
    for (const SceneColumn& c : s.columns) {
        json cj = c.extra.is_object() ? c.extra : json::object();
        cj["variant"] = variant_name(c.kind);
        if (!c.label.empty()) cj["label"] = c.label;
        cj["scale"] = map_scale_name(c.scale);
        cj["params"] = params_to_json(c.kind, c.params, c.extra_params);
        cols.push_back(std::move(cj));
    }
    j["columns"] = std::move(cols);
    json v = s.view.extra.is_object() ? s.view.extra : json::object();
    v["locked_query"] = s.view.locked_query;
    const int b = s.column_index(s.view.baseline_column), c = s.column_index(s.view.compare_column);
    v["baseline"] = b >= 0 ? json(b) : json(nullptr);
    v["compare"] = c >= 0 ? json(c) : json(nullptr);
    v["colormap"] = s.view.colormap;
    v["projection"] = s.view.projection == ProjectionKind::Principal ? "principal" : "coordinates";
    v["axes"] = {s.view.axis_x, s.view.axis_y};
    j["view"] = std::move(v);
    for (auto it = s.extra.begin(); it != s.extra.end(); ++it)
        if (!j.contains(it.key())) j[it.key()] = it.value();
    return j;
}

// =====================================================================================================================
// [SECTION] Files
// =====================================================================================================================

Scene load_scene_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(
            InputErrorInfo{path, "", std::string("cannot open: ") + std::strerror(errno), "check the path"});
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string text = buf.str();
    if (text.size() > (std::size_t{512} << 20))
        throw InputError(InputErrorInfo{path, "", "is larger than 512 MB", "a scene file holds at most 8192 tokens"});
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        // Report a line number: the byte offset alone is useless in a text editor.
        const std::size_t at = std::min(e.byte, text.size());
        const long line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
        throw InputError(InputErrorInfo{path, "line " + std::to_string(line),
                                        "is not valid JSON (" + std::string(e.what()) + ")",
                                        "fix the JSON syntax there"});
    }
    try {
        return scene_from_json(j);
    } catch (const InputError& e) {
        throw e.with_file(path);
    }
}

void save_scene_file(const Scene& scene, const std::string& path) {
    check_writable(path, "scene");
    const std::string text = scene_to_json(scene).dump(1) + "\n";
    write_file_atomically(path, [&](std::ostream& out) { out << text; });
}

}  // namespace attnscope
