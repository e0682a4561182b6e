// simd.hpp — the few vector loops the row sweeps are made of, on Eigen's packet math (AVX2 in the release build,
// SSE2 in the portable default build; the same source either way).
//
// Sums are accumulated in 4 independent float packets and reduced in double: at most m / (4 * lanes) terms meet in
// one float accumulator, so a row of m = 4096 keys drifts by ~128 eps relative in the worst case (1.5e-5), well
// inside the m * eps bound the conformance test derives, and far below the golden float tolerance (2e-3).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>

namespace attnscope::kernels::cpu::simd {

namespace ei = Eigen::internal;
using Packet = ei::packet_traits<float>::type;
inline constexpr long kLanes = ei::packet_traits<float>::size;

inline double hsum(const Packet& p) { return static_cast<double>(ei::predux(p)); }

// max over x[0, m); m >= 1.
inline float max_of(const float* x, long m) {
    long j = 0;
    float best = x[0];
    if (m >= kLanes) {
        Packet a = ei::ploadu<Packet>(x);
        for (j = kLanes; j + kLanes <= m; j += kLanes) a = ei::pmax(a, ei::ploadu<Packet>(x + j));
        best = ei::predux_max(a);
    }
    for (; j < m; ++j) best = x[j] > best ? x[j] : best;
    return best;
}

// max |x| over x[0, m).
inline float abs_max_of(const float* x, long m) {
    long j = 0;
    float best = 0.0f;
    if (m >= kLanes) {
        Packet a = ei::pset1<Packet>(0.0f);
        for (; j + kLanes <= m; j += kLanes) a = ei::pmax(a, ei::pabs(ei::ploadu<Packet>(x + j)));
        best = ei::predux_max(a);
    }
    for (; j < m; ++j) best = std::abs(x[j]) > best ? std::abs(x[j]) : best;
    return best;
}

struct ExpSums {
    double l = 0;  // sum e
    double t = 0;  // sum e * y, y = x - shift: entropy H = ln l - t / l without a log per element
};

// x[j] <- e_j = exp(x[j] - shift) (times mask[j] when a mask is given: 0 hides a key, 1 keeps it).
inline ExpSums exp_shift(float* x, long m, float shift, const float* mask = nullptr) {
    const Packet s = ei::pset1<Packet>(shift);
    Packet l0 = ei::pset1<Packet>(0.0f), l1 = l0, t0 = l0, t1 = l0;
    long j = 0;
    for (; j + 2 * kLanes <= m; j += 2 * kLanes) {
        const Packet y0 = ei::psub(ei::ploadu<Packet>(x + j), s);
        const Packet y1 = ei::psub(ei::ploadu<Packet>(x + j + kLanes), s);
        Packet e0 = ei::pexp(y0), e1 = ei::pexp(y1);
        if (mask) {  // select, not multiply: a hidden key's exp may overflow, and inf * 0 is NaN
            const Packet zero = ei::pset1<Packet>(0.0f);
            e0 = ei::pselect(ei::pcmp_lt(zero, ei::ploadu<Packet>(mask + j)), e0, zero);
            e1 = ei::pselect(ei::pcmp_lt(zero, ei::ploadu<Packet>(mask + j + kLanes)), e1, zero);
        }
        ei::pstoreu(x + j, e0);
        ei::pstoreu(x + j + kLanes, e1);
        l0 = ei::padd(l0, e0);
        l1 = ei::padd(l1, e1);
        t0 = ei::pmadd(e0, y0, t0);
        t1 = ei::pmadd(e1, y1, t1);
    }
    ExpSums r{hsum(l0) + hsum(l1), hsum(t0) + hsum(t1)};
    for (; j < m; ++j) {
        const float y = x[j] - shift;
        const float e = mask && mask[j] == 0.0f ? 0.0f : std::exp(y);
        x[j] = e;
        r.l += e;
        r.t += static_cast<double>(e) * y;
    }
    return r;
}

// sum x[0, m), accumulated in double: a normaliser whose relative error must stay at a few eps whatever m (LSSAR's
// N * A - 1 on an exactly uniform row must stay below its 64 eps dead-zone; the metrics' uniform-count slack).
inline double sum_of(const float* x, long m) {
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (long j = 0; j < m; ++j) s += static_cast<double>(x[j]);
    return s;
}

// sum x^2 over x[0, m).
inline double sum_sq_of(const float* x, long m) {
    Packet a0 = ei::pset1<Packet>(0.0f), a1 = a0;
    long j = 0;
    for (; j + 2 * kLanes <= m; j += 2 * kLanes) {
        const Packet u = ei::ploadu<Packet>(x + j), v = ei::ploadu<Packet>(x + j + kLanes);
        a0 = ei::pmadd(u, u, a0);
        a1 = ei::pmadd(v, v, a1);
    }
    double s = hsum(a0) + hsum(a1);
    for (; j < m; ++j) s += static_cast<double>(x[j]) * x[j];
    return s;
}

// sum over x > 0 of x ln x (0 ln 0 := 0): the entropy numerator of a non-exponential row.
inline double sum_x_log_x(const float* x, long m) {
    const Packet zero = ei::pset1<Packet>(0.0f);
    Packet a0 = zero, a1 = zero;
    long j = 0;
    for (; j + 2 * kLanes <= m; j += 2 * kLanes) {
        const Packet u = ei::ploadu<Packet>(x + j), v = ei::ploadu<Packet>(x + j + kLanes);
        // plog(0) = -inf and 0 * -inf = NaN: select 0 where x == 0
        const Packet lu = ei::pselect(ei::pcmp_lt(zero, u), ei::pmul(u, ei::plog(u)), zero);
        const Packet lv = ei::pselect(ei::pcmp_lt(zero, v), ei::pmul(v, ei::plog(v)), zero);
        a0 = ei::padd(a0, lu);
        a1 = ei::padd(a1, lv);
    }
    double s = hsum(a0) + hsum(a1);
    for (; j < m; ++j)
        if (x[j] > 0.0f) s += static_cast<double>(x[j]) * std::log(x[j]);
    return s;
}

// x[j] *= a over [0, m).
inline void scale(float* x, long m, float a) {
    const Packet p = ei::pset1<Packet>(a);
    long j = 0;
    for (; j + kLanes <= m; j += kLanes) ei::pstoreu(x + j, ei::pmul(ei::ploadu<Packet>(x + j), p));
    for (; j < m; ++j) x[j] *= a;
}

// #{x > threshold} over [0, m).
inline long count_above(const float* x, long m, float threshold) {
    long c = 0;
    for (long j = 0; j < m; ++j) c += x[j] > threshold ? 1 : 0;
    return c;
}

}  // namespace attnscope::kernels::cpu::simd
