#include "core/reference/convex_fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/numerics.hpp"

namespace attnscope::reference {
namespace {

// Gaussian elimination with partial pivoting on the (t, t) system g x = h; false when a pivot falls to or below
// pivot_tol * max|g| (numerically singular).
template <class T>
bool solve_small(std::vector<T>& g, std::vector<T>& h, int t, double pivot_rel, std::vector<T>& x) {
    T scale = 0;
    for (T e : g) scale = std::max(scale, std::abs(e));
    if (scale == T(0)) return false;
    const T tol = static_cast<T>(pivot_rel) * scale;
    auto at = [&](int r, int c) -> T& { return g[static_cast<std::size_t>(r) * t + c]; };
    for (int c = 0; c < t; ++c) {
        int piv = c;
        for (int r = c + 1; r < t; ++r)
            if (std::abs(at(r, c)) > std::abs(at(piv, c))) piv = r;
        if (std::abs(at(piv, c)) <= tol) return false;
        if (piv != c) {
            for (int k = 0; k < t; ++k) std::swap(at(c, k), at(piv, k));
            std::swap(h[c], h[piv]);
        }
        for (int r = c + 1; r < t; ++r) {
            const T f = at(r, c) / at(c, c);
            if (f == T(0)) continue;
            for (int k = c; k < t; ++k) at(r, k) -= f * at(c, k);
            h[r] -= f * h[c];
        }
    }
    x.assign(t, T(0));
    for (int r = t - 1; r >= 0; --r) {
        CompensatedSum<T> acc;
        for (int k = r + 1; k < t; ++k) acc.add(at(r, k) * x[k]);
        x[r] = (h[r] - acc.value()) / at(r, r);
    }
    return true;
}

// Affine least squares on one support: beta_0 = 1 - sum beta_a, u_a = v_a - v_0, minimise ||U^T x - (o - v_0)||
// through the normal equations. Returns false when the support is affinely dependent.
template <class T>
bool affine_least_squares(const Mat<T>& values, const T* o, const std::vector<Eigen::Index>& sup, double pivot_rel,
                          std::vector<T>& beta) {
    const int t = static_cast<int>(sup.size());
    if (t == 1) {
        beta.assign(1, T(1));
        return true;
    }
    const Eigen::Index dv = values.cols();
    const int m = t - 1;
    std::vector<T> g(static_cast<std::size_t>(m) * m), h(m), x;
    auto u = [&](int a, Eigen::Index c) { return values(sup[a + 1], c) - values(sup[0], c); };
    for (int a = 0; a < m; ++a) {
        for (int b = 0; b < m; ++b) {
            CompensatedSum<T> acc;
            for (Eigen::Index c = 0; c < dv; ++c) acc.add(u(a, c) * u(b, c));
            g[static_cast<std::size_t>(a) * m + b] = acc.value();
        }
        CompensatedSum<T> acc;
        for (Eigen::Index c = 0; c < dv; ++c) acc.add(u(a, c) * (o[c] - values(sup[0], c)));
        h[a] = acc.value();
    }
    if (!solve_small(g, h, m, pivot_rel, x)) return false;
    CompensatedSum<T> sx;
    for (T e : x) sx.add(e);
    beta.resize(t);
    beta[0] = T(1) - sx.value();
    for (int a = 0; a < m; ++a) beta[a + 1] = x[a];
    return true;
}

template <class T>
T squared_error(const Mat<T>& values, const T* o, const std::vector<Eigen::Index>& sup, const std::vector<T>& beta) {
    CompensatedSum<T> err;
    for (Eigen::Index c = 0; c < values.cols(); ++c) {
        CompensatedSum<T> mix;
        for (std::size_t a = 0; a < sup.size(); ++a) mix.add(beta[a] * values(sup[a], c));
        const T diff = mix.value() - o[c];
        err.add(diff * diff);
    }
    return err.value();
}

// The absolute part of the improvement test, improve_abs * (1 + ||o||^2); also the "zero error" level.
template <class T>
T improvement_margin(const Mat<T>& values, const T* o, const ConvexFitTolerances& tol) {
    CompensatedSum<T> oo;
    for (Eigen::Index c = 0; c < values.cols(); ++c) oo.add(o[c] * o[c]);
    return static_cast<T>(tol.improve_abs) * (T(1) + oo.value());
}

template <class T>
bool improves(T err, T best, T margin, const ConvexFitTolerances& tol) {
    return err < best - static_cast<T>(tol.improve_rel) * best - margin;
}

// The fit of one support: valid when the affine least squares is non-singular and every beta > 0.
template <class T>
struct SupportFit {
    bool valid = false;
    std::vector<T> beta;
    T err = T(0);
};

template <class T>
SupportFit<T> fit_support(const Mat<T>& values, const T* o, const std::vector<Eigen::Index>& sup, double pivot_rel) {
    SupportFit<T> f;
    f.valid = affine_least_squares(values, o, sup, pivot_rel, f.beta) &&
              std::all_of(f.beta.begin(), f.beta.end(), [](T b) { return b > T(0); });
    if (f.valid) f.err = squared_error(values, o, sup, f.beta);
    return f;
}

// Visits every support of size 1..max_size drawn from `cand` (sizes ascending, lexicographic within a size) and
// keeps the first strictly better one. fit_of(support) -> const SupportFit<T>& lets the greedy solver reuse fits.
template <class T, class FitOf>
void search_supports(const std::vector<Eigen::Index>& cand, int max_size, const ConvexFitTolerances& tol, T margin,
                     FitOf&& fit_of, ConvexFit<T>& best) {
    const int m = static_cast<int>(cand.size());
    std::vector<int> idx;
    std::vector<Eigen::Index> sup;
    for (int t = 1; t <= std::min(max_size, m); ++t) {
        idx.resize(t);
        for (int a = 0; a < t; ++a) idx[a] = a;
        while (true) {
            sup.resize(t);
            for (int a = 0; a < t; ++a) sup[a] = cand[idx[a]];
            const SupportFit<T>& f = fit_of(sup);
            if (f.valid && (!best.found || improves(f.err, best.squared_error, margin, tol))) {
                best.found = true;
                best.support = sup;
                best.beta = f.beta;
                best.squared_error = f.err;
            }
            // next combination in lexicographic order
            int a = t - 1;
            while (a >= 0 && idx[a] == m - t + a) --a;
            if (a < 0) break;
            ++idx[a];
            for (int b = a + 1; b < t; ++b) idx[b] = idx[b - 1] + 1;
        }
    }
}

}  // namespace

template <>
ConvexFitTolerances convex_fit_tolerances<double>() {
    return {1e-12, 1e-12, 0.0};  // the oracle's (spec §4.2)
}

template <>
ConvexFitTolerances convex_fit_tolerances<float>() {
    const double e = epsilon_of<float>();
    return {64 * e, 64 * e * e, 8 * e};  // derivation in convex_fit.hpp
}

template <class T>
ConvexFit<T> best_convex_exact(const Mat<T>& values, const T* target, const std::vector<Eigen::Index>& candidates,
                               int max_size) {
    const ConvexFitTolerances tol = convex_fit_tolerances<T>();
    SupportFit<T> scratch;
    auto fit_of = [&](const std::vector<Eigen::Index>& sup) -> const SupportFit<T>& {
        scratch = fit_support(values, target, sup, tol.pivot);
        return scratch;
    };
    ConvexFit<T> best;
    search_supports(candidates, max_size, tol, improvement_margin(values, target, tol), fit_of, best);
    return best;
}

// Forward selection: at each step add the key whose inclusion gives the smallest exact convex-hull error on the
// chosen set (the exact solver on chosen + {j}); candidates scanned by ascending j, replaced only on a strict
// improvement; stop at r keys or zero error. The fit reported is the best support found at the last step, which
// may be a subset of the chosen keys.
//
// Every candidate's search revisits the supports drawn from the chosen keys alone, and the singleton {j} it saw
// at step 0; those fits are memoised, so a step costs one new solve per support that contains j. The visiting
// order, and so every tie-break, is the same as without the memo.
template <class T>
ConvexFit<T> best_convex_greedy(const Mat<T>& values, const T* target, const std::vector<Eigen::Index>& candidates,
                                int r) {
    const ConvexFitTolerances tol = convex_fit_tolerances<T>();
    const T margin = improvement_margin(values, target, tol);
    std::vector<Eigen::Index> chosen;
    std::map<std::vector<Eigen::Index>, SupportFit<T>> memo;  // supports without the current candidate
    std::vector<SupportFit<T>> singles(values.rows());  // {j} for every key, filled at step 0
    std::vector<char> have_single(values.rows(), 0);
    SupportFit<T> scratch;
    Eigen::Index current = -1;
    auto fit_of = [&](const std::vector<Eigen::Index>& sup) -> const SupportFit<T>& {
        const bool has_current = std::binary_search(sup.begin(), sup.end(), current);
        if (has_current && sup.size() > 1) {
            scratch = fit_support(values, target, sup, tol.pivot);
            return scratch;
        }
        if (sup.size() == 1) {
            if (!have_single[sup[0]]) singles[sup[0]] = fit_support(values, target, sup, tol.pivot), have_single[sup[0]] = 1;
            return singles[sup[0]];
        }
        auto it = memo.find(sup);
        if (it == memo.end()) it = memo.emplace(sup, fit_support(values, target, sup, tol.pivot)).first;
        return it->second;
    };

    ConvexFit<T> best;
    const int steps = std::min<int>(r, static_cast<int>(candidates.size()));
    std::vector<Eigen::Index> cand;
    for (int step = 0; step < steps; ++step) {
        ConvexFit<T> step_best;
        Eigen::Index step_key = -1;
        for (Eigen::Index j : candidates) {
            if (std::binary_search(chosen.begin(), chosen.end(), j)) continue;
            current = j;
            cand = chosen;
            cand.insert(std::upper_bound(cand.begin(), cand.end(), j), j);
            ConvexFit<T> fit;
            search_supports(cand, static_cast<int>(cand.size()), tol, margin, fit_of, fit);
            if (step_key < 0 || improves(fit.squared_error, step_best.squared_error, margin, tol)) {
                step_best = std::move(fit);
                step_key = j;
            }
        }
        chosen.insert(std::upper_bound(chosen.begin(), chosen.end(), step_key), step_key);
        best = std::move(step_best);
        if (best.squared_error <= margin) break;
    }
    return best;
}

std::uint64_t exact_subset_count(std::int64_t m, std::int64_t r, std::uint64_t cap) {
    std::uint64_t total = 0;
    long double binom = 1;  // C(m, t), grown incrementally; long double keeps it exact far past any cap we use
    for (std::int64_t t = 1; t <= std::min(r, m); ++t) {
        binom = binom * static_cast<long double>(m - t + 1) / static_cast<long double>(t);
        if (binom > static_cast<long double>(cap) || total + static_cast<std::uint64_t>(binom) > cap) return cap + 1;
        total += static_cast<std::uint64_t>(binom + 0.5L);
    }
    return total;
}

#define ATTNSCOPE_INSTANTIATE(T)                                                                          \
    template ConvexFit<T> best_convex_exact<T>(const Mat<T>&, const T*, const std::vector<Eigen::Index>&, \
                                               int);                                                      \
    template ConvexFit<T> best_convex_greedy<T>(const Mat<T>&, const T*, const std::vector<Eigen::Index>&, int);
ATTNSCOPE_INSTANTIATE(float)
ATTNSCOPE_INSTANTIATE(double)
#undef ATTNSCOPE_INSTANTIATE

}  // namespace attnscope::reference
