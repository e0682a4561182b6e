// The model's attention (attention_ops.hpp) against reference::attend<double>, the truth, on the same Q, K, V.
//
// Both are double and evaluate the same formulas in different orders, so they agree to a few ulps of the O(1)
// outputs; 1e-10 absolute leaves a factor ~1e5 of slack over n * eps_64 ~ 1e-15 and still catches any formula
// difference (a wrong constant moves weights by >= 1e-3).
#include <gtest/gtest.h>

#include "core/model/attention_ops.hpp"
#include "core/reference/attend.hpp"
#include "grad_check.hpp"

namespace attnscope::model::test {
namespace {

constexpr double kTol = 1e-10;

class VsReference : public ::testing::TestWithParam<VariantKind> {};

TEST_P(VsReference, EveryHeadMatches) {
    const VariantKind kind = GetParam();
    const int n = 9, dh = 6, H = 3;
    Rng rng(42);
    std::vector<MatD> q, k, v;
    for (int h = 0; h < H; ++h) {
        q.push_back(random_mat(rng, n, dh, 1.5));
        k.push_back(random_mat(rng, n, dh, 1.5));
        v.push_back(random_mat(rng, n, dh));
    }
    std::vector<double> ssa(static_cast<std::size_t>(4 * H + 2 * H * dh));
    for (double& x : ssa) x = 0.7 * rng.normal();
    const double* s = ssa.data();
    const SsaView<double> view{s, s + H, s + 2 * H, s + 2 * H + H * dh, s + 3 * H + H * dh, s + 3 * H + 2 * H * dh};

    std::vector<MatD> out;
    AttentionCache<double> cache;
    attention_forward<double>(kind, q, k, v, &view, out, &cache);

    for (int h = 0; h < H; ++h) {
        VariantParams params;
        if (kind == VariantKind::Ssa) {  // the learned parameters, in the spec's parametrisation (§2.3)
            params.ssa_q.alpha = view.alpha_q[h];
            params.ssa_q.w_tok = std::vector<double>(view.w_q + h * dh, view.w_q + (h + 1) * dh);
            params.ssa_q.b_tok = view.b_q[h];
            params.ssa_v.alpha = view.alpha_v[h];
            params.ssa_v.w_tok = std::vector<double>(view.w_v + h * dh, view.w_v + (h + 1) * dh);
            params.ssa_v.b_tok = view.b_v[h];
        }
        if (kind == VariantKind::Selective && h > 0) {  // every head masks with head 0's logits (spec §3.1)
            params.sel_q = q[0];
            params.sel_k = k[0];
        }
        const AttentionResult<double> ref = reference::attend<double>(kind, {q[h], k[h], v[h], true}, params);
        EXPECT_LE((ref.weights - cache.heads[h].w).cwiseAbs().maxCoeff(), kTol) << "weights, head " << h;
        EXPECT_LE((ref.output - out[h]).cwiseAbs().maxCoeff(), kTol) << "output, head " << h;
    }
}

INSTANTIATE_TEST_SUITE_P(Trainable, VsReference,
                         ::testing::Values(VariantKind::Dpa, VariantKind::Ssa, VariantKind::Selective,
                                           VariantKind::Lssa, VariantKind::Lssar, VariantKind::Ea),
                         [](const ::testing::TestParamInfo<VariantKind>& p) { return std::string(variant_name(p.param)); });

}  // namespace
}  // namespace attnscope::model::test
