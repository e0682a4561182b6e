#include "kernels/cuda/row_setup.hpp"

#include <cmath>
#include <limits>

namespace attnscope::rowmath {

static_assert(static_cast<int>(VariantKind::Dpa) == kDpa && static_cast<int>(VariantKind::Ssa) == kSsa &&
                  static_cast<int>(VariantKind::Selective) == kSelective &&
                  static_cast<int>(VariantKind::VaExact) == kVaExact &&
                  static_cast<int>(VariantKind::VaOblivious) == kVaOblivious &&
                  static_cast<int>(VariantKind::VaAware) == kVaAware && static_cast<int>(VariantKind::Lssa) == kLssa &&
                  static_cast<int>(VariantKind::Lssar) == kLssar && static_cast<int>(VariantKind::Ea) == kEa,
              "RowKind must follow VariantKind");
static_assert(static_cast<int>(Kernel::Exp) == kKernelExp && static_cast<int>(Kernel::Relu) == kKernelRelu &&
                  static_cast<int>(Kernel::Relu2) == kKernelRelu2 &&
                  static_cast<int>(Kernel::Softplus) == kKernelSoftplus &&
                  static_cast<int>(Kernel::Elu1) == kKernelElu1 && static_cast<int>(Kernel::Square) == kKernelSquare,
              "KernelId must follow Kernel");

RowParams make_row_params(VariantKind kind, const VariantParams& params, int n, int d, int dv, bool causal) {
    RowParams p;
    p.kind = static_cast<int>(kind);
    p.n = n;
    p.d = d;
    p.dv = dv;
    p.causal = causal ? 1 : 0;
    p.scale = static_cast<float>(params.resolved_scale(d));
    p.sel_scale = static_cast<float>(params.resolved_sel_scale(d));
    p.protect_bos = params.protect_bos ? 1 : 0;
    p.has_threshold = params.prune_threshold.has_value() ? 1 : 0;
    p.threshold = static_cast<float>(params.prune_threshold.value_or(0.0));
    p.has_budget = params.budget.has_value() ? 1 : 0;
    // A budget of n or more never evicts; clamping keeps it in an int.
    p.budget = params.budget ? static_cast<int>(std::min<std::int64_t>(*params.budget, n + 1)) : 0;
    p.kernel = static_cast<int>(params.kernel);
    p.r = params.r;
    p.renorm = params.renorm ? 1 : 0;
    p.greedy = params.solver == Solver::Greedy ? 1 : 0;
    p.normalize_qk = params.normalize_qk ? 1 : 0;
    p.ln_log_d = static_cast<float>(std::log(params.resolved_log_d(d)));
    p.eps = params.eps;
    p.p = params.p;
    p.offset = params.offset;
    p.offset_free_rows = params.offset_free_rows;
    p.deadzone = params.deadzone;
    p.ea_plain = params.form == EaForm::Plain ? 1 : 0;
    p.metrics_k = params.metrics_k;
    p.metrics_threshold = params.metrics_threshold;
    return p;
}

std::vector<double> ssa_tau(const SsaTemperatureParams& side, const MatF& x) {
    const auto n = static_cast<std::size_t>(x.rows());
    if (side.tau) return *side.tau;
    const double c = side.position_coefficient();
    std::vector<double> tau(n);
    for (std::size_t i = 0; i < n; ++i) {
        double u = 0.0;
        if (side.tok) {
            u = (*side.tok)[i];
        } else if (side.w_tok) {
            for (Eigen::Index e = 0; e < x.cols(); ++e)
                u += (*side.w_tok)[static_cast<std::size_t>(e)] *
                     static_cast<double>(x(static_cast<Eigen::Index>(i), e));
            u += side.b_tok;
        }
        tau[i] = 1.0 + c * std::log(static_cast<double>(i + 1)) + std::tanh(u);
    }
    return tau;
}

std::vector<double> ssa_tau_v(const VariantParams& params, const MatF& v) {
    if (!params.value_temp) return std::vector<double>(static_cast<std::size_t>(v.rows()), 1.0);
    return ssa_tau(params.ssa_v, v);
}

std::vector<double> lssa_lambdas(const VariantParams& params, int n, int d, bool causal) {
    const double ln_log_d = std::log(params.resolved_log_d(d));
    std::vector<double> lambda(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) lambda[static_cast<std::size_t>(i)] = lssa_lambda(ln_log_d, causal ? i + 1 : n);
    return lambda;
}

std::vector<double> explicit_temperature(VariantKind kind, const VariantParams& params, int n, int d,
                                         const std::vector<double>& tau_q, const std::vector<double>& lambda) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double base = params.baseline_temperature(d);
    std::vector<double> t(static_cast<std::size_t>(n), nan);
    for (std::size_t i = 0; i < t.size(); ++i) {
        switch (kind) {
            case VariantKind::Dpa:
                t[i] = base;
                break;
            case VariantKind::Ssa:
                t[i] = tau_q[i] != 0.0 ? base / tau_q[i] : nan;
                break;
            case VariantKind::Lssa:
            case VariantKind::Lssar:
                t[i] = lambda[i] > 0.0 ? 1.0 / lambda[i] : nan;
                break;
            case VariantKind::VaExact:
                t[i] = params.kernel == Kernel::Exp ? base : nan;
                break;
            default:
                break;
        }
    }
    return t;
}

}  // namespace attnscope::rowmath
