#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/numerics.hpp"

namespace attnscope {

void RowMetrics::resize(std::size_t n) {
    for (auto* v : {&entropy, &entropy_normalised, &effective_support, &participation_ratio, &spikiness, &max_weight,
                    &topk_mass, &gini})
        v->assign(n, kUndefined);
    for (auto* v : {&count_above, &count_above_uniform, &support_size}) v->assign(n, -1);
}

template <class T>
void row_metrics_into(const T* w, long m, int k, double theta, RowMetrics& out, std::size_t i) {
    std::vector<T> p(m);
    CompensatedSum<T> total;
    for (long j = 0; j < m; ++j) {
        p[j] = std::abs(w[j]);
        total.add(p[j]);
    }
    const T tot = total.value();
    if (!(tot > T(0))) return;  // stays undefined
    for (T& x : p) x /= tot;

    CompensatedSum<T> h, ssq;
    for (T x : p) {
        if (x > T(0)) h.add(-x * std::log(x));
        ssq.add(x * x);
    }
    double entropy = static_cast<double>(h.value());
    if (!(entropy > 0.0)) entropy = 0.0;  // -0.0 on one-hot rows and rounding noise become +0
    const double pr = 1.0 / static_cast<double>(ssq.value());

    std::sort(p.begin(), p.end());  // ascending
    CompensatedSum<T> topk, gini;
    const long kk = std::min<long>(k, m);
    for (long t = 0; t < kk; ++t) topk.add(p[m - 1 - t]);
    for (long r = 0; r < m; ++r) gini.add(static_cast<T>(2 * (r + 1) - m - 1) * p[r]);

    const double dm = static_cast<double>(m);
    const double uniform_level = (1.0 / dm) * (1.0 + kUniformSlack);
    int above = 0, above_uniform = 0;
    for (T x : p) {
        above += static_cast<double>(x) > theta;
        above_uniform += static_cast<double>(x) > uniform_level;
    }

    out.entropy[i] = entropy;
    out.entropy_normalised[i] = m > 1 ? entropy / std::log(dm) : 0.0;
    out.effective_support[i] = std::exp(entropy);
    out.participation_ratio[i] = pr;
    out.spikiness[i] = pr / dm;
    out.max_weight[i] = static_cast<double>(p[m - 1]);
    out.topk_mass[i] = static_cast<double>(topk.value());
    out.gini[i] = m > 1 ? static_cast<double>(gini.value()) / dm : 0.0;
    out.count_above[i] = above;
    out.count_above_uniform[i] = above_uniform;
    out.support_size[i] = static_cast<int>(m);
}

template <class T>
RowMetrics row_metrics(const Mat<T>& weights, bool causal, int k, double theta) {
    const Eigen::Index n = weights.rows();
    RowMetrics out;
    out.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) row_metrics_into(&weights(i, 0), causal ? i + 1 : n, k, theta, out, i);
    return out;
}

#define ATTNSCOPE_INSTANTIATE(T)                                                                  \
    template RowMetrics row_metrics<T>(const Mat<T>&, bool, int, double);                        \
    template void row_metrics_into<T>(const T*, long, int, double, RowMetrics&, std::size_t);
ATTNSCOPE_INSTANTIATE(float)
ATTNSCOPE_INSTANTIATE(double)
#undef ATTNSCOPE_INSTANTIATE

std::string_view implied_flag_name(ImpliedTemperatureFlag f) {
    switch (f) {
        case ImpliedTemperatureFlag::Ok: return "ok";
        case ImpliedTemperatureFlag::Zero: return "zero";
        case ImpliedTemperatureFlag::Inf: return "inf";
        case ImpliedTemperatureFlag::Undefined: return "undefined";
    }
    return "undefined";
}

}  // namespace attnscope
