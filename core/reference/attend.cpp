// attend.cpp — dispatch to the variant, then the parts every variant shares: the output o = W V~ and the
// value-aware approximation error.
#include "core/reference/attend.hpp"

#include <cmath>
#include <string>

#include "core/errors.hpp"
#include "core/metrics.hpp"
#include "core/implied_temperature.hpp"
#include "core/reference/variants.hpp"

namespace attnscope::reference {
namespace {

template <class T>
void require_finite(const Mat<T>& m, const char* name) {
    if (m.allFinite()) return;
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            if (!std::isfinite(m(i, j)))
                throw InputError(std::string(name) + "[" + std::to_string(i) + "][" + std::to_string(j) + "]",
                                 "is not a finite number", "replace NaN/Inf with a finite value");
}

}  // namespace

template <class T>
AttentionResult<T> attend(VariantKind kind, const AttentionInput<T>& in, const VariantParams& params) {
    if (in.k.rows() != in.n() || in.v.rows() != in.n())
        throw InputError("K", "Q, K and V have " + std::to_string(in.n()) + ", " + std::to_string(in.k.rows()) +
                                  " and " + std::to_string(in.v.rows()) + " rows",
                         "give one query, key and value row per token");
    if (in.k.cols() != in.d())
        throw InputError("K", "rows have " + std::to_string(in.k.cols()) + " entries but Q rows have " +
                                  std::to_string(in.d()),
                         "K must have Q's width d");
    validate(kind, shape_of(in), params);
    require_finite(in.q, "Q");
    require_finite(in.k, "K");
    require_finite(in.v, "V");

    AttentionResult<T> r;
    r.kind = kind;
    r.causal = in.causal;
    switch (kind) {
        case VariantKind::Dpa: detail::run_dpa(in, params, r); break;
        case VariantKind::Ssa: detail::run_ssa(in, params, r); break;
        case VariantKind::Selective: detail::run_selective(in, params, r); break;
        case VariantKind::VaExact:
        case VariantKind::VaOblivious:
        case VariantKind::VaAware: detail::run_value_aware(kind, in, params, r); break;
        case VariantKind::Lssa:
        case VariantKind::Lssar: detail::run_lssa(kind, in, params, r); break;
        case VariantKind::Ea: detail::run_ea(in, params, r); break;
    }

    // o = W V~, with V~ = tau_v * V for SSA's value temperature (spec §0).
    r.output.resize(in.n(), in.dv());
    if (!r.extras.tau_v.empty()) {
        Mat<T> v_eff = in.v;
        for (Eigen::Index j = 0; j < in.n(); ++j) v_eff.row(j) *= static_cast<T>(r.extras.tau_v[j]);
        r.output.noalias() = r.weights * v_eff;
    } else {
        r.output.noalias() = r.weights * in.v;
    }

    if (r.extras.exact_output.size() > 0) {
        r.extras.error_l2.resize(in.n());
        for (Eigen::Index i = 0; i < in.n(); ++i)
            r.extras.error_l2[i] = static_cast<double>((r.output.row(i) - r.extras.exact_output.row(i)).norm());
    }
    return r;
}

template <class T>
void analyse(const AttentionInput<T>& in, const VariantParams& params, AttentionResult<T>& result, bool with_implied) {
    result.metrics = row_metrics(result.weights, in.causal, params.metrics_k, params.metrics_threshold);
    if (with_implied) {
        implied_temperatures(in, result.metrics, result.implied_temperature, result.implied_flag);
    } else {
        result.implied_temperature.assign(in.n(), kUndefined);
        result.implied_flag.assign(in.n(), ImpliedTemperatureFlag::Undefined);
    }
}

#define ATTNSCOPE_INSTANTIATE(T)                                                                        \
    template AttentionResult<T> attend<T>(VariantKind, const AttentionInput<T>&, const VariantParams&); \
    template void analyse<T>(const AttentionInput<T>&, const VariantParams&, AttentionResult<T>&, bool);
ATTNSCOPE_INSTANTIATE(float)
ATTNSCOPE_INSTANTIATE(double)
#undef ATTNSCOPE_INSTANTIATE

}  // namespace attnscope::reference
