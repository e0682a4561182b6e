// cpu_prepare.cpp — per-problem set-up of the fused sweep (see cpu_prepare.hpp).
#include "kernels/cpu/cpu_prepare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"

namespace attnscope::kernels::cpu {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_matrix(const MatF* m, const char* name, Eigen::Index rows, Eigen::Index cols) {
    if (!m) throw InputError(name, "is missing from the problem", "give the backend Q, K and V");
    if (m->rows() != rows || (cols >= 0 && m->cols() != cols))
        throw InputError(name,
                         "has shape " + std::to_string(m->rows()) + " x " + std::to_string(m->cols()) +
                             ", expected " + std::to_string(rows) + " x " + (cols >= 0 ? std::to_string(cols) : "dv"),
                         "Q and K must be n x d, V n x dv");
    if (!m->allFinite()) throw InputError(name, "contains a number that is not finite", "give finite numbers");
}

// SSA's tau for one side (spec §2.3): explicit tau, else 1 + c ln(i + 1) + tanh(u_i).
std::vector<double> ssa_tau(const SsaTemperatureParams& sp, const MatF& x) {
    if (sp.tau) return *sp.tau;
    const Eigen::Index n = x.rows();
    const double c = sp.position_coefficient();
    std::vector<double> tau(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        double u = 0.0;
        if (sp.tok) {
            u = (*sp.tok)[i];
        } else if (sp.w_tok) {
            for (Eigen::Index c2 = 0; c2 < x.cols(); ++c2) u += (*sp.w_tok)[c2] * static_cast<double>(x(i, c2));
            u += sp.b_tok;
        }
        tau[i] = 1.0 + c * std::log(static_cast<double>(i + 1)) + std::tanh(u);
    }
    return tau;
}

// q_eff row i = factor[i] * x row i.
// O(n d): serial. A parallel region per small step costs more than it saves, and under a loaded machine each one
// waits a scheduler quantum for a descheduled thread.
void scaled_rows(const MatF& x, const std::vector<double>& factor, MatF& out) {
    out.resize(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) out.row(i) = x.row(i) * static_cast<float>(factor[i]);
}

// Rows scaled to unit length with the 1e-12 clamp: a zero vector stays zero (cosine 0), spec §5.1.
void unit_rows(const MatF& x, MatF& out) {
    out.resize(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const double norm = x.row(i).cast<double>().norm();
        out.row(i) = x.row(i) / static_cast<float>(std::max(norm, 1e-12));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Selective attention: S, F as a column prefix sum, pruning (spec §3)
// ---------------------------------------------------------------------------------------------------------------

// s: (n, n) <- S_kj = max(0, sel_scale q_sel,k . k_sel,j) for (protect_bos ? 1 : 0) <= j < k, else 0.
void selection_matrix(const MatF& sq, const MatF& sk, float sel_scale, bool protect_bos, MatF& s) {
    const Eigen::Index n = sq.rows();
    s.resize(n, n);
    // Large n: 64-row blocks that skip the upper triangle, in parallel. Small n: one GEMM. Blocked GEMMs outside a
    // parallel region each start Eigen's own threads, whose busy-wait made S cost 8 ms at n = 256 (25x dpa).
    const bool blocked = n >= 512;
    const Eigen::Index block = blocked ? 64 : n;
    if (!blocked) s.noalias() = (sq * sel_scale) * sk.transpose();
#pragma omp parallel for schedule(dynamic, 1) if (blocked)
    for (Eigen::Index i0 = 0; i0 < n; i0 += block) {
        const Eigen::Index rows = std::min(block, n - i0);
        const Eigen::Index cols = std::min(i0 + rows, n);  // only j < k <= i0 + rows - 1 can be non-zero
        if (blocked)
            s.block(i0, 0, rows, cols).noalias() =
                (sq.middleRows(i0, rows) * sel_scale) * sk.topRows(cols).transpose();
        for (Eigen::Index k = i0; k < i0 + rows; ++k) {
            float* row = &s(k, 0);
            const Eigen::Index first = protect_bos ? 1 : 0;
            for (Eigen::Index j = 0; j < std::min(first, k); ++j) row[j] = 0.0f;
            for (Eigen::Index j = first; j < k; ++j) row[j] = std::max(row[j], 0.0f);
            std::fill(row + k, row + n, 0.0f);
        }
    }
}

// f <- F with F_ij = sum_{k < i} S_kj (S strictly lower: = sum_{j<k<i} S_kj). In place when &s == &f.
// Each thread owns a range of columns and runs down it with double accumulators: a float running sum of up to n
// terms would drift by n eps relative (2.4e-4 at n = 4096), enough to move a weight by that much; double keeps
// F within one float rounding.
void column_prefix(const MatF& s, MatF& f) {
    const Eigen::Index n = s.rows();
    if (&f != &s) f.resize(n, n);
    constexpr Eigen::Index kChunk = 256;
#pragma omp parallel for schedule(dynamic, 1) if (n >= 1024)
    for (Eigen::Index c0 = 0; c0 < n; c0 += kChunk) {
        const Eigen::Index c1 = std::min(c0 + kChunk, n);
        double acc[kChunk] = {};
        for (Eigen::Index i = 0; i < n; ++i) {
            const float* srow = &s(i, 0);
            float* frow = &f(i, 0);
            // F's row i only has non-zeros at j < i - 1: start the running sum where S can be non-zero
            for (Eigen::Index j = c0; j < c1; ++j) {
                const double sv = srow[j];  // read before a possible in-place overwrite
                frow[j] = static_cast<float>(acc[j - c0]);
                acc[j - c0] += sv;
            }
        }
    }
}

// The sequential KV-buffer eviction of spec §3.2: at step i append i; while more than B tokens are buffered,
// evict the non-current (non-BOS with protect_bos) token of largest F_ij, the oldest on a tie.
void budget_evictions(const MatF& f, std::int64_t budget, bool protect_bos, std::vector<Eigen::Index>& evicted_at) {
    const Eigen::Index n = f.rows();
    evicted_at.assign(n, n);
    std::vector<Eigen::Index> buf;
    for (Eigen::Index i = 0; i < n; ++i) {
        buf.push_back(i);
        while (static_cast<std::int64_t>(buf.size()) > budget) {
            std::ptrdiff_t victim = -1;
            const float* frow = &f(i, 0);
            for (std::size_t t = 0; t < buf.size(); ++t) {
                const Eigen::Index j = buf[t];
                if (j == i || (protect_bos && j == 0)) continue;
                if (victim < 0 || frow[j] > frow[buf[victim]]) victim = static_cast<std::ptrdiff_t>(t);  // '>' keeps the oldest
            }
            if (victim < 0) break;  // only BOS and the current token left: the buffer stays above B
            evicted_at[buf[victim]] = i;
            buf.erase(buf.begin() + victim);
        }
    }
}

void prepare_selective(const VariantParams& params, const BackendOptions& options, Prepared& p, BackendResult& r) {
    const MatF sel_q = params.sel_q ? MatF(params.sel_q->cast<float>()) : MatF();
    const MatF sel_k = params.sel_k ? MatF(params.sel_k->cast<float>()) : MatF();
    const MatF& sq = params.sel_q ? sel_q : *p.q;
    const MatF& sk = params.sel_k ? sel_k : *p.k;
    const auto sel_scale = static_cast<float>(params.resolved_sel_scale(p.d));
    if (options.want_extras) {
        selection_matrix(sq, sk, sel_scale, params.protect_bos, r.result.extras.sel_s);
        column_prefix(r.result.extras.sel_s, r.result.extras.sel_f);
        p.f = &r.result.extras.sel_f;
    } else {
        selection_matrix(sq, sk, sel_scale, params.protect_bos, p.f_own);
        column_prefix(p.f_own, p.f_own);
        p.f = &p.f_own;
    }
    p.use_threshold = params.prune_threshold.has_value();
    p.threshold = p.use_threshold ? static_cast<float>(*params.prune_threshold) : 0.0f;
    if (params.budget)
        budget_evictions(*p.f, *params.budget, params.protect_bos, p.evicted_at);
    else
        p.evicted_at.clear();
}

}  // namespace

void prepare(const BackendProblem& problem, const BackendOptions& options, Prepared& p, BackendResult& r) {
    check_matrix(problem.q, "Q", problem.q ? problem.q->rows() : 0, -1);
    const Eigen::Index n = problem.q->rows(), d = problem.q->cols();
    check_matrix(problem.k, "K", n, d);
    check_matrix(problem.v, "V", n, -1);
    if (!problem.params) throw InputError("params", "are missing from the problem", "pass the variant's parameters");
    const VariantParams& params = *problem.params;
    reference::validate(problem.kind, {n, d, problem.v->cols(), problem.causal}, params);

    p.kind = problem.kind;
    p.params = problem.params;
    p.causal = problem.causal;
    p.n = n;
    p.d = d;
    p.dv = problem.v->cols();
    p.q = problem.q;
    p.k = problem.k;
    p.v = problem.v;
    p.k_eff = problem.k;
    p.v_eff = problem.v;
    p.f = nullptr;
    p.metrics = {params.metrics_k, params.metrics_threshold};
    p.scale = params.resolved_scale(d);
    const double base_temp = params.baseline_temperature(d);
    p.temperature.assign(n, kNaN);
    std::vector<double> factor(n, p.scale);

    switch (p.kind) {
        case VariantKind::Dpa: p.temperature.assign(n, base_temp); break;
        case VariantKind::Ssa: {
            p.tau_q = ssa_tau(params.ssa_q, *p.q);
            p.tau_v = params.value_temp ? ssa_tau(params.ssa_v, *p.v) : std::vector<double>(n, 1.0);
            for (Eigen::Index i = 0; i < n; ++i) {
                factor[i] = p.scale * p.tau_q[i];
                p.temperature[i] = p.tau_q[i] != 0.0 ? base_temp / p.tau_q[i] : kNaN;
            }
            if (params.value_temp) {
                scaled_rows(*p.v, p.tau_v, p.v_own);
                p.v_eff = &p.v_own;
            }
            break;
        }
        case VariantKind::Selective: prepare_selective(params, options, p, r); break;
        case VariantKind::VaExact:
            if (params.kernel == Kernel::Exp) p.temperature.assign(n, base_temp);
            break;
        case VariantKind::VaOblivious: break;
        case VariantKind::VaAware: {
            p.v_d = p.v->cast<double>();
            p.gram_d.resize(n, n);
            p.gram_d.noalias() = p.v_d * p.v_d.transpose();
            p.gram_diag.resize(n);
            for (Eigen::Index j = 0; j < n; ++j) p.gram_diag[j] = p.gram_d(j, j);
            break;
        }
        case VariantKind::Lssa:
        case VariantKind::Lssar: {
            const double log_d = std::log(params.resolved_log_d(d));
            p.lambda.resize(n);
            for (Eigen::Index i = 0; i < n; ++i) {
                p.lambda[i] = log_d * std::log(static_cast<double>(p.support_end(i)));
                factor[i] = p.lambda[i];
                p.temperature[i] = p.lambda[i] > 0.0 ? 1.0 / p.lambda[i] : kNaN;
            }
            if (params.normalize_qk) {
                MatF qn;
                unit_rows(*p.q, qn);
                unit_rows(*p.k, p.k_own);
                p.k_eff = &p.k_own;
                scaled_rows(qn, factor, p.q_eff);
            } else {
                scaled_rows(*p.q, factor, p.q_eff);
            }
            // The dead-zone actually applied (as core's float reference): never below the rounding noise of
            // N*A - 1, ~3 eps on an exactly uniform row; 64 eps clears it and stays below the spec's 1e-9 in double.
            p.lssar_deadzone = static_cast<float>(std::max(params.deadzone, 64.0 * std::numeric_limits<float>::epsilon()));
            break;
        }
        case VariantKind::Ea: break;
    }
    if (p.kind != VariantKind::Lssa && p.kind != VariantKind::Lssar) scaled_rows(*p.q, factor, p.q_eff);

    if (options.want_extras) {
        VariantExtras<float>& x = r.result.extras;
        if (p.kind == VariantKind::Ssa) {
            x.tau_q = p.tau_q;
            x.tau_v = p.tau_v;
        }
        if (p.kind == VariantKind::Lssa || p.kind == VariantKind::Lssar) x.lambda = p.lambda;
    }
}

}  // namespace attnscope::kernels::cpu
