// numerics.hpp — small numeric building blocks shared by the reference variants and the metrics.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

namespace attnscope {

// Neumaier's compensated sum. The spec's oracle sums with math.fsum (exactly rounded); a naive float sum of m
// terms drifts by ~m*eps, which is enough to break count_above_uniform's 1e-6 slack on exactly uniform rows in
// float (m = 4096: 4096 * 6e-8 = 2.4e-4 >> 1e-6). Compensation keeps the error at ~2 eps independent of m.
template <class T>
class CompensatedSum {
public:
    void add(T x) {
        const T t = m_sum + x;
        if (std::abs(m_sum) >= std::abs(x))
            m_comp += (m_sum - t) + x;
        else
            m_comp += (x - t) + m_sum;
        m_sum = t;
    }
    T value() const { return m_sum + m_comp; }

private:
    T m_sum = 0;
    T m_comp = 0;
};

// log(1 + e^x) without overflow or cancellation (spec §5.1).
template <class T>
T softplus(T x) {
    return std::max(x, T(0)) + std::log1p(std::exp(-std::abs(x)));
}

// Machine epsilon of T as a double, for tolerances derived from it.
template <class T>
constexpr double epsilon_of() {
    return static_cast<double>(std::numeric_limits<T>::epsilon());
}

// A tolerance the oracle states for double precision, carried to T as the same multiple of machine epsilon
// (1e-12 is ~4500 eps in double, hence ~5.4e-4 in float). Exactly `tol_for_double` when T is double.
template <class T>
constexpr double scaled_tolerance(double tol_for_double) {
    return tol_for_double * (epsilon_of<T>() / epsilon_of<double>());
}

}  // namespace attnscope
