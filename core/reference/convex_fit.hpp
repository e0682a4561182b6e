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

// Thresholds of the oracle, in double; carried to float as the same multiple of machine epsilon (numerics.hpp).
struct ConvexFitTolerances {
    double pivot;    // a pivot <= pivot * max|G| means the support is affinely dependent: skip it
    double improve;  // a support replaces the best only if its error is lower by > improve * (1 + ||o||^2)
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
