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
#include "formats/json_read.hpp"
#include "scene_presets.hpp"

namespace attnscope {

using nlohmann::json;

// =====================================================================================================================
// [SECTION] Checked readers (core/formats/json_read.hpp; variant parameters: core/formats/params_json.hpp)
// =====================================================================================================================
namespace {

[[noreturn]] void fail(const std::string& field, const std::string& what, const std::string& hint) {
    throw InputError(field, what, hint);
}

// Q, K, V: at most kSceneMaxTokens rows of kSceneMaxDim numbers, refused before anything is allocated.
MatD read_matrix(const json& j, const std::string& field) {
    return json_read::matrix(j, field, kSceneMaxTokens, kSceneMaxDim);
}

}  // namespace

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
    const std::string name = json_read::string(j["variant"], where + ".variant");
    const auto kind = parse_variant(name);
    if (!kind) {
        std::string known;
        for (VariantKind k : all_variant_kinds()) known += (known.empty() ? "" : ", ") + std::string(variant_name(k));
        fail(where + ".variant", "unknown variant \"" + name + "\"", "use one of: " + known);
    }
    c.kind = *kind;
    if (j.contains("label")) c.label = json_read::string(j["label"], where + ".label");
    if (j.contains("scale")) {
        const std::string s = json_read::string(j["scale"], where + ".scale");
        if (s == "log")
            c.scale = MapScale::Log;
        else if (s == "linear")
            c.scale = MapScale::Linear;
        else
            fail(where + ".scale", "unknown scale \"" + s + "\"", "use linear or log");
    }
    if (j.contains("params")) c.params = params_from_json(j["params"], where + ".params", &c.extra_params);
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
    const std::int64_t version = json_read::integer(j["version"], "version", 0, 1000000);
    if (version > kSceneVersion)
        fail("version",
             "is " + std::to_string(version) + ", newer than this attnscope reads (" + std::to_string(kSceneVersion) +
                 ")",
             "open it with a newer attnscope");
    if (version < 1) fail("version", "is " + std::to_string(version), "use version 1");

    Scene s;
    if (j.contains("name")) s.name = json_read::string(j["name"], "name");
    if (j.contains("description")) s.description = json_read::string(j["description"], "description");
    if (j.contains("causal")) s.causal = json_read::boolean(j["causal"], "causal");
    if (j.contains("generator")) {
        const json& g = j["generator"];
        if (!g.is_object()) fail("generator", "expected an object", "write {\"preset\": \"random\", \"seed\": 1}");
        if (g.contains("preset")) s.generator.preset = json_read::string(g["preset"], "generator.preset");
        if (g.contains("seed"))
            s.generator.seed =
                static_cast<std::uint64_t>(json_read::integer(g["seed"], "generator.seed", 0, std::int64_t{1} << 53));
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
        t.q = read_matrix(j["Q"], "Q");
        t.k = read_matrix(j["K"], "K");
        t.v = read_matrix(j["V"], "V");
        if (t.k.rows() != t.q.rows())
            fail("K", "has " + std::to_string(t.k.rows()) + " rows but Q has " + std::to_string(t.q.rows()),
                 "give one key per query");
        if (t.v.rows() != t.q.rows())
            fail("V", "has " + std::to_string(t.v.rows()) + " rows but Q has " + std::to_string(t.q.rows()),
                 "give one value per query");
        if (t.k.cols() != t.q.cols())
            fail("K[0]", "has width " + std::to_string(t.k.cols()) + " but Q has " + std::to_string(t.q.cols()),
                 "keys and queries share the dimension d");
        if (j.contains("length") && json_read::integer(j["length"], "length", 1, kSceneMaxTokens) != t.q.rows())
            fail("length", "is " + j["length"].dump() + " but Q has " + std::to_string(t.q.rows()) + " rows",
                 "make them agree, or drop \"length\"");
    } else {
        if (!j.contains("length"))
            fail("length", "is missing (and there are no Q, K, V)", "give \"length\" or the vectors");
        const int n = static_cast<int>(json_read::integer(j["length"], "length", 1, kSceneMaxTokens));
        const int d = j.contains("d") ? static_cast<int>(json_read::integer(j["d"], "d", 1, kSceneMaxDim)) : 2;
        const int dv = j.contains("dv") ? static_cast<int>(json_read::integer(j["dv"], "dv", 1, kSceneMaxDim)) : d;
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
            t.labels.push_back(json_read::string(l[static_cast<std::size_t>(i)], "labels[" + std::to_string(i) + "]"));
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
            const auto idx = json_read::integer(v[key], std::string("view.") + key, -1, kSceneMaxColumns - 1);
            return idx >= 0 && idx < static_cast<std::int64_t>(s.columns.size())
                       ? s.columns[static_cast<std::size_t>(idx)].id
                       : -1;
        };
        if (v.contains("locked_query"))
            s.view.locked_query = static_cast<int>(json_read::integer(v["locked_query"], "view.locked_query", -1, n - 1));
        s.view.baseline_column = column_ref("baseline");
        s.view.compare_column = column_ref("compare");
        if (v.contains("colormap")) s.view.colormap = json_read::string(v["colormap"], "view.colormap");
        if (v.contains("projection")) {
            const std::string p = json_read::string(v["projection"], "view.projection");
            if (p == "principal")
                s.view.projection = ProjectionKind::Principal;
            else if (p == "coordinates")
                s.view.projection = ProjectionKind::Coordinates;
            else
                fail("view.projection", "unknown projection \"" + p + "\"", "use coordinates or principal");
        }
        if (v.contains("axes")) {
            // Whole numbers within any d (the canvas clamps them to the scene's d): a cast of 1e300 to int would
            // be undefined behaviour (found by tests/fuzz/fuzz_scene_loader.cpp).
            const json& a = v["axes"];
            if (!a.is_array() || a.size() != 2) fail("view.axes", "expected two coordinate indices", "write [0, 1]");
            s.view.axis_x = static_cast<int>(json_read::integer(a[0], "view.axes[0]", 0, kSceneMaxDim - 1));
            s.view.axis_y = static_cast<int>(json_read::integer(a[1], "view.axes[1]", 0, kSceneMaxDim - 1));
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
        j["Q"] = json_read::rows_json(t.q);
        j["K"] = json_read::rows_json(t.k);
        j["V"] = json_read::rows_json(t.v);
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
        j = json_read::parse_document(text);  // the case reader's messages: line and column, overflow (1e999)
    } catch (const InputError& e) {
        throw e.with_file(path);
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
