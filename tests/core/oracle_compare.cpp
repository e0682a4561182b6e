#include "tests/core/oracle_compare.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace attnscope::test {

namespace {

using nlohmann::json;

const char* type_name(const json& j) { return j.type_name(); }

std::string short_dump(const json& j) {
    std::string s = j.dump();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

class Comparer {
public:
    Comparer(const CompareOptions& opt, Comparison& out) : m_opt(opt), m_out(out) {}

    void top(const json& e, const json& a) {
        if (!e.is_object() || !a.is_object()) {
            fail("", "expected an object on both sides, got " + std::string(type_name(e)) + " and " + type_name(a));
            return;
        }
        keys("", e, a);
        for (auto it = e.begin(); it != e.end(); ++it) {
            if (!a.contains(it.key())) continue;
            const std::string& k = it.key();
            const bool implied = k == "implied_temperature" || k == "implied_temperature_flag";
            if (implied && m_opt.precision == Precision::F32) continue;  // spec §8.4: skipped in f32
            Mode mode = Mode::Normal;
            if (k == "implied_temperature") mode = Mode::Implied;
            value(k, it.value(), a.at(k), mode);
        }
    }

private:
    enum class Mode { Normal, Implied };

    void fail(const std::string& path, const std::string& what) {
        ++m_out.mismatches;
        if (m_out.reports.size() < m_opt.max_reports) m_out.reports.push_back((path.empty() ? "<root>" : path) + ": " + what);
    }

    void keys(const std::string& path, const json& e, const json& a) {
        for (auto it = e.begin(); it != e.end(); ++it)
            if (!a.contains(it.key())) fail(join(path, it.key()), "missing in the result");
        for (auto it = a.begin(); it != a.end(); ++it)
            if (!e.contains(it.key())) fail(join(path, it.key()), "not in the expected result (extra key)");
    }

    static std::string join(const std::string& path, const std::string& key) {
        return path.empty() ? key : path + "." + key;
    }

    void value(const std::string& path, const json& e, const json& a, Mode mode) {
        if (e.is_object()) {
            if (!a.is_object()) return fail(path, "expected an object, got " + std::string(type_name(a)));
            keys(path, e, a);
            for (auto it = e.begin(); it != e.end(); ++it)
                if (a.contains(it.key())) value(join(path, it.key()), it.value(), a.at(it.key()), mode);
            return;
        }
        if (e.is_array()) {
            if (!a.is_array()) return fail(path, "expected an array, got " + std::string(type_name(a)));
            if (e.size() != a.size()) {
                return fail(path, "array length " + std::to_string(a.size()) + ", expected " + std::to_string(e.size()));
            }
            for (std::size_t i = 0; i < e.size(); ++i) value(path + "[" + std::to_string(i) + "]", e[i], a[i], mode);
            return;
        }
        if (e.is_number()) {
            if (!a.is_number()) return fail(path, "expected number " + short_dump(e) + ", got " + short_dump(a));
            // Integers on both sides (counts, sizes, n, r, budget) match exactly.
            if (e.is_number_integer() && a.is_number_integer()) {
                if (e.get<std::int64_t>() != a.get<std::int64_t>())
                    fail(path, "integer " + short_dump(a) + ", expected " + short_dump(e));
                return;
            }
            const double x = e.get<double>(), y = a.get<double>();
            double atol = m_opt.tol.atol, rtol = m_opt.tol.rtol;
            if (mode == Mode::Implied) atol = 0.0, rtol = m_opt.implied_rtol_f64;
            const double diff = std::abs(x - y);
            const double tol = atol + rtol * std::max(std::abs(x), std::abs(y));
            if (!(diff <= tol)) {
                std::ostringstream s;
                s.precision(17);
                s << y << " vs expected " << x << " (|diff| " << diff << " > tol " << tol << ")";
                fail(path, s.str());
            }
            return;
        }
        // null, bool, string: exact (null vs a number is a mismatch: "undefined" must stay undefined)
        if (e != a) fail(path, short_dump(a) + ", expected " + short_dump(e));
    }

    const CompareOptions& m_opt;
    Comparison& m_out;
};

Tolerance tolerance_of(const json& t) { return {t.at("atol").get<double>(), t.at("rtol").get<double>()}; }

}  // namespace

std::string Comparison::summary() const {
    std::string s = std::to_string(mismatches) + " mismatch(es)";
    for (const std::string& r : reports) s += "\n  " + r;
    if (mismatches > reports.size()) s += "\n  ...";
    return s;
}

Comparison compare_result(const nlohmann::json& expected, const nlohmann::json& actual, const CompareOptions& opt) {
    Comparison out;
    Comparer(opt, out).top(expected, actual);
    return out;
}

std::filesystem::path test_data_dir() { return std::filesystem::path(ATTNSCOPE_SOURCE_DIR) / "tests" / "data"; }

CaseSet load_case_set(const std::string& set_name) {
    CaseSet s;
    s.set_name = set_name;
    s.dir = test_data_dir() / set_name;
    const json idx = read_json_file(s.dir / "index.json");
    s.f64 = tolerance_of(idx.at("tolerances").at("float64"));
    s.f32 = tolerance_of(idx.at("tolerances").at("float32"));
    for (const json& c : idx.at("cases")) {
        s.names.push_back(c.at("name").get<std::string>());
        s.variants.push_back(c.at("variant").get<std::string>());
    }
    return s;
}

std::string read_text_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

nlohmann::json read_json_file(const std::filesystem::path& p) { return nlohmann::json::parse(read_text_file(p)); }

void write_text_file(const std::filesystem::path& p, const std::string& text) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error("cannot write " + p.string());
    f << text;
    if (!f) throw std::runtime_error("short write to " + p.string());
}

std::string sanitize_name(const std::string& s) {
    std::string out;
    for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
    return out;
}

}  // namespace attnscope::test
