// value_aware.hpp — value-oblivious top-r and value-aware r-sparse convex fits (spec §4.2) for the CPU sweep.
//
// The target of a value-aware row is the exact kernel output o_i; a fit on a support T solves the affine least
// squares min ||sum_a beta_a v_a - o||^2, sum beta = 1, from Gram entries K = V V^T and V o, so one candidate
// costs O(|T|^3) instead of O(|T|^2 dv). The greedy solver evaluates every candidate key of a step in one
// vectorised loop (double lanes: see scan_supports), reusing the fits of earlier steps: at step t only the supports that contain the key chosen at
// step t-1 are new. The reported fit of each step is re-solved in double from the value vectors themselves, so
// its error and weights are accurate even when the Gram form cancels.
#pragma once

#include <cstdint>
#include <vector>

#include "core/matrix.hpp"
#include "core/variant_params.hpp"

namespace attnscope::kernels::cpu {

// Top-r of p[0, m), ties -> smaller index, with a size-r heap: idx[0, count) ascending by key index.
int top_r(const float* p, long m, int r, int* idx);

// One row's fit: key indices (ascending) and their weights.
struct SparseFit {
    std::vector<int> support;
    std::vector<double> beta;
    double squared_error = 0;
};

struct ValueAwareScratch {
    std::vector<double> cand_err;   // best error found so far for each candidate key
    std::vector<std::uint8_t> chosen;
    std::vector<double> excluded;   // -inf, or +inf for chosen keys
    std::vector<double> vo_d;       // V o in double (exact solver)
};

// values: (n, dv); o: the row's exact output (dv); m: support size (keys 0..m-1).
// gram: V V^T (n, n) in double — rows a of the chosen keys are read; gram_diag: its diagonal; vo: V o over [0, m).
void fit_greedy(const MatF& values, const float* o, long m, int r, const MatD& gram, const double* gram_diag,
                const double* vo, ValueAwareScratch& s, SparseFit& out);

// gram_d: V V^T in double (exact solver; n is small whenever the exact solver is allowed).
void fit_exact(const MatF& values, const float* o, long m, int r, const MatD& gram_d, ValueAwareScratch& s,
               SparseFit& out);

}  // namespace attnscope::kernels::cpu
