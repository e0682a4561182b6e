// incremental_test.cpp — AttentionSession (incremental edits) against full recomputes and the double reference.
//
// After every few edits of random queries, keys and values (including edits that make one key dominate a row and
// then undo it, which exercises re-referencing and cancelling normalisers), each problem of the session must
//   * pass the same conformance bounds against reference::evaluate<double> on the edited Q, K, V as a fresh run()
//     (conformance_check.hpp: float eps x row length, plus 4x the float reference's own drift), and
//   * agree with a fresh run() of the backend on weight() read-outs and the display map, within the sum of the two
//     results' bounds (each is within its bound of the same double truth).
#include <gtest/gtest.h>

#include <random>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"
#include "kernels/registry.hpp"
#include "tests/kernels/conformance_check.hpp"
#include "tests/kernels/conformance_table.hpp"

namespace attnscope::test {
namespace {

struct Variant {
    VariantKind kind;
    VariantParams params;
};

std::vector<Variant> session_variants(bool causal, Eigen::Index d) {
    std::vector<Variant> v;
    v.push_back({VariantKind::Dpa, {}});
    VariantParams ssa;
    ssa.ssa_q.w_tok = std::vector<double>(d, 0.2);
    ssa.ssa_v.pos_coef = 0.3;
    v.push_back({VariantKind::Ssa, ssa});
    if (causal) {
        v.push_back({VariantKind::Selective, {}});
        VariantParams pruned;
        pruned.prune_threshold = 0.8;
        v.push_back({VariantKind::Selective, pruned});
    }
    VariantParams relu;
    relu.kernel = Kernel::Relu;
    v.push_back({VariantKind::VaExact, relu});
    v.push_back({VariantKind::Lssa, {}});
    v.push_back({VariantKind::Lssar, {}});
    v.push_back({VariantKind::Ea, {}});
    VariantParams plain;
    plain.form = EaForm::Plain;
    v.push_back({VariantKind::Ea, plain});
    VariantParams obl;
    obl.r = 3;
    v.push_back({VariantKind::VaOblivious, obl});
    VariantParams aware;
    aware.solver = Solver::Greedy;
    aware.r = 3;
    v.push_back({VariantKind::VaAware, aware});
    return v;
}

class Incremental : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(Incremental, EditsMatchFullRecomputeAndTheDoubleReference) {
    const auto [n, causal] = GetParam();
    const Eigen::Index d = 16;
    ConformanceCase base{"session", VariantKind::Dpa, {}, n, d, d, causal, 1.0, 77};
    AttentionInput<float> in = conformance_input(base);
    const std::vector<Variant> variants = session_variants(causal, d);
    std::vector<BackendProblem> batch;
    for (const Variant& v : variants) batch.push_back({v.kind, &v.params, &in.q, &in.k, &in.v, causal});

