// value_aware.cpp — top-r and value-aware convex fits for one row (see value_aware.hpp).
#include "kernels/cpu/value_aware.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace attnscope::kernels::cpu {
namespace {

namespace ei = Eigen::internal;

// Float decision tolerances, the same as core's float reference (core/reference/convex_fit.hpp derives them):
// a pivot <= 64 e max|G| means an affinely dependent support; a fit replaces the best only when
// err < best - 8 e best - 64 e^2 (1 + ||o||^2), which is also the "zero error" level.
constexpr double kEps = std::numeric_limits<float>::epsilon();
constexpr double kPivotRel = 64 * kEps;
constexpr double kImproveRel = 8 * kEps;
constexpr double kImproveAbs = 64 * kEps * kEps;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Largest support a fit handles: the exact solver's max_subsets (200000) caps |T| at 17 keys; greedy steps are capped
// by validate()'s work limit long before 32.
constexpr int kMaxT = 32;

bool improves(double err, double best, double margin) { return err < best - kImproveRel * best - margin; }

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Fits on small supports from a Gram matrix of w_a = v_a - o: err(beta) = beta^T D beta, sum beta = 1.
// ---------------------------------------------------------------------------------------------------------------

// sup: t positions into D (ascending by key); D: (dim, dim) row-major double. Base b = sup[0]:
//   G_pq = D_pq - D_pb - D_qb + D_bb, c_p = D_pb - D_bb, G x = -c, beta_b = 1 - sum x, err = D_bb + c.x.
// Gaussian elimination with partial pivoting (the oracle's solver). False when singular or some beta <= 0.
bool fit_support(const double* D, int dim, const int* sup, int t, double* beta, double& err) {
    if (t == 1) {
        beta[0] = 1.0;
        err = D[sup[0] * dim + sup[0]];
        return true;
    }
    const int u = t - 1;
    double G[kMaxT][kMaxT + 1];  // augmented
    const int b = sup[0];
    const double dbb = D[b * dim + b];
    double gmax = 0;
    double c[kMaxT];
    for (int p = 0; p < u; ++p) {
        const int ap = sup[p + 1];
        c[p] = D[ap * dim + b] - dbb;
        for (int q = 0; q < u; ++q) {
            const int aq = sup[q + 1];
            G[p][q] = D[ap * dim + aq] - D[ap * dim + b] - D[aq * dim + b] + dbb;
            gmax = std::max(gmax, std::abs(G[p][q]));
        }
        G[p][u] = -c[p];
    }
    if (gmax == 0.0) return false;
    const double tol = kPivotRel * gmax;
    for (int col = 0; col < u; ++col) {
        int piv = col;
        for (int r = col + 1; r < u; ++r)
            if (std::abs(G[r][col]) > std::abs(G[piv][col])) piv = r;
        if (std::abs(G[piv][col]) <= tol) return false;
        if (piv != col)
            for (int k = 0; k <= u; ++k) std::swap(G[col][k], G[piv][k]);
        for (int r = col + 1; r < u; ++r) {
            const double f = G[r][col] / G[col][col];
            for (int k = col; k <= u; ++k) G[r][k] -= f * G[col][k];
        }
    }
    double x[kMaxT];
    double sx = 0;
    for (int r = u - 1; r >= 0; --r) {
        double acc = G[r][u];
        for (int k = r + 1; k < u; ++k) acc -= G[r][k] * x[k];
        x[r] = acc / G[r][r];
    }
    for (int p = 0; p < u; ++p) sx += x[p];
    beta[0] = 1.0 - sx;
    for (int p = 0; p < u; ++p) beta[p + 1] = x[p];
    for (int a = 0; a < t; ++a)
        if (!(beta[a] > 0.0)) return false;
    // beta^T D beta rather than D_bb + c.x: no cancellation against D_bb when the error is small
    err = 0;
    for (int a = 0; a < t; ++a)
        for (int q = 0; q < t; ++q) err += beta[a] * beta[q] * D[sup[a] * dim + sup[q]];
    err = std::max(err, 0.0);
    return true;
}

// Every support of size 1..max_size of positions 0..dim-1 (sizes ascending, lexicographic), keeping the first
// strictly better fit (the oracle's order and tie rule). keys[pos] is the key index of position pos.
void search_supports(const double* D, int dim, const int* keys, int max_size, double margin, SparseFit& best) {
    bool found = false;
    int idx[kMaxT];
    double beta[kMaxT];
    double err = 0;
    for (int t = 1; t <= std::min(max_size, dim); ++t) {
        for (int a = 0; a < t; ++a) idx[a] = a;
        while (true) {
            if (fit_support(D, dim, idx, t, beta, err) && (!found || improves(err, best.squared_error, margin))) {
                found = true;
                best.support.assign(t, 0);
                best.beta.assign(beta, beta + t);
                for (int a = 0; a < t; ++a) best.support[a] = keys[idx[a]];
                best.squared_error = err;
            }
            int a = t - 1;
            while (a >= 0 && idx[a] == dim - t + a) --a;
            if (a < 0) break;
            ++idx[a];
            for (int q = a + 1; q < t; ++q) idx[q] = idx[q - 1] + 1;
        }
    }
}

double dot_minus(const float* a, const float* b, const float* o, long dv) {
    double s = 0;
    for (long c = 0; c < dv; ++c)
        s += (static_cast<double>(a[c]) - o[c]) * (static_cast<double>(b[c]) - o[c]);
    return s;
}

double squared_norm(const float* o, long dv) {
    double s = 0;
    for (long c = 0; c < dv; ++c) s += static_cast<double>(o[c]) * o[c];
    return s;
}

// The best fit on the ascending keys[0, t), from vectors directly (double Gram of v - o).
void fit_on_keys(const MatF& values, const float* o, const int* keys, int t, double margin, SparseFit& out) {
    const long dv = values.cols();
    std::vector<double> D(static_cast<std::size_t>(t) * t);
    for (int a = 0; a < t; ++a)
        for (int b = 0; b <= a; ++b)
            D[a * t + b] = D[b * t + a] = dot_minus(&values(keys[a], 0), &values(keys[b], 0), o, dv);
    search_supports(D.data(), t, keys, t, margin, out);
}

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Greedy candidate scan: all keys j at once, support U + {j} for a fixed U of chosen keys.
// ---------------------------------------------------------------------------------------------------------------

// Supports U + {j}, j in [j0, m), for a U of any size: scalar, from the same Gram entries in double (sizes above
// the vectorised ones, and the tails of those).
void scan_supports_generic(const int* a, int u, long j0, long m, const MatD& gram, const double* kd, const double* vo,
                           double oo, double* cand_err) {
    std::vector<double> G(static_cast<std::size_t>(u) * (u + 1)), g0(u), x(u);
    for (long j = j0; j < m; ++j) {
        double gmax = 0;
        for (int p = 0; p < u; ++p) {
            for (int q = 0; q < u; ++q) {
                const double v = gram(a[p], a[q]) - gram(a[p], j) - gram(a[q], j) + kd[j];
                G[p * (u + 1) + q] = v;
                gmax = std::max(gmax, std::abs(v));
            }
            g0[p] = vo[a[p]] - vo[j] - gram(a[p], j) + kd[j];
            G[p * (u + 1) + u] = g0[p];
        }
        bool ok = gmax > 0;
        for (int c = 0; ok && c < u; ++c) {
            int piv = c;
            for (int r = c + 1; r < u; ++r)
                if (std::abs(G[r * (u + 1) + c]) > std::abs(G[piv * (u + 1) + c])) piv = r;
            if (std::abs(G[piv * (u + 1) + c]) <= kPivotRel * gmax) ok = false;
            if (!ok) break;
            if (piv != c)
                for (int k = 0; k <= u; ++k) std::swap(G[c * (u + 1) + k], G[piv * (u + 1) + k]);
            for (int r = c + 1; r < u; ++r) {
                const double f = G[r * (u + 1) + c] / G[c * (u + 1) + c];
                for (int k = c; k <= u; ++k) G[r * (u + 1) + k] -= f * G[c * (u + 1) + k];
            }
        }
        if (!ok) continue;
        double sx = 0, gx = 0;
        for (int r = u - 1; r >= 0; --r) {
            double acc = G[r * (u + 1) + u];
            for (int k = r + 1; k < u; ++k) acc -= G[r * (u + 1) + k] * x[k];
            x[r] = acc / G[r * (u + 1) + r];
            ok = ok && x[r] > 0;
            sx += x[r];
            gx += g0[r] * x[r];
        }
        if (!ok || !(sx < 1.0)) continue;
        const double err = (oo - 2.0 * vo[j] + kd[j]) - gx;
        if (err < cand_err[j]) cand_err[j] = err;
    }
}

// cand_err[j] <- min(cand_err[j], err(U + {j})) where the fit is feasible (every beta > 0), from Gram entries
// K = V V^T with base v_j: G_pq = K_pq - K_pj - K_qj + K_jj, g_p = vo_p - vo_j - K_pj + K_jj,
// err = ||o - v_j||^2 - g.x. In double: err is a difference of terms of size ||v||^2, so float would bury every
// error below ~eps ||v||^2 (1e-6 at dv = 16) in noise and pick the step's key at random among good candidates.
// One double packet of candidates at a time, branch-free (feasibility as a lane mask). Entries of chosen keys are
// computed too and ignored by the caller.
template <int U>
void scan_supports(const int* a, long m, const MatD& gram, const double* kd, const double* vo, double oo,
                   double* cand_err) {
    using PD = ei::packet_traits<double>::type;
    constexpr long L = ei::packet_traits<double>::size;
    PD kaa[U][U], voa[U];
    const double* ka[U];
    for (int p = 0; p < U; ++p) {
        ka[p] = &gram(a[p], 0);
        voa[p] = ei::pset1<PD>(vo[a[p]]);
        for (int q = 0; q < U; ++q) kaa[p][q] = ei::pset1<PD>(gram(a[p], a[q]));
    }
    const PD zero = ei::pset1<PD>(0.0), one = ei::pset1<PD>(1.0), two = ei::pset1<PD>(2.0);
    const PD piv_rel = ei::pset1<PD>(kPivotRel), poo = ei::pset1<PD>(oo);
    const PD all = ei::pcmp_eq(zero, zero);
    long j = 0;
    for (; j + L <= m; j += L) {
        const PD kjj = ei::ploadu<PD>(kd + j), voj = ei::ploadu<PD>(vo + j);
        PD kaj[U], G[U][U], g[U], g0[U], x[U];
        for (int p = 0; p < U; ++p) kaj[p] = ei::ploadu<PD>(ka[p] + j);
        PD gmax = zero;
        for (int p = 0; p < U; ++p) {
            for (int q = 0; q < U; ++q) {
                G[p][q] = ei::padd(ei::psub(ei::psub(kaa[p][q], kaj[p]), kaj[q]), kjj);
                gmax = ei::pmax(gmax, ei::pabs(G[p][q]));
            }
            g[p] = g0[p] = ei::padd(ei::psub(ei::psub(voa[p], voj), kaj[p]), kjj);
        }
        // G is a Gram matrix (symmetric positive semi-definite): elimination without pivoting is stable.
        PD ok = all;
        for (int c = 0; c < U; ++c) {
            ok = ei::pand(ok, ei::pcmp_lt(ei::pmul(piv_rel, gmax), G[c][c]));
            const PD inv = ei::pdiv(one, G[c][c]);
            for (int r = c + 1; r < U; ++r) {
                const PD f = ei::pmul(G[r][c], inv);
                for (int k = c; k < U; ++k) G[r][k] = ei::psub(G[r][k], ei::pmul(f, G[c][k]));
                g[r] = ei::psub(g[r], ei::pmul(f, g[c]));
            }
        }
        PD sx = zero, gx = zero;
        for (int r = U - 1; r >= 0; --r) {
            PD acc = g[r];
            for (int k = r + 1; k < U; ++k) acc = ei::psub(acc, ei::pmul(G[r][k], x[k]));
            x[r] = ei::pdiv(acc, G[r][r]);
            ok = ei::pand(ok, ei::pcmp_lt(zero, x[r]));
            sx = ei::padd(sx, x[r]);
            gx = ei::padd(gx, ei::pmul(g0[r], x[r]));
        }
        ok = ei::pand(ok, ei::pcmp_lt(sx, one));  // beta_j = 1 - sum x > 0
        const PD err = ei::psub(ei::padd(ei::psub(poo, ei::pmul(two, voj)), kjj), gx);
        const PD cur = ei::ploadu<PD>(cand_err + j);
        ei::pstoreu(cand_err + j, ei::pselect(ei::pand(ok, ei::pcmp_lt(err, cur)), err, cur));
    }
    if (j < m) scan_supports_generic(a, U, j, m, gram, kd, vo, oo, cand_err);
}

void scan_singletons(long m, const double* kd, const double* vo, double oo, double* cand_err) {
#pragma omp simd
    for (long j = 0; j < m; ++j) cand_err[j] = oo - 2.0 * vo[j] + kd[j];
}

void scan(const int* a, int u, long m, const MatD& gram, const double* kd, const double* vo, double oo,
          double* cand_err) {
    switch (u) {
        case 1: return scan_supports<1>(a, m, gram, kd, vo, oo, cand_err);
        case 2: return scan_supports<2>(a, m, gram, kd, vo, oo, cand_err);
        case 3: return scan_supports<3>(a, m, gram, kd, vo, oo, cand_err);
        case 4: return scan_supports<4>(a, m, gram, kd, vo, oo, cand_err);
        default: return scan_supports_generic(a, u, 0, m, gram, kd, vo, oo, cand_err);
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Public entry points
// ---------------------------------------------------------------------------------------------------------------

int top_r(const float* p, long m, int r, int* idx) {
    const int keep = static_cast<int>(std::min<long>(r, m));
    // Min-heap on (p, -j): the root is the weakest kept key. Keys arrive in ascending j, so an equal p never
    // displaces a kept key (ties -> smaller j).
    std::vector<std::pair<float, int>> heap;
    heap.reserve(keep);
    auto weaker = [](const std::pair<float, int>& x, const std::pair<float, int>& y) {
        return x.first != y.first ? x.first > y.first : x.second < y.second;
    };
    for (long j = 0; j < m; ++j) {
        if (static_cast<int>(heap.size()) < keep) {
            heap.emplace_back(p[j], static_cast<int>(j));
            std::push_heap(heap.begin(), heap.end(), weaker);
        } else if (p[j] > heap.front().first) {
            std::pop_heap(heap.begin(), heap.end(), weaker);
            heap.back() = {p[j], static_cast<int>(j)};
            std::push_heap(heap.begin(), heap.end(), weaker);
        }
    }
    for (int t = 0; t < keep; ++t) idx[t] = heap[t].second;
    std::sort(idx, idx + keep);
    return keep;
}

void fit_greedy(const MatF& values, const float* o, long m, int r, const MatD& gram, const double* gram_diag,
                const double* vo, ValueAwareScratch& s, SparseFit& out) {
    const long dv = values.cols();
    const double oo = squared_norm(o, dv);
    const double margin = kImproveAbs * (1.0 + oo);
    s.cand_err.assign(static_cast<std::size_t>(m), kInf);
    s.chosen.assign(static_cast<std::size_t>(m), 0);
    s.excluded.assign(static_cast<std::size_t>(m), -kInf);  // +inf for chosen keys: max(val, excluded)
    std::vector<int> chosen;  // ascending key indices
    std::vector<int> order;   // in the order chosen: order.back() is the newest
    const int steps = static_cast<int>(std::min<long>(r, m));
    out = SparseFit{};
    for (int step = 0; step < steps; ++step) {
        if (step == 0) {
            scan_singletons(m, gram_diag, vo, oo, s.cand_err.data());
        } else {
            // New supports: U + {j} with U a subset of the chosen keys that contains the newest one.
            const int newest = order.back();
            const int others = static_cast<int>(order.size()) - 1;
            std::vector<int> u_keys(order.size());
            for (int mask = 0; mask < (1 << others); ++mask) {
                int u = 0;
                for (int b = 0; b < others; ++b)
                    if (mask & (1 << b)) u_keys[u++] = order[b];
                u_keys[u++] = newest;
                scan(u_keys.data(), u, m, gram, gram_diag, vo, oo, s.cand_err.data());
            }
        }
        // The step's key: candidates in ascending j, each worth min(its own best, the fit without it), replaced
        // only on a strict improvement (spec §4.2). Replacements are rare, so whole packets of candidates that
        // cannot improve on the running best are skipped with one vector compare.
        const double floor = step == 0 ? std::numeric_limits<double>::infinity() : out.squared_error;
        long pick = 0;
        while (s.chosen[pick]) ++pick;
        double pick_val = std::min(s.cand_err[pick], floor);
        auto threshold = [&] { return pick_val - kImproveRel * pick_val - margin; };
        double thr = threshold();
        using PD = ei::packet_traits<double>::type;
        constexpr long L = ei::packet_traits<double>::size;
        const PD pfloor = ei::pset1<PD>(floor);
        long j = pick + 1;
        while (j < m) {
            if (j + L <= m) {
                const PD v = ei::pmax(ei::pmin(ei::ploadu<PD>(s.cand_err.data() + j), pfloor),
                                      ei::ploadu<PD>(s.excluded.data() + j));
                if (!ei::predux_any(ei::pcmp_lt(v, ei::pset1<PD>(thr)))) {
                    j += L;
                    continue;
                }
            }
            const long end = std::min(j + L, m);
            for (; j < end; ++j) {
                if (s.chosen[j]) continue;
                const double val = std::min(s.cand_err[j], floor);
                if (val < thr) {
                    pick = j;
                    pick_val = val;
                    thr = threshold();
                }
            }
        }
        s.excluded[pick] = kInf;
        s.chosen[pick] = 1;
        order.push_back(static_cast<int>(pick));
        chosen.insert(std::upper_bound(chosen.begin(), chosen.end(), static_cast<int>(pick)), static_cast<int>(pick));
        SparseFit fit;
        fit_on_keys(values, o, chosen.data(), static_cast<int>(chosen.size()), margin, fit);
        out = std::move(fit);
        if (out.squared_error <= margin) break;
    }
}

void fit_exact(const MatF& values, const float* o, long m, int r, const MatD& gram_d, ValueAwareScratch& s,
               SparseFit& out) {
    const long dv = values.cols();
    const double oo = squared_norm(o, dv);
    const double margin = kImproveAbs * (1.0 + oo);
    // D_ab = (v_a - o).(v_b - o) = K_ab - vo_a - vo_b + oo over the whole support.
    s.vo_d.assign(static_cast<std::size_t>(m), 0.0);
    for (long j = 0; j < m; ++j) {
        double acc = 0;
        for (long c = 0; c < dv; ++c) acc += static_cast<double>(values(j, c)) * o[c];
        s.vo_d[j] = acc;
    }
    std::vector<double> D(static_cast<std::size_t>(m) * m);
    for (long a = 0; a < m; ++a)
        for (long b = 0; b < m; ++b) D[a * m + b] = gram_d(a, b) - s.vo_d[a] - s.vo_d[b] + oo;
    std::vector<int> keys(m);
    for (long j = 0; j < m; ++j) keys[j] = static_cast<int>(j);
    out = SparseFit{};
    search_supports(D.data(), static_cast<int>(m), keys.data(), std::min(r, kMaxT), margin, out);
    // Re-fit the winner from the vectors themselves: its error and weights without the Gram form's cancellation.
    SparseFit exact;
    fit_on_keys(values, o, out.support.data(), static_cast<int>(out.support.size()), margin, exact);
    if (exact.support.size() == out.support.size()) out = std::move(exact);
}

}  // namespace attnscope::kernels::cpu
