// convex_fit.hpp — the best r-sparse convex combination of value vectors (value-aware optimum OVA-r, spec §4.2).
//
// minimise ||sum_a beta_a v_a - o||^2 over beta >= 0, sum beta = 1, at most r non-zeros. The exact solver
// enumerates supports (sizes ascending, then lexicographic), solves the affine least squares on each, and keeps a
// support only when every beta > 0; this is exact because the optimum lies in the relative interior of some
// affinely independent face. The greedy solver adds one key at a time (spec §4.2 "solver=greedy").
#pragma once

#include <cstdint>
#include <vector>

#include "core/matrix.hpp"

namespace attnscope::reference {

template <class T>
struct ConvexFit {
    std::vector<Eigen::Index> support;  // ascending key indices
    std::vector<T> beta;                // one per support entry, all > 0, summing to 1
    T squared_error = T(0);
    bool found = false;
};

// When a support is numerically singular, and when one fit beats another. In double these are the oracle's
// numbers exactly (pivot 1e-12 relative; improvement > 1e-12 (1 + ||o||^2)). In float they are derived from
// float's epsilon e = 1.2e-7 instead of copied, because a squared error near zero carries noise of order
// e^2 ||v||^2, not e ||v||^2: an absolute 1e-12 analogue scaled by e_f/e_d (5e-4) would swallow real differences
// between small errors. Float: pivot 64 e (a Gram matrix of float vectors is only known to ~e relative);
// improvement > 8 e * best + 64 e^2 (1 + ||o||^2) (relative noise of two float sums, plus the noise floor of an
// error that should be zero). The golden cases keep best and second-best errors 1e-3 apart (spec §8.1).
struct ConvexFitTolerances {
    double pivot;        // a pivot <= pivot * max|G| means the support is affinely dependent: skip it
    double improve_abs;  // a fit replaces the best only if err < best - improve_rel * best - improve_abs (1+||o||^2)
    double improve_rel;
};
template <class T>
ConvexFitTolerances convex_fit_tolerances();

// values: (n, dv) rows v_j; target: o (dv). candidates: ascending key indices.
template <class T>
ConvexFit<T> best_convex_exact(const Mat<T>& values, const T* target, const std::vector<Eigen::Index>& candidates,
                               int max_size);

template <class T>
ConvexFit<T> best_convex_greedy(const Mat<T>& values, const T* target, const std::vector<Eigen::Index>& candidates,
                                int r);

// Number of supports the exact solver visits for a row of m candidates: sum_{t=1}^{min(r,m)} C(m, t), saturated
// at `cap` + 1 so the count never overflows.
std::uint64_t exact_subset_count(std::int64_t m, std::int64_t r, std::uint64_t cap);

}  // namespace attnscope::reference