    for (const kernels::BackendStatus& status : kernels::list_backends()) {
        if (!status.available) continue;
        AttentionBackend& backend = kernels::get_backend(status.name);
        for (bool keep_weights : {true, false}) {
            BackendOptions options;
            options.want_weights = keep_weights;
            options.display_rows = 9;
            options.display_cols = 13;
            std::unique_ptr<AttentionSession> session = backend.open_session(batch, options);
            if (!session) {
                std::printf("[ skipped  ] backend %s has no incremental sessions\n", status.name.c_str());
                continue;
            }
            ASSERT_EQ(session->size(), batch.size());
            AttentionInput<float> edited = in;
            std::mt19937 rng(1234 + n);
            std::normal_distribution<float> g(0.0f, 1.0f);
            std::uniform_int_distribution<int> pick(0, n - 1);
            for (int step = 0; step < 24; ++step) {
                const int what = step % 3;
                const int idx = pick(rng);
                MatF& m = what == 0 ? edited.q : what == 1 ? edited.k : edited.v;
                Eigen::RowVectorXf row(m.cols());
                for (Eigen::Index c = 0; c < m.cols(); ++c) row[c] = g(rng);
                if (step == 4 || step == 7) row *= 12.0f;  // a key that dominates its rows, then a query
                m.row(idx) = row;
                const std::span<const float> span(row.data(), static_cast<std::size_t>(row.size()));
                if (what == 0) session->set_query(idx, span);
                if (what == 1) session->set_key(idx, span);
                if (what == 2) session->set_value(idx, span);
                if (step % 6 != 5) continue;

                std::vector<BackendProblem> fresh_batch;
                for (const Variant& v : variants)
                    fresh_batch.push_back({v.kind, &v.params, &edited.q, &edited.k, &edited.v, causal});
                BackendOptions full = options;
                full.want_weights = true;
                std::vector<BackendResult> fresh(fresh_batch.size());
                backend.run(fresh_batch, full, fresh);

                for (std::size_t p = 0; p < variants.size(); ++p) {
                    const Variant& v = variants[p];
                    SCOPED_TRACE(std::string(variant_name(v.kind)) + " n=" + std::to_string(n) +
                                 (causal ? " causal" : " full") + " step " + std::to_string(step) +
                                 (keep_weights ? " weights kept" : " weights not kept"));
                    const AttentionResult<double> f64 = reference::evaluate<double>(v.kind, edited.cast<double>(), v.params, false);
                    const AttentionResult<float> f32 = reference::evaluate<float>(v.kind, edited, v.params, false);
                    AttentionResult<float> got = session->result(p).result;
                    if (!keep_weights) {  // read the map cell by cell, as a GUI would
                        got.weights.resize(n, n);
                        for (Eigen::Index i = 0; i < n; ++i)
                            for (Eigen::Index j = 0; j < n; ++j) got.weights(i, j) = session->weight(p, i, j);
                    }
                    const ConformanceReport report = check_conformance(v.kind, v.params, edited, got, f64, f32);
                    std::string msg;
                    for (const std::string& f : report.failures) msg += "\n  " + f;
                    EXPECT_TRUE(report.ok()) << report.failure_count << " entries out of bounds" << msg;

                    // Display map: the session's against the full recompute's, cell by cell. Each pools weights that
                    // are within the bound of the same double weights, so they differ by at most twice it; the
                    // bound of a cell is taken at its largest weight (eps (n + 16) relative + the float drift).
                    const MatF& dm = session->result(p).display_map;
                    ASSERT_EQ(dm.rows(), 9);
                    ASSERT_EQ(dm.cols(), 13);
                    const double drift = (f32.weights.cast<double>() - f64.weights).cwiseAbs().maxCoeff();
                    for (Eigen::Index a = 0; a < 9; ++a)
                        for (Eigen::Index b = 0; b < 13; ++b) {
                            const double want = fresh[p].display_map(a, b);
                            const double tol = 2 * (4 * drift + 1.19e-7 * (n + 16) * want + 4 * 1.19e-7);
                            EXPECT_NEAR(dm(a, b), want, tol) << "display cell " << a << "," << b;
                        }
                }
            }
            // Bad edits: an InputError naming the row, and nothing changes.
            const std::vector<float> short_row(3, 0.0f);
            EXPECT_THROW(session->set_key(0, short_row), InputError);
            std::vector<float> nan_row(d, 0.0f);
            nan_row[2] = std::nanf("");
            EXPECT_THROW(session->set_query(1, nan_row), InputError);
            EXPECT_THROW(session->set_value(n, std::vector<float>(d, 0.0f)), InputError);
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Sizes, Incremental,
                         ::testing::Values(std::make_tuple(1, true), std::make_tuple(37, true),
                                           std::make_tuple(37, false), std::make_tuple(160, true)));

TEST(Incremental, ProblemsMustShareQKV) {
    ConformanceCase c{"s", VariantKind::Dpa, {}, 8, 4, 4, true, 1.0, 3};
    const AttentionInput<float> a = conformance_input(c);
    const AttentionInput<float> b = conformance_input(c);
    VariantParams params;
    const BackendProblem batch[2] = {{VariantKind::Dpa, &params, &a.q, &a.k, &a.v, true},
                                     {VariantKind::Dpa, &params, &b.q, &b.k, &b.v, true}};
    EXPECT_THROW(kernels::default_backend().open_session(batch, {}), InputError);
}

}  // namespace
}  // namespace attnscope::test
