// cpu_session.cpp — incremental edits on the CPU backend (see cpu_session.hpp for what each edit costs).
#include "kernels/cpu/cpu_session.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "kernels/cpu/cpu_prepare.hpp"
#include "kernels/cpu/cpu_sweep.hpp"
#include "kernels/cpu/display_pool.hpp"
#include "kernels/cpu/session_rows.hpp"

namespace attnscope::kernels::cpu {
namespace {

using Index = Eigen::Index;

// SSA's tau for one row x of one side (spec §2.3); `fixed` when it does not depend on the vector.
double ssa_tau_row(const SsaTemperatureParams& sp, Index i, const float* x, Index width) {
    if (sp.tau) return (*sp.tau)[i];
    double u = 0.0;
    if (sp.tok) {
        u = (*sp.tok)[i];
    } else if (sp.w_tok) {
        for (Index c = 0; c < width; ++c) u += (*sp.w_tok)[c] * static_cast<double>(x[c]);
        u += sp.b_tok;
    }
    return 1.0 + sp.position_coefficient() * std::log(static_cast<double>(i + 1)) + std::tanh(u);
}

Eigen::RowVectorXf unit(const Eigen::RowVectorXf& x) {
    const double norm = x.cast<double>().norm();
    return x / static_cast<float>(std::max(norm, 1e-12));
}

class CpuSession final : public AttentionSession {
public:
    CpuSession(std::span<const BackendProblem> batch, const BackendOptions& options) : m_opt(options) {
        if (batch.empty()) throw InputError("batch", "is empty", "open a session on at least one problem");
        const BackendProblem& first = batch[0];
        for (const BackendProblem& b : batch)
            if (b.q != first.q || b.k != first.k || b.v != first.v)
                throw InputError("batch", "problems do not share one Q, K, V",
                                 "open one session per Q, K, V (a session follows edits of shared vectors)");
        if (!first.q || !first.k || !first.v)
            throw InputError("batch", "a problem has no Q, K or V", "give every problem Q, K and V");
        m_q = *first.q;
        m_k = *first.k;
        m_v = *first.v;
        m_scratch.resize(omp_get_max_threads());
        for (const BackendProblem& b : batch) {
            auto p = std::make_unique<Problem>();
            p->kind = b.kind;
            if (!b.params) throw InputError("params", "are missing from the problem", "pass the variant's parameters");
            p->params = *b.params;
            p->causal = b.causal;
            p->rank_one = rank_one_variant(b.kind, p->params);
            m_problems.push_back(std::move(p));
        }
        for (auto& p : m_problems) build(*p);
    }

    std::size_t size() const override { return m_problems.size(); }

    void set_query(std::ptrdiff_t i, std::span<const float> row) override {
        check_row("Q", i, row, m_q.cols());
        m_q.row(i) = Eigen::Map<const Eigen::RowVectorXf>(row.data(), m_q.cols());
        for (auto& p : m_problems) {
            if (!p->rank_one) {
                const bool below = p->kind == VariantKind::Selective && !p->params.sel_q;
                recompute_rows(*p, i, below ? m_q.rows() : i + 1);
                continue;
            }
            Prepared& pr = p->prep;
            refresh_query_row(*p, i);
            if (p->kind == VariantKind::Selective && !p->params.sel_q) {
                update_selection_row(*p, i);  // F of every later row moves: rebuild rows >= i
                rebuild_rows(*p, i, pr.n);
            } else {
                rebuild_rows(*p, i, i + 1);
            }
            assemble_display(pr, p->rows, p->result.display_map);
        }
    }

    void set_key(std::ptrdiff_t j, std::span<const float> row) override {
        check_row("K", j, row, m_k.cols());
        m_k.row(j) = Eigen::Map<const Eigen::RowVectorXf>(row.data(), m_k.cols());
        for (auto& p : m_problems) {
            Prepared& pr = p->prep;
            const Index first = p->causal ? j : 0;
            if (!p->rank_one) {
                recompute_rows(*p, first, pr.n);
                continue;
            }
            if (p->kind == VariantKind::Lssa && p->params.normalize_qk) pr.k_own.row(j) = unit(m_k.row(j));
            if (p->kind == VariantKind::Selective && !p->params.sel_k) update_selection_column(*p, j);
            // The new logit column for the rows that see key j, one GEMV.
            const Index rows = pr.n - first;
            m_column = pr.q_eff.bottomRows(rows) * pr.k_eff->row(j).transpose();
            if (p->kind == VariantKind::Selective)
                for (Index i = first; i < pr.n; ++i) m_column[i - first] -= (*pr.f)(i, j);
            const bool metrics = wants_metrics();
#pragma omp parallel for schedule(dynamic, 64) if (rows > 2048)
            for (Index i = first; i < pr.n; ++i) {
                update_entry(pr, p->rows, i, j, m_column[i - first], m_scratch[omp_get_thread_num()].stats);
                finish_row(pr, p->rows, i, p->result, metrics);
            }
            implied(*p, first, pr.n);
            assemble_display(pr, p->rows, p->result.display_map);
        }
    }

