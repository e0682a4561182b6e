// cmd_export.cpp — `attnscope export`: the numbers behind any panel of a scene, as CSV or NumPy .npy.
//
//   attnscope export --scene F|default --what weights|metrics --format csv|npy --out P [--column dpa ...]
//
// weights: every column's (n, n) map (rows = queries), float32; npy shape (columns, n, n), or (n, n) for one column.
// metrics: per query, every spec §7 metric plus the explicit and implied temperature; npy is a structured array of
// shape (columns, n) whose field names are the CSV's header. Same compute path as the window (lab_compute.hpp) and
// the default backend. Writes atomically; bad input (unknown column, unwritable path, a column that cannot run)
// exits 2 and writes nothing.
#include <CLI/CLI.hpp>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <ostream>

#include "app/cli/commands.hpp"
#include "app/gui/lab_backend.hpp"
#include "app/gui/lab_compute.hpp"
#include "core/errors.hpp"
#include "core/formats/atomic_write.hpp"
#include "core/scene_io.hpp"
#include "core/scene_presets.hpp"

namespace attnscope::cli {
namespace {

struct ExportOptions {
    std::string scene;
    std::string what = "weights";
    std::string format = "csv";
    std::string out;
    std::vector<std::string> columns;
    std::string backend;
};

struct Exported {
    const SceneColumn* column;
    std::string slug;
    std::shared_ptr<const gui::ColumnCompute> compute;
    std::shared_ptr<const gui::ImpliedRows> implied;
};

// ---------------------------------------------------------------------------------------------------------------------
// NumPy .npy v1.0: magic, version 1.0, little-endian u16 header length, a Python dict literal padded with spaces and
// a newline so the data starts at a multiple of 64 bytes.
// ---------------------------------------------------------------------------------------------------------------------
std::string npy_header(const std::string& descr, const std::vector<long long>& shape) {
    std::string dict = "{'descr': " + descr + ", 'fortran_order': False, 'shape': (";
    for (std::size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
    if (shape.size() == 1) dict += ",";  // a Python 1-tuple, as numpy writes it
    dict += "), }";
    std::size_t total = 10 + dict.size() + 1;
    dict.append((64 - total % 64) % 64, ' ');
    dict += '\n';
    std::string h = "\x93NUMPY";
    h += static_cast<char>(1);
    h += static_cast<char>(0);
    const auto len = static_cast<std::uint16_t>(dict.size());
    h += static_cast<char>(len & 0xff);
    h += static_cast<char>(len >> 8);
    return h + dict;
}

template <class T>
void put(std::ostream& out, T v) {
    static_assert(std::endian::native == std::endian::little, "npy writer assumes a little-endian host");
    out.write(reinterpret_cast<const char*>(&v), sizeof v);
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string csv_number(double x) {
    if (!std::isfinite(x)) return "";  // undefined (spec: null), as an empty field
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.9g", x);
    return buf;
}

// The metric fields, in file order: name, and a reader for row i.
struct Field {
    const char* name;
    char type;  // 'f' float64, 'i' int32
    std::function<double(const Exported&, int)> get;
};

std::vector<Field> metric_fields() {
    auto m = [](auto member) {
        return [member](const Exported& e, int i) {
            return static_cast<double>((e.compute->result.metrics.*member)[static_cast<std::size_t>(i)]);
        };
    };
    return {
        {"temperature", 'f',
         [](const Exported& e, int i) { return e.compute->result.temperature[static_cast<std::size_t>(i)]; }},
        {"implied_temperature", 'f',
         [](const Exported& e, int i) {
             return e.implied && static_cast<std::size_t>(i) < e.implied->value.size()
                        ? e.implied->value[static_cast<std::size_t>(i)]
                        : NAN;
         }},
        {"implied_flag", 'i',
         [](const Exported& e, int i) {
             return e.implied && static_cast<std::size_t>(i) < e.implied->flag.size()
                        ? static_cast<double>(e.implied->flag[static_cast<std::size_t>(i)])
                        : 3.0;
         }},
        {"entropy", 'f', m(&RowMetrics::entropy)},
        {"entropy_normalised", 'f', m(&RowMetrics::entropy_normalised)},
        {"effective_support", 'f', m(&RowMetrics::effective_support)},
        {"participation_ratio", 'f', m(&RowMetrics::participation_ratio)},
        {"spikiness", 'f', m(&RowMetrics::spikiness)},
        {"max_weight", 'f', m(&RowMetrics::max_weight)},
        {"topk_mass", 'f', m(&RowMetrics::topk_mass)},
        {"gini", 'f', m(&RowMetrics::gini)},
        {"count_above", 'i', m(&RowMetrics::count_above)},
        {"count_above_uniform", 'i', m(&RowMetrics::count_above_uniform)},
        {"support_size", 'i', m(&RowMetrics::support_size)},
    };
}

void write_weights(std::ostream& out, const std::vector<Exported>& cols, const Scene& s, bool npy) {
    const int n = s.n();
    if (npy) {
        std::vector<long long> shape{n, n};
        if (cols.size() > 1) shape.insert(shape.begin(), static_cast<long long>(cols.size()));
        out << npy_header("'<f4'", shape);
        for (const Exported& e : cols)
            out.write(reinterpret_cast<const char*>(e.compute->result.weights.data()),
                      static_cast<std::streamsize>(sizeof(float) * n * n));
        return;
    }
    out << "column,query,label";
    for (int j = 0; j < n; ++j) out << ",k" << j;
    out << '\n';
    for (const Exported& e : cols)
        for (int i = 0; i < n; ++i) {
            out << e.slug << ',' << i << ',' << csv_field(s.tokens->labels[static_cast<std::size_t>(i)]);
            for (int j = 0; j < n; ++j) out << ',' << csv_number(e.compute->result.weights(i, j));
            out << '\n';
        }
}

void write_metrics(std::ostream& out, const std::vector<Exported>& cols, const Scene& s, bool npy) {
    const std::vector<Field> fields = metric_fields();
    const int n = s.n();
    if (npy) {
        std::string descr = "[";
        for (const Field& f : fields)
            descr += std::string("('") + f.name + "', '" + (f.type == 'f' ? "<f8" : "<i4") + "'), ";
        descr += "]";
        std::vector<long long> shape{n};
        if (cols.size() > 1) shape.insert(shape.begin(), static_cast<long long>(cols.size()));
        out << npy_header(descr, shape);
        for (const Exported& e : cols)
            for (int i = 0; i < n; ++i)
                for (const Field& f : fields) {
                    const double v = f.get(e, i);
                    if (f.type == 'f')
                        put<double>(out, v);
                    else
                        put<std::int32_t>(out, static_cast<std::int32_t>(v));
                }
        return;
    }
    out << "column,variant,query,label";
    for (const Field& f : fields) out << ',' << f.name;
    out << '\n';
    for (const Exported& e : cols)
        for (int i = 0; i < n; ++i) {
            out << e.slug << ',' << variant_name(e.column->kind) << ',' << i << ','
                << csv_field(s.tokens->labels[static_cast<std::size_t>(i)]);
            for (const Field& f : fields) {
                const double v = f.get(e, i);
                out << ','
                    << (f.type == 'i'
                            ? (std::isfinite(v) && v >= 0 ? std::to_string(static_cast<long long>(v)) : std::string())
                            : csv_number(v));
            }
            out << '\n';
        }
}

int run_export(const ExportOptions& o) {
    const Scene scene = o.scene == "default" ? make_default_scene() : load_scene_file(o.scene);
    // Which columns: all, or those named by slug (as in the window's panel names and --layout).
    std::vector<const SceneColumn*> chosen;
    for (const std::string& want : o.columns) {
        const SceneColumn* found = nullptr;
        for (const SceneColumn& c : scene.columns)
            if (column_slug(scene, c) == want) found = &c;
        if (!found) {
            std::string names;
            for (const SceneColumn& c : scene.columns) names += (names.empty() ? "" : ", ") + column_slug(scene, c);
            throw InputError("--column", "the scene has no column \"" + want + "\"", "use one of: " + names);
        }
        chosen.push_back(found);
    }
    if (chosen.empty())
        for (const SceneColumn& c : scene.columns) chosen.push_back(&c);
    if (chosen.empty()) throw InputError("columns", "the scene has no columns", "add a column to the scene");
    check_writable(o.out, "--out");

    gui::ComputeRequest req;
    req.data_revision = scene.data_revision;
    req.tokens = scene.tokens;
    req.causal = scene.causal;
    for (const SceneColumn* c : chosen) req.columns.push_back(*c);
    req.backend = o.backend.empty() ? gui::default_lab_backend() : o.backend;
    gui::lab_backend(req.backend);  // InputError (exit 2) naming why it is unavailable
    req.full_weights = true;
    const auto computed = gui::compute_columns(req, {});
    std::map<int, std::shared_ptr<const gui::ImpliedRows>> implied;
    if (o.what == "metrics") implied = gui::compute_implied_batch(req, chosen);
    std::vector<Exported> cols;
    for (std::size_t k = 0; k < chosen.size(); ++k) {
        const std::string slug = column_slug(scene, *chosen[k]);
        if (!computed[k]->error.empty())
            throw InputError("columns." + slug, computed[k]->error,
                             "fix the column's parameters, or export other columns with --column");
        Exported e{chosen[k], slug, computed[k], nullptr};
        if (auto it = implied.find(chosen[k]->id); it != implied.end()) e.implied = it->second;
        cols.push_back(std::move(e));
    }
    const bool npy = o.format == "npy";
    write_file_atomically(
        o.out,
        [&](std::ostream& out) {
            if (o.what == "weights")
                write_weights(out, cols, scene, npy);
            else
                write_metrics(out, cols, scene, npy);
        },
        npy);
    std::printf("%s\n", o.out.c_str());
    return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, CommandList& commands) {
    auto o = std::make_shared<ExportOptions>();
    CLI::App* sub =
        app.add_subcommand("export", "Write the numbers behind the lab's panels (weights or metrics) as CSV or .npy");
    sub->add_option("--scene", o->scene, "Scene file, or 'default'")->required();
    sub->add_option("--what", o->what, "weights (each column's n x n map) or metrics (per query)")
        ->check(CLI::IsMember({"weights", "metrics"}));
    sub->add_option("--format", o->format, "csv (header row) or npy (NumPy v1.0)")
        ->check(CLI::IsMember({"csv", "npy"}));
    sub->add_option("--out", o->out, "File to write (atomically)")->required();
    sub->add_option("--column", o->columns, "Only this column (its panel name, e.g. dpa or va_aware-2); repeatable");
    sub->add_option("--backend", o->backend, "Compute backend (default: cpu)");
    commands.push_back({sub, [o] { return run_export(*o); }});
}

}  // namespace attnscope::cli
