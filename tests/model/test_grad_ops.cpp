// Gradient checks of the non-attention ops (tensor_ops.hpp) against central finite differences in double.
#include <gtest/gtest.h>

#include "core/model/tensor_ops.hpp"
#include "grad_check.hpp"

namespace attnscope::model::test {
namespace {

// Loss = sum(R .* y): its gradient with respect to y is R, so backward(dy = R) must match d loss / d inputs.
double weighted_sum(const MatD& y, const MatD& r) { return (y.array() * r.array()).sum(); }

TEST(GradOps, Linear) {
    Rng rng(1);
    MatD x = random_mat(rng, 5, 4), w = random_mat(rng, 4, 3), b = random_mat(rng, 1, 3);
    const MatD R = random_mat(rng, 5, 3);
    auto loss = [&] {
        MatD y;
        linear_forward<double>(x, MapC<double>(w.data(), 4, 3), b.data(), y);
        return weighted_sum(y, R);
    };
    MatD dx, dw = MatD::Zero(4, 3), db = MatD::Zero(1, 3);
    linear_backward<double>(x, MapC<double>(w.data(), 4, 3), R, &dx, MapM<double>(dw.data(), 4, 3), db.data());
    expect_gradient("dx", x.data(), x.size(), dx.data(), loss);
    expect_gradient("dw", w.data(), w.size(), dw.data(), loss);
    expect_gradient("db", b.data(), b.size(), db.data(), loss);
}

TEST(GradOps, LayerNorm) {
    Rng rng(2);
    MatD x = random_mat(rng, 4, 6, 2.0), g = random_mat(rng, 1, 6), b = random_mat(rng, 1, 6);
    const MatD R = random_mat(rng, 4, 6);
    auto loss = [&] {
        MatD y;
        layernorm_forward<double>(x, g.data(), b.data(), y, nullptr);
        return weighted_sum(y, R);
    };
    MatD y, dx, dg = MatD::Zero(1, 6), db = MatD::Zero(1, 6);
    LayerNormCache<double> cache;
    layernorm_forward<double>(x, g.data(), b.data(), y, &cache);
    layernorm_backward<double>(R, g.data(), cache, dx, dg.data(), db.data());
    expect_gradient("dx", x.data(), x.size(), dx.data(), loss);
    expect_gradient("dg", g.data(), g.size(), dg.data(), loss);
    expect_gradient("db", b.data(), b.size(), db.data(), loss);
}

TEST(GradOps, Gelu) {
    Rng rng(3);
    MatD x = random_mat(rng, 3, 7, 2.0);
    const MatD R = random_mat(rng, 3, 7);
    auto loss = [&] {
        MatD y;
        gelu_forward<double>(x, y);
        return weighted_sum(y, R);
    };
    MatD dx;
    gelu_backward<double>(x, R, dx);
    expect_gradient("dx", x.data(), x.size(), dx.data(), loss);
}

TEST(GradOps, Rope) {
    Rng rng(4);
    MatD x = random_mat(rng, 5, 6);
    const MatD R = random_mat(rng, 5, 6);
    auto loss = [&] {
        MatD y = x;
        rope_forward<double>(y, 3);
        return weighted_sum(y, R);
    };
    MatD dx = R;
    rope_backward<double>(dx, 3);
    expect_gradient("dx", x.data(), x.size(), dx.data(), loss);
}

TEST(GradOps, RopeIsARotationOfPairs) {
    // Independent check of the forward: position 0 is the identity, and norms of pairs are preserved.
    Rng rng(5);
    MatD x = random_mat(rng, 4, 4), y = x;
    rope_forward<double>(y, 0);
    EXPECT_NEAR((y.row(0) - x.row(0)).norm(), 0.0, 1e-15);
    for (int t = 0; t < 4; ++t)
        for (int i = 0; i < 4; i += 2)
            EXPECT_NEAR(std::hypot(y(t, i), y(t, i + 1)), std::hypot(x(t, i), x(t, i + 1)), 1e-14);
    // pair 0 rotates by exactly t radians (theta_0 = base^0 = 1)
    for (int t = 0; t < 4; ++t) {
        EXPECT_NEAR(y(t, 0), x(t, 0) * std::cos(t) - x(t, 1) * std::sin(t), 1e-14);
        EXPECT_NEAR(y(t, 1), x(t, 0) * std::sin(t) + x(t, 1) * std::cos(t), 1e-14);
    }
}

TEST(GradOps, Embedding) {
    Rng rng(6);
    MatD tok = random_mat(rng, 5, 3), pos = random_mat(rng, 4, 3);
    const std::vector<int> tokens = {1, 4, 1, 0, 2, 2, 3, 1};  // two sequences of 4
    const MatD R = random_mat(rng, 8, 3);
    auto loss = [&] {
        MatD y;
        const MapC<double> pm(pos.data(), 4, 3);
        embed_forward<double>(tokens, 4, MapC<double>(tok.data(), 5, 3), &pm, y);
        return weighted_sum(y, R);
    };
    MatD dtok = MatD::Zero(5, 3), dpos = MatD::Zero(4, 3);
    MapM<double> dpm(dpos.data(), 4, 3);
    embed_backward<double>(tokens, 4, R, MapM<double>(dtok.data(), 5, 3), &dpm);
    expect_gradient("dtok", tok.data(), tok.size(), dtok.data(), loss);
    expect_gradient("dpos", pos.data(), pos.size(), dpos.data(), loss);
}

TEST(GradOps, CrossEntropy) {
    Rng rng(7);
    MatD logits = random_mat(rng, 4, 5, 3.0);
    const std::vector<int> targets = {0, 4, 2, 2};
    auto loss = [&] { return cross_entropy<double>(logits, targets, 1.0, nullptr, nullptr) / 4.0; };
    MatD d;
    int correct = 0;
    const double l = cross_entropy<double>(logits, targets, 0.25, &d, &correct);
    expect_gradient("dlogits", logits.data(), logits.size(), d.data(), loss);
    // independent value: -log softmax computed directly
    double ref = 0;
    int ref_correct = 0;
    for (int r = 0; r < 4; ++r) {
        double z = 0;
        for (int c = 0; c < 5; ++c) z += std::exp(logits(r, c));
        ref -= std::log(std::exp(logits(r, targets[r])) / z);
        Eigen::Index arg;
        logits.row(r).maxCoeff(&arg);
        ref_correct += arg == targets[r];
    }
    EXPECT_NEAR(l, ref, 1e-12);
    EXPECT_EQ(correct, ref_correct);
}

}  // namespace
}  // namespace attnscope::model::test
