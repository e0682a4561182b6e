// display_pool_test.cpp — max-pooling of maps to panel resolution (kernels/cpu/display_pool.hpp), checked against
// independent statements of what a max-pool must do, and the backends' in-sweep pooling against pooling afterwards.
#include <gtest/gtest.h>

#include <random>

#include "kernels/cpu/display_pool.hpp"
#include "kernels/registry.hpp"
#include "tests/kernels/conformance_table.hpp"

namespace attnscope::test {
namespace {

MatF random_map(Eigen::Index r, Eigen::Index c, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    MatF w(r, c);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = u(rng);
    return w;
}

// n divisible by the panel: every cell is the max of its own n/R x n/C block.
TEST(DisplayPool, DivisibleSizesAreBlockMaxima) {
    const MatF w = random_map(96, 96, 1);
    const MatF d = kernels::max_pool_display(w, 12, 24);
    ASSERT_EQ(d.rows(), 12);
    ASSERT_EQ(d.cols(), 24);
    for (Eigen::Index a = 0; a < 12; ++a)
        for (Eigen::Index b = 0; b < 24; ++b)
            EXPECT_EQ(d(a, b), w.block(a * 8, b * 4, 8, 4).maxCoeff()) << a << "," << b;
}

// Any single spike stays visible: some cell shows exactly its value, and no cell shows more than the map's max.
TEST(DisplayPool, SingleSpikesStayVisibleAtAnySize) {
    for (Eigen::Index n : {7, 100, 333, 1000})
        for (Eigen::Index cells : {3, 64, 97}) {
            std::mt19937 rng(static_cast<unsigned>(n * 31 + cells));
            for (int t = 0; t < 5; ++t) {
                MatF w = MatF::Zero(n, n);
                const Eigen::Index i = std::uniform_int_distribution<Eigen::Index>(0, n - 1)(rng);
                const Eigen::Index j = std::uniform_int_distribution<Eigen::Index>(0, n - 1)(rng);
                w(i, j) = 0.75f;
                const MatF d = kernels::max_pool_display(w, cells, cells);
                EXPECT_EQ(d.maxCoeff(), 0.75f) << "n=" << n << " cells=" << cells << " spike " << i << "," << j;
                EXPECT_EQ(d.minCoeff(), 0.0f);
            }
        }
}

// A panel larger than the map by an integer factor shows each entry as a k x k square.
TEST(DisplayPool, LargerPanelsRepeatEntries) {
    const MatF w = random_map(5, 5, 2);
    const MatF d = kernels::max_pool_display(w, 15, 10);
    for (Eigen::Index a = 0; a < 15; ++a)
        for (Eigen::Index b = 0; b < 10; ++b) EXPECT_EQ(d(a, b), w(a / 3, b / 2)) << a << "," << b;
}

// Every backend's display map (pooled block by block, concurrently) equals pooling its finished weights afterwards.
// Maxima of the same float values: exact equality.
TEST(DisplayPool, BackendMapsEqualPoolingTheWeights) {
    for (const kernels::BackendStatus& status : kernels::list_backends()) {
        if (!status.available) continue;
        AttentionBackend& backend = kernels::get_backend(status.name);
        for (Eigen::Index n : {37, 300, 1000})
            for (VariantKind kind : {VariantKind::Dpa, VariantKind::Lssar, VariantKind::VaOblivious}) {
                ConformanceCase c{"pool", kind, {}, n, 16, 8, true, 1.0, static_cast<std::uint64_t>(n)};
                const AttentionInput<float> in = conformance_input(c);
                const BackendProblem p{kind, &c.params, &in.q, &in.k, &in.v, true};
                BackendOptions o;
                o.display_rows = 29;
                o.display_cols = 64;
                BackendResult r;
                backend.run(std::span(&p, 1), o, std::span(&r, 1));
                const MatF want = kernels::max_pool_display(r.result.weights, 29, 64);
                ASSERT_EQ(r.display_map.rows(), 29);
                ASSERT_EQ(r.display_map.cols(), 64);
                EXPECT_EQ((r.display_map - want).cwiseAbs().maxCoeff(), 0.0f)
                    << status.name << " " << variant_name(kind) << " n=" << n;
            }
    }
}

}  // namespace
}  // namespace attnscope::test