    void set_value(std::ptrdiff_t j, std::span<const float> row) override {
        check_row("V", j, row, m_v.cols());
        const Eigen::RowVectorXf old_v = m_v.row(j);
        m_v.row(j) = Eigen::Map<const Eigen::RowVectorXf>(row.data(), m_v.cols());
        for (auto& p : m_problems) {
            Prepared& pr = p->prep;
            const Index first = p->causal ? j : 0;
            if (!p->rank_one) {
                recompute_rows(*p, first, pr.n);
                continue;
            }
            Eigen::VectorXd delta = (m_v.row(j) - old_v).transpose().cast<double>();
            if (p->kind == VariantKind::Ssa && p->params.value_temp) {
                const Eigen::RowVectorXf old_eff = pr.v_own.row(j);
                pr.tau_v[j] = ssa_tau_row(p->params.ssa_v, j, &m_v(j, 0), m_v.cols());
                pr.v_own.row(j) = m_v.row(j) * static_cast<float>(pr.tau_v[j]);
                p->result.result.extras.tau_v[j] = pr.tau_v[j];
                delta = (pr.v_own.row(j) - old_eff).transpose().cast<double>();
            }
            update_value(pr, p->rows, j, delta);
#pragma omp parallel for schedule(static) if (pr.n - first > 512)
            for (Index i = first; i < pr.n; ++i)
                p->result.result.output.row(i) = (p->rows.acc.row(i) * p->rows.scale(i)).cast<float>();
        }
    }

    const BackendResult& result(std::size_t p) override { return problem(p).result; }

    float weight(std::size_t p, std::ptrdiff_t i, std::ptrdiff_t j) override {
        Problem& pb = problem(p);
        if (i < 0 || j < 0 || i >= pb.prep.n || j >= pb.prep.n) return 0.0f;
        if (pb.rank_one) return summary_weight(pb.prep, pb.rows, i, j);
        return pb.result.result.weights(i, j);
    }

    void refresh() override {
        for (auto& p : m_problems) build(*p);
    }

private:
    struct Problem {
        VariantKind kind = VariantKind::Dpa;
        VariantParams params;
        bool causal = true;
        bool rank_one = false;
        Prepared prep;
        BackendResult result;
        RowSummaries rows;
    };

    Problem& problem(std::size_t p) {
        if (p >= m_problems.size())
            throw InputError("problem", std::to_string(p) + " is out of range",
                             "the session has " + std::to_string(m_problems.size()) + " problems");
        return *m_problems[p];
    }

    bool wants_metrics() const { return m_opt.want_metrics || m_opt.want_implied; }

    void check_row(const char* name, std::ptrdiff_t i, std::span<const float> row, Index width) const {
        const std::string field = std::string(name) + "[" + std::to_string(i) + "]";
        if (i < 0 || i >= m_q.rows())
            throw InputError(field, "is out of range", "rows are 0.." + std::to_string(m_q.rows() - 1));
        if (static_cast<Index>(row.size()) != width)
            throw InputError(field, "has " + std::to_string(row.size()) + " entries",
                             "give exactly " + std::to_string(width));
        for (float x : row)
            if (!std::isfinite(x)) throw InputError(field, "contains a number that is not finite", "give finite numbers");
    }

    BackendProblem backend_problem(Problem& p) { return {p.kind, &p.params, &m_q, &m_k, &m_v, p.causal}; }

    // Options the session computes with: extras always (selective's S and F live there); the row-recompute
    // variants keep their weights (the rows they do not touch must stay available), and pool afterwards.
    BackendOptions inner_options(const Problem& p) const {
        BackendOptions o = m_opt;
        o.want_extras = true;
        if (!p.rank_one) {
            o.want_weights = true;
            o.display_rows = o.display_cols = 0;
        }
        return o;
    }

    void build(Problem& p) {
        const BackendProblem bp = backend_problem(p);
        const BackendOptions o = inner_options(p);
        prepare(bp, o, p.prep, p.result);
        allocate_result(p.prep, o, p.result);
        if (!p.rank_one) {
            sweep_rows(p, 0, p.prep.n, o);
            pool_display(p);
            return;
        }
        if (p.kind == VariantKind::Selective) p.result.result.extras.pruned.setZero();
        p.rows.allocate(p.prep, m_opt.display_rows > 0 ? m_opt.display_cols : 0);
        rebuild_rows(p, 0, p.prep.n);
        assemble_display(p.prep, p.rows, p.result.display_map);
    }

    void rebuild_rows(Problem& p, Index i0, Index i1) {
        const bool metrics = wants_metrics();
#pragma omp parallel for schedule(dynamic, 16) if (i1 - i0 > 64)
        for (Index i = i0; i < i1; ++i) {
            build_row(p.prep, p.rows, i, m_scratch[omp_get_thread_num()].stats);
            finish_row(p.prep, p.rows, i, p.result, metrics);
        }
        implied(p, i0, i1);
    }

    void implied(Problem& p, Index i0, Index i1) {
        if (!m_opt.want_implied) return;
#pragma omp parallel for schedule(dynamic, 16)
        for (Index i = i0; i < i1; ++i) implied_rows(p.prep, i, i + 1, p.result, m_scratch[omp_get_thread_num()]);
    }

