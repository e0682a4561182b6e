// row_setup.hpp — host-side preparation shared by the CUDA backend and the CPU test of the row maths: resolving
// VariantParams into the GPU's plain parameter block, SSA's temperatures, LSSA's length scales and the explicit
// temperature of spec §7. Plain C++ with Eigen (never included by a .cu file).
#pragma once

#include <vector>

#include "core/matrix.hpp"
#include "core/variant_kind.hpp"
#include "core/variant_params.hpp"
#include "kernels/cuda/row_math.hpp"

namespace attnscope::rowmath {

// Every resolved parameter of `kind` for a problem of shape (n, d, dv).
RowParams make_row_params(VariantKind kind, const VariantParams& params, int n, int d, int dv, bool causal);

// SSA temperature of one side (spec §2.3): tau(i) = 1 + c ln(i + 1) + tanh(u(i)), or the explicit list.
// x: the vectors the token part reads (q for the query side, v for the value side), (n, width).
std::vector<double> ssa_tau(const SsaTemperatureParams& side, const MatF& x);

// tau_v as SSA applies it: all 1 without value_temp.
std::vector<double> ssa_tau_v(const VariantParams& params, const MatF& v);

// lambda_i = ln(log_d) ln(N_i), N_i = |S_i| (spec §5.1).
std::vector<double> lssa_lambdas(const VariantParams& params, int n, int d, bool causal);

// Explicit temperature per query (spec §7 table); NaN where the variant has none. tau_q: SSA's (else empty);
// lambda: LSSA's (else empty).
std::vector<double> explicit_temperature(VariantKind kind, const VariantParams& params, int n, int d,
                                         const std::vector<double>& tau_q, const std::vector<double>& lambda);

}  // namespace attnscope::rowmath
