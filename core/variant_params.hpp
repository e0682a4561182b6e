// variant_params.hpp — every parameter of every variant (spec §8.2), typed, with the spec's defaults.
//
// A field that the spec resolves from the problem's shape (scale = 1/sqrt(d), log_d = d, sel_scale = scale) is
// an optional here and resolved by the resolve_* helpers, so "given" and "defaulted" stay distinguishable: the
// result's params_resolved echoes exactly the parameters actually used (spec §8.3).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "matrix.hpp"

namespace attnscope {

enum class Kernel { Exp, Relu, Relu2, Softplus, Elu1, Square };  // value-aware kernels, spec §4.2
enum class Solver { Exact, Greedy };                             // va_aware solvers
enum class EaForm { Bounded, Plain };                            // expressive attention forms, spec §6.1

std::string_view kernel_name(Kernel k);
std::optional<Kernel> parse_kernel(std::string_view name);
std::string_view solver_name(Solver s);
std::optional<Solver> parse_solver(std::string_view name);
std::string_view ea_form_name(EaForm f);
std::optional<EaForm> parse_ea_form(std::string_view name);

// One side (query or value) of SSA's temperature, spec §2.3:
//   tau(i) = 1 + c * ln(i + 1) + tanh(u(i)), unless `tau` gives it explicitly.
// Precedence: tau > (pos_coef > beta > alpha) for c, and tok > (w_tok, b_tok) for u.
struct SsaTemperatureParams {
    std::optional<std::vector<double>> tau;    // explicit per-token temperature (length n); replaces the formula
    std::optional<double> pos_coef;            // c directly
    std::optional<double> beta;                // official parametrisation: c = exp(-exp(beta))
    std::optional<double> alpha;               // paper: c = sigmoid(alpha); default alpha = 0 => c = 0.5
    std::optional<std::vector<double>> tok;    // u(i) explicitly (length n)
    std::optional<std::vector<double>> w_tok;  // u(i) = w_tok . x_i + b_tok (x = q_i or v_i)
    double b_tok = 0.0;

    // c as the precedence above resolves it.
    double position_coefficient() const;
};

struct VariantParams {
    // Shared: logit scale s, default 1/sqrt(d) (dpa, ssa, selective, va_*, ea).
    std::optional<double> scale;

    // SSA (spec §2.3)
    SsaTemperatureParams ssa_q;
    SsaTemperatureParams ssa_v;
    bool value_temp = true;

    // Selective attention (spec §3)
    std::optional<MatD> sel_q;  // separate selection head, n x d (default: Q)
    std::optional<MatD> sel_k;  // n x d (default: K)
    std::optional<double> sel_scale;  // default: scale
    bool protect_bos = true;
    std::optional<double> prune_threshold;  // key j invisible to query i when F_ij > threshold
    std::optional<std::int64_t> budget;     // KV buffer size for sequential eviction

    // Value-aware (spec §4.2)
    Kernel kernel = Kernel::Exp;
    int r = 2;
    bool renorm = true;
    Solver solver = Solver::Exact;
    std::int64_t max_subsets = 200000;

    // LSSA / LSSAR (spec §5.1); eps is shared with EA (both default 0)
    bool normalize_qk = true;
    std::optional<double> log_d;  // default: d
    double eps = 0.0;
    double p = 15.0;
    double offset = 1.0;
    int offset_free_rows = 3;
    double deadzone = 1e-9;

    // Expressive attention (spec §6.1)
    EaForm form = EaForm::Bounded;

    // Metrics (spec §7)
    int metrics_k = 4;
    double metrics_threshold = 0.01;

    double resolved_scale(std::int64_t d) const { return scale ? *scale : 1.0 / std::sqrt(static_cast<double>(d)); }
    double resolved_sel_scale(std::int64_t d) const { return sel_scale ? *sel_scale : resolved_scale(d); }
    double resolved_log_d(std::int64_t d) const { return log_d ? *log_d : static_cast<double>(d); }

    // The explicit temperature of a scaled-softmax row relative to the 1/sqrt(d) baseline: (1/sqrt d) / scale
    // (spec §7). NaN (undefined) for scale = 0, where every row is uniform and the temperature infinite.
    double baseline_temperature(std::int64_t d) const {
        const double s = resolved_scale(d);
        return s != 0.0 ? (1.0 / std::sqrt(static_cast<double>(d))) / s : std::numeric_limits<double>::quiet_NaN();
    }
};

}  // namespace attnscope
