#include "core/implied_temperature.hpp"

#include <algorithm>
#include <cmath>

#include "core/numerics.hpp"

namespace attnscope {
namespace {

// H(softmax(b / temp)) = ln s - sum e_j (b_j - max)/temp / s with e_j = exp((b_j - max)/temp).
double softmax_entropy(const double* b, long m, double bmax, double temp) {
    CompensatedSum<double> s, t;
    for (long j = 0; j < m; ++j) {
        const double z = (b[j] - bmax) / temp;
        const double e = std::exp(z);
        s.add(e);
        t.add(e * z);
    }
    return std::log(s.value()) - t.value() / s.value();
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
    if (entropy_at(hi) < target) return {kUndefined, F::Inf};
    if (entropy_at(lo) > target) return {kUndefined, F::Zero};
    for (int step = 0; step < 300 && hi - lo >= 1e-14; ++step) {
        const double mid = 0.5 * (lo + hi);
        (entropy_at(mid) < target ? lo : hi) = mid;
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
