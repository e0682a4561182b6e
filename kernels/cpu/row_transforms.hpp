// row_transforms.hpp — the variants' element-wise maps as packet loops that also gather a row's sums in the same
// pass: u = f(x) in place, with sum u, sum u^2, max u and sum u ln u (the entropy numerator: H = ln l - sum u ln u / l).
//
// Why not Eigen array expressions: Eigen 3.4 evaluates select() one scalar at a time (a libm call per element for
// the log inside LSSAR's power), and each expression is its own pass over the row. Here every transform is one
// pass, with the exponential rows getting ln u for free (ln u = x - shift, no log per element).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/cpu/simd.hpp"

namespace attnscope::kernels::cpu::rows {

using simd::kLanes;
using simd::Packet;
namespace ei = Eigen::internal;

// Sums of u = f(x) over the support.
struct Sums {
    double l = 0;      // sum u (compensated: LSSAR's N A - 1 and the uniform count's slack need it to a few eps)
    double sq = 0;     // sum u^2
    double xlogx = 0;  // sum u ln u
    float max = 0;     // max u
};

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Element maps: u = f(x) and ln u (any finite value where u = 0)
// ---------------------------------------------------------------------------------------------------------------

inline Packet safe_log(const Packet& u) { return ei::plog(ei::pmax(u, ei::pset1<Packet>(std::numeric_limits<float>::min()))); }

struct ExpShift {  // softmax rows: u = exp(x - shift)
    Packet shift;
    explicit ExpShift(float s) : shift(ei::pset1<Packet>(s)) {}
    Packet operator()(const Packet& x, Packet& lnu) const {
        lnu = ei::psub(x, shift);
        return ei::pexp(lnu);
    }
};

struct Relu {
    Packet operator()(const Packet& x, Packet& lnu) const {
        const Packet u = ei::pmax(x, ei::pset1<Packet>(0.0f));
        lnu = safe_log(u);
        return u;
    }
};

struct Relu2 {
    Packet operator()(const Packet& x, Packet& lnu) const {
        const Packet r = ei::pmax(x, ei::pset1<Packet>(0.0f));
        const Packet u = ei::pmul(r, r);
        lnu = safe_log(u);
        return u;
    }
};

// softplus(x) = max(x, 0) + log1p(exp(-|x|)): never overflows (spec §5.1).
struct Softplus {
    Packet operator()(const Packet& x, Packet& lnu) const {
        const Packet u = ei::padd(ei::pmax(x, ei::pset1<Packet>(0.0f)), ei::plog1p(ei::pexp(ei::pnegate(ei::pabs(x)))));
        lnu = safe_log(u);
        return u;
    }
};

// LSSA's first stage only needs the values and their sum: no log for the entropy.
struct SoftplusValues {
    Packet operator()(const Packet& x, Packet& lnu) const {
        lnu = ei::pset1<Packet>(0.0f);
        return ei::padd(ei::pmax(x, ei::pset1<Packet>(0.0f)), ei::plog1p(ei::pexp(ei::pnegate(ei::pabs(x)))));
    }
};

struct Elu1 {  // x + 1 for x > 0, else e^x
    Packet operator()(const Packet& x, Packet& lnu) const {
        const Packet zero = ei::pset1<Packet>(0.0f);
        const Packet pos = ei::pcmp_lt(zero, x);
        lnu = ei::pselect(pos, ei::plog(ei::padd(x, ei::pset1<Packet>(1.0f))), ei::pmin(x, zero));
        return ei::pselect(pos, ei::padd(x, ei::pset1<Packet>(1.0f)), ei::pexp(ei::pmin(x, zero)));
    }
};

struct Square {
    Packet operator()(const Packet& x, Packet& lnu) const {
        const Packet u = ei::pmul(x, x);
        lnu = safe_log(u);
        return u;
    }
};

// EA bounded (spec §6.1): s^2 / (1 + s^2), as 1 / (1 + 1/s^2) when |s| > 1 so s^2 never overflows to inf/inf.
struct EaBounded {
    Packet operator()(const Packet& x, Packet& lnu) const {
        const Packet one = ei::pset1<Packet>(1.0f);
        const Packet s2 = ei::pmul(x, x);
        const Packet big = ei::pcmp_lt(one, ei::pabs(x));
        const Packet u = ei::pselect(big, ei::pdiv(one, ei::padd(one, ei::pdiv(one, s2))), ei::pdiv(s2, ei::padd(one, s2)));
        lnu = safe_log(u);
        return u;
    }
};

struct EaPlain {  // (s / max|s|)^2
    Packet inv;
    explicit EaPlain(float inv_amax) : inv(ei::pset1<Packet>(inv_amax)) {}
    Packet operator()(const Packet& x, Packet& lnu) const {
        const Packet t = ei::pmul(x, inv);
        const Packet u = ei::pmul(t, t);
        lnu = safe_log(u);
        return u;
    }
};

// LSSAR stage 2 on x = N A - O after the dead-zone (x >= 0): u = exp(p (ln x - ln x_max)), the power in log space so
// x^15 never overflows; ln u = p (ln x - ln x_max) comes with it.
struct LogPower {
    Packet p, lx;
    LogPower(float power, float log_xmax) : p(ei::pset1<Packet>(power)), lx(ei::pset1<Packet>(log_xmax)) {}
    Packet operator()(const Packet& x, Packet& lnu) const {
        const Packet zero = ei::pset1<Packet>(0.0f);
        const Packet pos = ei::pcmp_lt(zero, x);
        const Packet y = ei::pmul(p, ei::psub(safe_log(x), lx));
        lnu = ei::pselect(pos, y, zero);
        return ei::pselect(pos, ei::pexp(y), zero);
    }
};

// ---------------------------------------------------------------------------------------------------------------
// [SECTION] Drivers
// ---------------------------------------------------------------------------------------------------------------

namespace detail {

struct Acc {
    Packet hi = ei::pset1<Packet>(0.0f), lo = hi, sq0 = hi, sq1 = hi, xl0 = hi, xl1 = hi, mx = hi;
    // TwoSum: hi + lo carries the sum to ~2 eps whatever the row length.
    void add(const Packet& u, const Packet& lnu, bool second) {
        const Packet t = ei::padd(hi, u);
        const Packet bp = ei::psub(t, hi);
        lo = ei::padd(lo, ei::padd(ei::psub(hi, ei::psub(t, bp)), ei::psub(u, bp)));
        hi = t;
        if (second) {
            sq1 = ei::pmadd(u, u, sq1);
            xl1 = ei::pmadd(u, lnu, xl1);
        } else {
            sq0 = ei::pmadd(u, u, sq0);
            xl0 = ei::pmadd(u, lnu, xl0);
        }
        mx = ei::pmax(mx, u);
    }
    Sums reduce() const {
        alignas(64) float h[kLanes], l[kLanes];
        ei::pstore(h, hi);
        ei::pstore(l, lo);
        Sums s;
        for (long k = 0; k < kLanes; ++k) s.l += static_cast<double>(h[k]) + l[k];
        s.sq = simd::hsum(sq0) + simd::hsum(sq1);
        s.xlogx = simd::hsum(xl0) + simd::hsum(xl1);
        s.max = ei::predux_max(mx);
        return s;
    }
};

inline Packet lane_mask(long valid) {
    return ei::pcmp_lt(ei::plset<Packet>(0.0f), ei::pset1<Packet>(static_cast<float>(valid)));
}

}  // namespace detail

// x[0, m) <- u = f(x), keys with mask[j] == 0 get u = 0 (mask may be null). Returns the sums of u.
template <class F>
Sums transform(float* x, long m, const F& f, const float* mask = nullptr) {
    detail::Acc acc;
    const Packet zero = ei::pset1<Packet>(0.0f);
    long j = 0;
    bool second = false;
    for (; j + kLanes <= m; j += kLanes) {
        Packet lnu;
        Packet u = f(ei::ploadu<Packet>(x + j), lnu);
        if (mask) u = ei::pselect(ei::pcmp_lt(zero, ei::ploadu<Packet>(mask + j)), u, zero);
        ei::pstoreu(x + j, u);
        acc.add(u, lnu, second);
        second = !second;
    }
    if (j < m) {  // the tail as one padded packet, the extra lanes masked to u = 0
        const long rem = m - j;
        alignas(64) float buf[kLanes] = {}, mbuf[kLanes] = {};
        for (long k = 0; k < rem; ++k) {
            buf[k] = x[j + k];
            mbuf[k] = mask ? mask[j + k] : 1.0f;
        }
        Packet lnu;
        Packet u = f(ei::pload<Packet>(buf), lnu);
        u = ei::pselect(ei::pcmp_lt(zero, ei::pload<Packet>(mbuf)), u, zero);
        u = ei::pselect(detail::lane_mask(rem), u, zero);
        lnu = ei::pselect(detail::lane_mask(rem), lnu, zero);
        ei::pstore(buf, u);
        for (long k = 0; k < rem; ++k) x[j + k] = buf[k];
        acc.add(u, lnu, second);
    }
    return acc.reduce();
}

struct Counts {
    long above = 0, above_uniform = 0;
};

// w = u * inv in place, counting u > t1 and u > t2 on the way (the metrics' thresholds in u's scale).
inline Counts scale_count(float* x, long m, float inv, float t1, float t2) {
    const Packet pinv = ei::pset1<Packet>(inv);
    Counts c;
    long j = 0;
    for (; j + kLanes <= m; j += kLanes) {
        const Packet u = ei::ploadu<Packet>(x + j);
        ei::pstoreu(x + j, ei::pmul(u, pinv));
    }
    for (; j < m; ++j) x[j] *= inv;
    // counted on the scaled values against scaled thresholds: the same comparisons up to one rounding
    const float s1 = t1 * inv, s2 = t2 * inv;
    for (long k = 0; k < m; ++k) {
        c.above += x[k] > s1 ? 1 : 0;
        c.above_uniform += x[k] > s2 ? 1 : 0;
    }
    return c;
}

}  // namespace attnscope::kernels::cpu::rows
