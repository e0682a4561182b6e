#include "core/implied_temperature.hpp"

#include <algorithm>
#include <cmath>

#include "core/numerics.hpp"

namespace attnscope {
namespace {

// H(softmax(b / temp)) = ln s - sum e_j (b_j - max)/temp / s with e_j = exp((b_j - max)/temp), and its slope in
// u = ln temp: dH/du = Var_p(b) / temp^2 (the softmax entropy rises with the temperature). One pass gives both.
struct EntropyAndSlope {
    double h, slope;
};
EntropyAndSlope softmax_entropy(const double* b, long m, double bmax, double temp) {
    CompensatedSum<double> s, t, t2;
    for (long j = 0; j < m; ++j) {
        const double z = (b[j] - bmax) / temp;
        const double e = std::exp(z);
        s.add(e);
        t.add(e * z);
        t2.add(e * z * z);
    }
    const double mean = t.value() / s.value();
    return {std::log(s.value()) - mean, std::max(0.0, t2.value() / s.value() - mean * mean)};
}

}  // namespace

std::pair<double, ImpliedTemperatureFlag> implied_temperature(const double* b, long m, double target) {
    using F = ImpliedTemperatureFlag;
    if (m <= 1 || std::isnan(target)) return {kUndefined, F::Undefined};
    const double hi_b = *std::max_element(b, b + m);
    const double lo_b = *std::min_element(b, b + m);
    if (hi_b - lo_b <= 1e-12 * std::max({1.0, std::abs(hi_b), std::abs(lo_b)})) return {kUndefined, F::Undefined};
    const long n_top = std::count(b, b + m, hi_b);
    if (target >= std::log(static_cast<double>(m)) - 1e-12) return {kUndefined, F::Inf};
    if (target <= std::log(static_cast<double>(n_top)) + 1e-12) return {kUndefined, F::Zero};

    const double spread = hi_b - lo_b;
    auto entropy_at = [&](double u) { return softmax_entropy(b, m, hi_b, spread * std::exp(u)); };
    double lo = std::log(1e-6), hi = std::log(1e6);
    if (entropy_at(hi).h < target) return {kUndefined, F::Inf};
    if (entropy_at(lo).h > target) return {kUndefined, F::Zero};
    // Newton on u = ln(temp / spread), kept inside a bisection bracket: each evaluation narrows [lo, hi], and a
    // step that leaves it (or a flat slope) bisects instead. Converges in ~6-10 passes over the row where plain
    // bisection to 1e-14 took ~50 (the window's T* strip computes this for every row of every column).
    double u = 0.0;
    for (int step = 0; step < 300 && hi - lo >= 1e-14; ++step) {
        const EntropyAndSlope e = entropy_at(u);
        const double f = e.h - target;
        if (f == 0.0) return {spread * std::exp(u), F::Ok};
        (f < 0.0 ? lo : hi) = u;
        double next = e.slope > 0.0 ? u - f / e.slope : 0.5 * (lo + hi);
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
        if (std::abs(next - u) <= 1e-13 * std::max(1.0, std::abs(u))) return {spread * std::exp(next), F::Ok};
        u = next;
    }
    return {spread * std::exp(0.5 * (lo + hi)), F::Ok};
}

template <class T>
void implied_temperatures(const AttentionInput<T>& in, const RowMetrics& metrics, std::vector<double>& value,
                          std::vector<ImpliedTemperatureFlag>& flag) {
    const Eigen::Index n = in.n();
    value.assign(n, kUndefined);
    flag.assign(n, ImpliedTemperatureFlag::Undefined);
    const MatD q = in.q.template cast<double>();
    const MatD k = in.k.template cast<double>();
    const double sqrt_d = std::sqrt(static_cast<double>(in.d()));
    Vec<double> b(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const long m = in.support_end(i);
        b.head(m).noalias() = k.topRows(m) * q.row(i).transpose();
        b.head(m) /= sqrt_d;
        std::tie(value[i], flag[i]) = implied_temperature(b.data(), m, metrics.entropy[i]);
    }
}

template void implied_temperatures<float>(const AttentionInput<float>&, const RowMetrics&, std::vector<double>&,
                                          std::vector<ImpliedTemperatureFlag>&);
template void implied_temperatures<double>(const AttentionInput<double>&, const RowMetrics&, std::vector<double>&,
                                           std::vector<ImpliedTemperatureFlag>&);

}  // namespace attnscope
