// session_rows.hpp — the running summary behind O(1)-per-row incremental edits (issue 6 §3).
//
// For the variants whose row is "kernel values over their sum" (dpa, ssa, va_exact, lssa, ea bounded, selective
// without pruning) a changed key j changes one logit per row, so each row's weights are its kernel values e_ij
// times one scale c_i = 1 / (sum_j e_ij + eps). Kept per row: e (exp rows relative to a fixed reference max, so
// no other entry moves), the sum, sum e ln e (entropy H = ln l - sum e ln e / l without a log per element), sum e^2,
// the row in ascending order with its rank sum (Gini, top-k and the counts by binary search), the unnormalised
// output sum_j e_ij v~_j in double, and the per-row max of e over each display column range. An edit then costs
// O(d) for the new logit, O(dv) for the output and O(distance moved in the order) for the sorted row, per row.
#pragma once

#include <vector>

#include "kernels/cpu/cpu_prepare.hpp"
#include "kernels/cpu/row_stats.hpp"

namespace attnscope::kernels::cpu {

// Whether a problem's rows have that structure (otherwise the session recomputes the affected rows).
bool rank_one_variant(VariantKind kind, const VariantParams& params);

struct RowSummaries {
    bool exp_rows = true;  // e = exp(x - ref_i); otherwise e = kappa(x)
    double eps = 0;        // added to the normaliser (lssa, ea)
    Eigen::Index display_cols = 0;
    MatF e;       // (n, n), 0 off the support
    MatF sorted;  // (n, n), row i: e_i[0, m) ascending
    std::vector<float> ref;
    std::vector<double> l, xlogx, sq, rank_sum;
    std::vector<char> uniform;  // the zero-normaliser fallback: e = 1 over the support
    MatD acc;                   // (n, dv) sum_j e_ij v~_j
    MatF pool;                  // (n, display_cols) max of e_i over each display column range

    void allocate(const Prepared& p, Eigen::Index display_cols);

    // Scale of row i: w_ij = e_ij * scale(i) on the support.
    double scale(Eigen::Index i) const { return 1.0 / (l[i] + eps); }
};

// Recomputes row i from Q, K (the logit row by GEMV), then its summary.
void build_row(const Prepared& p, RowSummaries& s, Eigen::Index i, RowStatsScratch& scratch);

// Row i's logit for key j changed to x: O(1) + the sorted row's move; may fall back to build_row.
void update_entry(const Prepared& p, RowSummaries& s, Eigen::Index i, Eigen::Index j, float x,
                  RowStatsScratch& scratch);

// v~_j changed by delta (dv): acc_i += e_ij delta for the rows that see key j.
void update_value(const Prepared& p, RowSummaries& s, Eigen::Index j, const Eigen::VectorXd& delta);

// Output row, metrics row and (when kept) the weights row of r from the summary.
void finish_row(const Prepared& p, const RowSummaries& s, Eigen::Index i, BackendResult& r, bool want_metrics);

// The display map from the per-row pools and scales: O(n * cols).
void assemble_display(const Prepared& p, const RowSummaries& s, MatF& display);

// w_ij from the summary.
inline float summary_weight(const Prepared& p, const RowSummaries& s, Eigen::Index i, Eigen::Index j) {
    return j < p.support_end(i) ? static_cast<float>(s.e(i, j) * s.scale(i)) : 0.0f;
}

}  // namespace attnscope::kernels::cpu