    // The row-recompute path: set up again from the current Q, K, V, then the backend's sweep on [i0, i1).
    void recompute_rows(Problem& p, Index i0, Index i1) {
        const BackendOptions o = inner_options(p);
        prepare(backend_problem(p), o, p.prep, p.result);
        sweep_rows(p, i0, i1, o);
        pool_display(p);
    }

    void sweep_rows(Problem& p, Index i0, Index i1, const BackendOptions& o) {
        const Index b = block_rows(p.prep.n);
        std::vector<std::pair<Index, Index>> blocks;
        for (Index s = i0; s < i1; s += b) blocks.emplace_back(s, std::min(s + b, i1));
#pragma omp parallel for schedule(dynamic, 1)
        for (std::size_t t = 0; t < blocks.size(); ++t)
            sweep_block(p.prep, blocks[t].first, blocks[t].second, o, p.result, m_scratch[omp_get_thread_num()]);
    }

    void pool_display(Problem& p) {
        if (m_opt.display_rows > 0 && m_opt.display_cols > 0)
            p.result.display_map = max_pool_display(p.result.result.weights, m_opt.display_rows, m_opt.display_cols);
    }

    // q_eff row i (and SSA's tau_q(i)) from the new query.
    void refresh_query_row(Problem& p, Index i) {
        Prepared& pr = p.prep;
        double factor = pr.scale;
        if (p.kind == VariantKind::Ssa) {
            pr.tau_q[i] = ssa_tau_row(p.params.ssa_q, i, &m_q(i, 0), m_q.cols());
            factor = pr.scale * pr.tau_q[i];
            const double base = (1.0 / std::sqrt(static_cast<double>(pr.d))) / pr.scale;
            pr.temperature[i] = pr.tau_q[i] != 0.0 ? base / pr.tau_q[i] : std::nan("");
            p.result.result.temperature[i] = pr.temperature[i];
            p.result.result.extras.tau_q[i] = pr.tau_q[i];
        }
        if (p.kind == VariantKind::Lssa) {
            const Eigen::RowVectorXf q = p.params.normalize_qk ? unit(m_q.row(i)) : Eigen::RowVectorXf(m_q.row(i));
            pr.q_eff.row(i) = q * static_cast<float>(pr.lambda[i]);
            return;
        }
        pr.q_eff.row(i) = m_q.row(i) * static_cast<float>(factor);
    }

    // ---- selective: S and F follow the default selection head (sel_Q = Q, sel_K = K), spec §3.1 ----

    float selection(const Problem& p, Index k, Index j) const {
        if (j >= k || (p.params.protect_bos && j == 0)) return 0.0f;
        const auto sel_scale = static_cast<float>(p.params.resolved_sel_scale(m_q.cols()));
        const Eigen::RowVectorXf sq = p.params.sel_q ? Eigen::RowVectorXf(p.params.sel_q->row(k).cast<float>())
                                                     : Eigen::RowVectorXf(m_q.row(k));
        const Eigen::RowVectorXf sk = p.params.sel_k ? Eigen::RowVectorXf(p.params.sel_k->row(j).cast<float>())
                                                     : Eigen::RowVectorXf(m_k.row(j));
        return std::max((sq * sel_scale).dot(sk), 0.0f);
    }

    // Key j changed: S column j (k > j) and F column j as its prefix sum (double accumulator, as prepare()).
    void update_selection_column(Problem& p, Index j) {
        MatF& s = p.result.result.extras.sel_s;
        MatF& f = p.result.result.extras.sel_f;
        const Index n = s.rows();
        for (Index k = 0; k < n; ++k) s(k, j) = selection(p, k, j);
        double acc = 0;
        for (Index i = 0; i < n; ++i) {
            f(i, j) = static_cast<float>(acc);
            acc += s(i, j);
        }
    }

    // Query i changed: S row i (k < i) moves F(i', k) for every later row i' by the change of S_ik.
    void update_selection_row(Problem& p, Index i) {
        MatF& s = p.result.result.extras.sel_s;
        MatF& f = p.result.result.extras.sel_f;
        const Index n = s.rows();
        for (Index k = 0; k < i; ++k) s(i, k) = selection(p, i, k);
#pragma omp parallel for schedule(static) if (n > 512)
        for (Index k = 0; k < i; ++k) {
            double acc = 0;
            for (Index r = 0; r < n; ++r) {
                f(r, k) = static_cast<float>(acc);
                acc += s(r, k);
            }
        }
    }

    BackendOptions m_opt;
    MatF m_q, m_k, m_v;
    Eigen::VectorXf m_column;
    std::vector<std::unique_ptr<Problem>> m_problems;
    std::vector<ThreadScratch> m_scratch;
};

}  // namespace

std::unique_ptr<AttentionSession> open_cpu_session(std::span<const BackendProblem> batch,
                                                   const BackendOptions& options) {
    return std::make_unique<CpuSession>(batch, options);
}

}  // namespace attnscope::kernels::cpu
