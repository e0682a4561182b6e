// conformance_check.cpp — the comparison of conformance_check.hpp (the bound's derivation is there).
#include "tests/kernels/conformance_check.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

namespace attnscope::test {
namespace {

constexpr double kEps = std::numeric_limits<float>::epsilon();
constexpr double kGiniRadix = 3.5e-5;  // kernels/cpu/row_stats.cpp: truncated radix keys
constexpr std::size_t kMaxMessages = 8;

using Index = Eigen::Index;

class Checker {
public:
    explicit Checker(ConformanceReport& r) : m_r(r) {}

    void fail(const std::string& field, Index i, Index j, double got, double want, double tol) {
        ++m_r.failure_count;
        if (m_r.failures.size() >= kMaxMessages) return;
        char buf[256];
        std::snprintf(buf, sizeof buf, "%s[%ld][%ld]: got %.9g, double reference %.9g, |diff| %.3g > bound %.3g",
                      field.c_str(), static_cast<long>(i), static_cast<long>(j), got, want, std::abs(got - want), tol);
        m_r.failures.emplace_back(buf);
    }
    void fail(const std::string& msg) {
        ++m_r.failure_count;
        if (m_r.failures.size() < kMaxMessages) m_r.failures.push_back(msg);
    }

private:
    ConformanceReport& m_r;
};

// Largest |a - b| over row i of two matrices.
template <class A, class B>
double row_drift(const A& a, const B& b, Index i) {
    double d = 0;
    for (Index j = 0; j < a.cols(); ++j) d = std::max(d, std::abs(static_cast<double>(a(i, j)) - b(i, j)));
    return d;
}

template <class B>
double row_abs_max(const B& b, Index i) {
    double d = 0;
    for (Index j = 0; j < b.cols(); ++j) d = std::max(d, std::abs(static_cast<double>(b(i, j))));
    return d;
}

// tol for entry (i, j) of a matrix compared as in the header.
struct RowBound {
    double drift = 0, max = 0;
    long m = 1;
    double at(double ref) const { return 4 * drift + kEps * (m + 16) * std::abs(ref) + 4 * kEps * max; }
};

template <class B>
RowBound row_bound(const MatF& f32, const B& f64, Index i, long m) {
    return {row_drift(f32, f64, i), row_abs_max(f64, i), m};
}

// Non-zero pattern of row i.
template <class M>
std::set<Index> support_of(const M& w, Index i) {
    std::set<Index> s;
    for (Index j = 0; j < w.cols(); ++j)
        if (w(i, j) != 0) s.insert(j);
    return s;
}

bool discrete_kind(VariantKind kind, const VariantParams& p) {
    return kind == VariantKind::VaOblivious || kind == VariantKind::VaAware || kind == VariantKind::Lssar ||
           (kind == VariantKind::Selective && (p.prune_threshold || p.budget));
}

// Whether row i's discrete choice is ambiguous at float precision (see the header).
bool row_ambiguous(VariantKind kind, const VariantParams& params, const AttentionResult<float>& got,
                   const AttentionResult<double>& f64, const AttentionResult<float>& f32, Index i, long m) {
    if (kind == VariantKind::Selective) {
        for (Index j = 0; j < f64.extras.pruned.cols(); ++j)
            if (f64.extras.pruned(i, j) != f32.extras.pruned(i, j)) return true;
        if (params.prune_threshold) {  // an F within its own float drift of the threshold
            for (Index j = 0; j < m; ++j) {
                const double f = f64.extras.sel_f(i, j);
                const double tol = 4 * std::abs(f32.extras.sel_f(i, j) - f) + kEps * (m + 16) * std::abs(f);
                if (std::abs(f - *params.prune_threshold) <= tol) return true;
            }
        }
        return false;
    }
    if (support_of(f64.weights, i) != support_of(f32.weights, i)) return true;
    if (kind == VariantKind::VaOblivious) {
        std::vector<double> p(m);
        for (Index j = 0; j < m; ++j) p[j] = f64.extras.exact_weights(i, j);
        std::sort(p.begin(), p.end(), std::greater<>());
        if (params.r < m) {
            const RowBound b = row_bound(f32.extras.exact_weights, f64.extras.exact_weights, i, m);
            if (p[params.r - 1] - p[params.r] <= 2 * b.at(p[params.r - 1])) return true;
        }
        return false;
    }
    if (kind == VariantKind::VaAware) {
        // equally good (or better) approximations are both correct answers
        const double e64 = f64.extras.error_l2[i], e32 = f32.extras.error_l2[i];
        const double tol = 4 * std::abs(e32 - e64) + kEps * (m + 16) * (1 + e64);
        return got.extras.error_l2.size() > static_cast<std::size_t>(i) && got.extras.error_l2[i] <= e64 + tol;
    }
    return false;
}

template <class M64>
void compare_matrix(Checker& c, const std::string& field, const MatF& got, const MatF& f32, const M64& f64,
                    const std::vector<char>& skip, bool causal_support) {
    if (got.rows() != f64.rows() || got.cols() != f64.cols()) {
        c.fail(field + ": shape " + std::to_string(got.rows()) + "x" + std::to_string(got.cols()) + ", expected " +
               std::to_string(f64.rows()) + "x" + std::to_string(f64.cols()));
        return;
    }
    for (Index i = 0; i < f64.rows(); ++i) {
        if (!skip.empty() && skip[i]) continue;
        const long m = causal_support ? static_cast<long>(i + 1) : static_cast<long>(f64.cols());
        const RowBound b = row_bound(f32, f64, i, std::max<long>(m, f64.rows()));
        for (Index j = 0; j < f64.cols(); ++j) {
            const double tol = b.at(f64(i, j));
            if (!(std::abs(got(i, j) - f64(i, j)) <= tol)) c.fail(field, i, j, got(i, j), f64(i, j), tol);
        }
    }
}

void compare_doubles(Checker& c, const std::string& field, const std::vector<double>& got,
                     const std::vector<double>& want, double rel) {
    if (got.size() != want.size()) {
        c.fail(field + ": length " + std::to_string(got.size()) + ", expected " + std::to_string(want.size()));
        return;
    }
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (std::isnan(want[i]) || std::isnan(got[i])) {
            if (std::isnan(want[i]) != std::isnan(got[i])) c.fail(field, static_cast<Index>(i), 0, got[i], want[i], 0);
            continue;
        }
        const double tol = rel * (1 + std::abs(want[i]));
        if (!(std::abs(got[i] - want[i]) <= tol)) c.fail(field, static_cast<Index>(i), 0, got[i], want[i], tol);
    }
}

// Entries of row i of the double weights within their tolerance of a count threshold: counts may differ by this.
long borderline(const AttentionResult<double>& f64, const RowBound& b, Index i, long m, double threshold_p) {
    double total = 0;
    for (Index j = 0; j < m; ++j) total += std::abs(f64.weights(i, j));
    long count = 0;
    for (Index j = 0; j < m; ++j) {
        const double p = std::abs(f64.weights(i, j)) / total;
        if (std::abs(p - threshold_p) <= 2 * b.at(f64.weights(i, j)) / total + 4 * kEps * threshold_p) ++count;
    }
    return count;
}

void compare_metrics(Checker& c, const VariantParams& params, const AttentionResult<float>& got,
                     const AttentionResult<double>& f64, const AttentionResult<float>& f32,
                     const std::vector<char>& skip) {
    const RowMetrics &g = got.metrics, &r = f64.metrics, &s = f32.metrics;
    if (g.size() != r.size()) {
        c.fail("metrics: " + std::to_string(g.size()) + " rows, expected " + std::to_string(r.size()));
        return;
    }
    struct Field {
        const char* name;
        const std::vector<double>& got;
        const std::vector<double>& f64;
        const std::vector<double>& f32;
        double extra;
    };
    const Field fields[] = {
        {"entropy", g.entropy, r.entropy, s.entropy, 0},
        {"entropy_normalised", g.entropy_normalised, r.entropy_normalised, s.entropy_normalised, 0},
        {"effective_support", g.effective_support, r.effective_support, s.effective_support, 0},
        {"participation_ratio", g.participation_ratio, r.participation_ratio, s.participation_ratio, 0},
        {"spikiness", g.spikiness, r.spikiness, s.spikiness, 0},
        {"max_weight", g.max_weight, r.max_weight, s.max_weight, 0},
        {"topk_mass", g.topk_mass, r.topk_mass, s.topk_mass, kGiniRadix},
        {"gini", g.gini, r.gini, s.gini, kGiniRadix},
    };
    for (std::size_t i = 0; i < r.size(); ++i) {
        if (!skip.empty() && skip[i]) continue;
        const auto ii = static_cast<Index>(i);
        if (g.support_size[i] != r.support_size[i]) {
            c.fail("metrics.support_size", ii, 0, g.support_size[i], r.support_size[i], 0);
            continue;
        }
        if (!r.defined(i)) continue;
        const long m = r.support_size[i];
        for (const Field& f : fields) {
            const double tol = 4 * std::abs(f.f32[i] - f.f64[i]) +
                               2 * kEps * (m + 16) * (1 + std::abs(f.f64[i])) * (1 + std::log(static_cast<double>(m))) +
                               f.extra;
            if (!(std::abs(f.got[i] - f.f64[i]) <= tol)) c.fail(std::string("metrics.") + f.name, ii, 0, f.got[i], f.f64[i], tol);
        }
        const RowBound b = row_bound(f32.weights, f64.weights, ii, m);
        const long slack_t = borderline(f64, b, ii, m, params.metrics_threshold);
        const long slack_u = borderline(f64, b, ii, m, (1.0 / static_cast<double>(m)) * (1.0 + 1e-6));
        if (std::abs(g.count_above[i] - r.count_above[i]) > slack_t)
            c.fail("metrics.count_above", ii, 0, g.count_above[i], r.count_above[i], static_cast<double>(slack_t));
        if (std::abs(g.count_above_uniform[i] - r.count_above_uniform[i]) > slack_u)
            c.fail("metrics.count_above_uniform", ii, 0, g.count_above_uniform[i], r.count_above_uniform[i],
                   static_cast<double>(slack_u));
    }
}

}  // namespace

