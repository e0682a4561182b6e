// validate.cpp — what makes a parameter set unusable for a problem, named by its parameter (spec §8.2 plus the
// checks the oracle leaves out: explicit tau lengths, selection-head shapes, w_tok widths, d = 0, ranges).
#include <cmath>
#include <string>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"
#include "core/reference/convex_fit.hpp"

namespace attnscope::reference {
namespace {

std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

[[noreturn]] void fail(const std::string& field, const std::string& what, const std::string& hint) {
    throw InputError("params." + field, what, hint);
}

void require_finite(const std::string& field, double v) {
    if (!std::isfinite(v)) fail(field, "is not a finite number", "give a finite number");
}

void require_list(const std::string& field, const std::vector<double>& v, Eigen::Index length,
                  const std::string& what_length) {
    if (static_cast<Eigen::Index>(v.size()) != length)
        fail(field, "has " + std::to_string(v.size()) + " entries, but " + what_length + " is " + std::to_string(length),
             "give exactly one entry per " + std::string(what_length == "n" ? "token" : "dimension"));
    for (std::size_t i = 0; i < v.size(); ++i)
        if (!std::isfinite(v[i])) fail(field + "[" + std::to_string(i) + "]", "is not a finite number", "give a finite number");
}

void validate_ssa_side(const std::string& side, const SsaTemperatureParams& sp, const ProblemShape& s,
                       Eigen::Index width, const std::string& width_name) {
    if (sp.tau) require_list("tau_" + side, *sp.tau, s.n, "n");
    if (sp.pos_coef) require_finite("pos_coef_" + side, *sp.pos_coef);
    if (sp.beta) require_finite("beta_" + side, *sp.beta);
    if (sp.alpha) require_finite("alpha_" + side, *sp.alpha);
    if (sp.tok) require_list("tok_" + side, *sp.tok, s.n, "n");
    if (sp.w_tok) require_list("w_tok_" + side, *sp.w_tok, width, width_name);
    require_finite("b_tok_" + side, sp.b_tok);
}

void validate_selection_head(const std::string& field, const MatD& m, Eigen::Index n, Eigen::Index width,
                             const std::string& partner) {
    if (m.rows() != n)
        fail(field, "has " + std::to_string(m.rows()) + " rows, but the case has n = " + std::to_string(n) + " tokens",
             "give one selection vector per token");
    if (m.cols() != width)
        fail(field, "rows have " + std::to_string(m.cols()) + " entries, but " + partner + " rows have " +
                        std::to_string(width),
             "sel_Q and sel_K must have the same width (sel_Q defaults to Q, sel_K to K)");
    if (!m.allFinite()) fail(field, "contains a number that is not finite", "give finite numbers");
}

}  // namespace

void validate(VariantKind kind, const ProblemShape& s, const VariantParams& p) {
    if (s.n < 1) throw InputError("Q", "has no rows", "a case needs at least one token (n >= 1)");
    if (s.d < 1) throw InputError("Q[0]", "is empty", "queries and keys need at least one dimension (d >= 1)");
    if (s.dv < 1) throw InputError("V[0]", "is empty", "values need at least one dimension (dv >= 1)");

    if (p.scale) require_finite("scale", *p.scale);  // 0 is allowed: uniform rows, undefined temperature
    if (p.metrics_k < 1) fail("metrics_k", "is " + std::to_string(p.metrics_k), "give an integer >= 1");
    require_finite("metrics_threshold", p.metrics_threshold);

    switch (kind) {
        case VariantKind::Dpa: break;
        case VariantKind::Ssa:
            validate_ssa_side("q", p.ssa_q, s, s.d, "d");
            if (p.value_temp) validate_ssa_side("v", p.ssa_v, s, s.dv, "dv");
            break;
        case VariantKind::Selective: {
            if (!s.causal)
                throw InputError("causal", "is false, but selective attention is defined for causal attention only",
                                 "set \"causal\": true or choose another variant");
            const Eigen::Index sel_width = p.sel_k ? p.sel_k->cols() : s.d;
            if (p.sel_q) validate_selection_head("sel_Q", *p.sel_q, s.n, sel_width, p.sel_k ? "sel_K" : "K");
            if (p.sel_k) validate_selection_head("sel_K", *p.sel_k, s.n, p.sel_q ? p.sel_q->cols() : s.d,
                                                 p.sel_q ? "sel_Q" : "Q");
            if (p.sel_scale) require_finite("sel_scale", *p.sel_scale);
            if (p.prune_threshold) require_finite("prune_threshold", *p.prune_threshold);
            if (p.budget && *p.budget < 1)
                fail("budget", "is " + std::to_string(*p.budget), "give a buffer size >= 1, or null for no budget");
            break;
        }
        case VariantKind::VaExact: break;
        case VariantKind::VaOblivious:
        case VariantKind::VaAware: {
            if (p.r < 1) fail("r", "is " + std::to_string(p.r), "give a sparsity r >= 1");
            if (kind == VariantKind::VaOblivious) break;
            if (p.max_subsets < 1) fail("max_subsets", "is " + std::to_string(p.max_subsets), "give an integer >= 1");
            // Widest row: the last (causal) or any (non-causal) row has m = n keys.
            if (p.solver == Solver::Exact) {
                const auto cap = static_cast<std::uint64_t>(p.max_subsets);
                const std::uint64_t count = exact_subset_count(s.n, p.r, cap);
                if (count > cap)
                    fail("solver", "exact needs more than max_subsets = " + std::to_string(p.max_subsets) +
                                       " supports for a row of " + std::to_string(s.n) + " keys at r = " +
                                       std::to_string(p.r),
                         "use \"solver\": \"greedy\", a smaller r, or raise max_subsets");
            } else {
                // Greedy visits ~ m (2^(step+2) - 1) supports per row and step, m ~ n/2 keys per causal row:
                // ~n * m * 2^(r+1) in all. 2e9 supports is ~half an hour in the reference; refuse beyond that
                // rather than look hung.
                const int steps = static_cast<int>(std::min<Eigen::Index>(p.r, s.n));
                const double m_avg = s.causal ? 0.5 * static_cast<double>(s.n + 1) : static_cast<double>(s.n);
                const double work = static_cast<double>(s.n) * m_avg * std::ldexp(1.0, std::min(steps, 60) + 1);
                if (work > 2e9)
                    fail("r", "is " + std::to_string(p.r) + ": the greedy solver would visit ~" + num(work) +
                                  " supports for n = " + std::to_string(s.n),
                         "use a smaller r (greedy cost grows as n^2 2^r; r <= 6 is fine up to n = 4096)");
            }
            break;
        }
        case VariantKind::Lssa:
        case VariantKind::Lssar: {
            if (p.log_d) {
                require_finite("log_d", *p.log_d);
                if (*p.log_d <= 0.0) fail("log_d", "is " + num(*p.log_d) + ", but its logarithm enters the scale",
                                          "give log_d > 0 (default: d)");
            }
            require_finite("eps", p.eps);
            if (p.eps < 0.0) fail("eps", "is negative", "give eps >= 0 (default 0)");
            if (kind == VariantKind::Lssa) break;
            require_finite("p", p.p);
            if (p.p <= 0.0) fail("p", "is " + num(p.p), "give a power p > 0 (default 15; the paper also reports 3)");
            require_finite("offset", p.offset);
            if (p.offset_free_rows < 0) fail("offset_free_rows", "is negative", "give an integer >= 0 (default 3)");
            require_finite("deadzone", p.deadzone);
            if (p.deadzone < 0.0) fail("deadzone", "is negative", "give deadzone >= 0 (default 1e-9)");
            break;
        }
        case VariantKind::Ea:
            require_finite("eps", p.eps);
            if (p.eps < 0.0) fail("eps", "is negative", "give eps >= 0 (default 0)");
            break;
    }
}

}  // namespace attnscope::reference