ConformanceReport check_conformance(VariantKind kind, const VariantParams& params, const AttentionInput<float>& in,
                                    const AttentionResult<float>& got, const AttentionResult<double>& f64,
                                    const AttentionResult<float>& f32) {
    ConformanceReport report;
    Checker c(report);
    const Index n = in.n();
    if (got.kind != kind) c.fail("kind: the result names another variant");
    if (got.weights.rows() != n || got.weights.cols() != n) {
        c.fail("weights: missing or of the wrong shape");
        return report;
    }

    // Rows whose discrete choice is ambiguous at float precision (header): skipped, counted, capped.
    std::vector<char> skip(n, 0);
    if (discrete_kind(kind, params)) {
        for (Index i = 0; i < n; ++i) {
            const long m = in.support_end(i);
            const RowBound b = row_bound(f32.weights, f64.weights, i, m);
            bool bad = false;
            for (Index j = 0; j < n && !bad; ++j) bad = !(std::abs(got.weights(i, j) - f64.weights(i, j)) <= b.at(f64.weights(i, j)));
            if (bad && row_ambiguous(kind, params, got, f64, f32, i, m)) {
                skip[i] = 1;
                ++report.ambiguous_rows;
            }
        }
        if (report.ambiguous_rows > std::max<long>(2, n / 20))
            c.fail(std::to_string(report.ambiguous_rows) + " of " + std::to_string(n) +
                   " rows differ in a discrete choice (more than 2 or 5 %): not a float near-tie");
    }

    compare_matrix(c, "weights", got.weights, f32.weights, f64.weights, skip, false);

    // Outputs: the weight bound carried through o = sum_j w_j v_j, plus m-term sum drift (header).
    const double vmax = in.v.cwiseAbs().maxCoeff();
    if (got.output.rows() != n || got.output.cols() != in.dv()) {
        c.fail("output: missing or of the wrong shape");
    } else {
        for (Index i = 0; i < n; ++i) {
            if (skip[i]) continue;
            const long m = in.support_end(i);
            const RowBound b = row_bound(f32.weights, f64.weights, i, m);
            double wsum = 0;
            for (Index j = 0; j < n; ++j) wsum += b.at(f64.weights(i, j));
            const double tol = 4 * row_drift(f32.output, f64.output, i) + (kEps * (m + 16) + wsum) * vmax;
            for (Index a = 0; a < in.dv(); ++a)
                if (!(std::abs(got.output(i, a) - f64.output(i, a)) <= tol))
                    c.fail("output", i, a, got.output(i, a), f64.output(i, a), tol);
        }
    }

    compare_doubles(c, "temperature", got.temperature, f64.temperature, 1e-6);
    compare_metrics(c, params, got, f64, f32, skip);

    const VariantExtras<float>& x = got.extras;
    const VariantExtras<double>& x64 = f64.extras;
    const VariantExtras<float>& x32 = f32.extras;
    // tau and lambda are evaluated in double from the float inputs by both: agreement to ~1e-6 relative.
    compare_doubles(c, "extras.tau_q", x.tau_q, x64.tau_q, 1e-6);
    compare_doubles(c, "extras.tau_v", x.tau_v, x64.tau_v, 1e-6);
    compare_doubles(c, "extras.lambda", x.lambda, x64.lambda, 1e-6);
    if (kind == VariantKind::Selective) {
        compare_matrix(c, "extras.sel_s", x.sel_s, x32.sel_s, x64.sel_s, {}, false);
        compare_matrix(c, "extras.sel_f", x.sel_f, x32.sel_f, x64.sel_f, {}, false);
        if (x.pruned.rows() != n) {
            c.fail("extras.pruned: missing");
        } else {
            for (Index i = 0; i < n; ++i)
                for (Index j = 0; j < n && !skip[i]; ++j)
                    if (x.pruned(i, j) != x64.pruned(i, j)) c.fail("extras.pruned", i, j, x.pruned(i, j), x64.pruned(i, j), 0);
        }
    }
    if (kind == VariantKind::Lssar) compare_matrix(c, "extras.lssa_weights", x.lssa_weights, x32.lssa_weights, x64.lssa_weights, {}, false);
    if (kind == VariantKind::VaOblivious || kind == VariantKind::VaAware) {
        compare_matrix(c, "extras.exact_weights", x.exact_weights, x32.exact_weights, x64.exact_weights, {}, false);
        compare_matrix(c, "extras.exact_output", x.exact_output, x32.exact_output, x64.exact_output, {}, false);
        if (x.error_l2.size() != static_cast<std::size_t>(n)) {
            c.fail("extras.error_l2: missing");
        } else {
            for (Index i = 0; i < n; ++i) {
                if (skip[i]) continue;
                const long m = in.support_end(i);
                const double tol = 4 * std::abs(x32.error_l2[i] - x64.error_l2[i]) +
                                   kEps * (m + 16) * vmax * std::sqrt(static_cast<double>(in.dv())) * 4;
                if (!(std::abs(x.error_l2[i] - x64.error_l2[i]) <= tol))
                    c.fail("extras.error_l2", i, 0, x.error_l2[i], x64.error_l2[i], tol);
            }
        }
    }
    return report;
}

}  // namespace attnscope::test
