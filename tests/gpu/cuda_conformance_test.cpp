// cuda_conformance_test.cpp — the CUDA backend against reference::attend<double> (issue 7 §4): every variant and
// parameter path of case_table.hpp within the derived bounds of conformance.hpp, batches (the CUDA-graph path),
// the display max-pool, the options, large rows and bad input. Built always; every test is skipped with the
// backend's own reason where there is no GPU, no driver, or no CUDA in the build.
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <thread>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"
#include "kernels/cuda/row_math.hpp"
#include "kernels/registry.hpp"
#include "tests/gpu/case_table.hpp"

#ifdef ATTNSCOPE_HAVE_CUDA
#include "kernels/cuda/cuda_backend.hpp"
#include "kernels/cuda/cuda_backend_factory.hpp"
#endif

namespace attnscope::gputest {
namespace {

// The backend under test, or the reason there is none.
struct Subject {
    AttentionBackend* backend = nullptr;
    std::string reason;
};

Subject& subject() {
    static Subject s = [] {
        Subject r;
#ifdef ATTNSCOPE_HAVE_CUDA
        static std::unique_ptr<AttentionBackend> owned = kernels::make_cuda_backend();
        if (auto why = owned->unavailable_reason())
            r.reason = *why;
        else
            r.backend = owned.get();
#else
        r.reason = "built without CUDA (nvcc was not found when configuring)";
#endif
        return r;
    }();
    return s;
}

#define REQUIRE_GPU()                                                                             \
    do {                                                                                          \
        if (!subject().backend) GTEST_SKIP() << "CUDA backend unavailable: " << subject().reason; \
    } while (0)

struct Prepared {
    AttentionInput<double> in;
    AttentionResult<double> ref;
    AttentionResult<float> float_ref;
};

Prepared prepare(const ConfCase& c, bool with_implied = false) {
    Prepared p;
    p.in = make_input(c);
    p.ref = reference::evaluate<double>(c.kind, p.in, c.params, with_implied);
    if (c.kind == VariantKind::VaAware) p.float_ref = reference::attend<float>(c.kind, p.in.cast<float>(), c.params);
    return p;
}

struct FloatInput {
    MatF q, k, v;
};

FloatInput to_float(const AttentionInput<double>& in) {
    return {in.q.cast<float>(), in.k.cast<float>(), in.v.cast<float>()};
}

BackendResult run_one(const ConfCase& c, const FloatInput& f, const BackendOptions& opt) {
    BackendProblem bp{c.kind, &c.params, &f.q, &f.k, &f.v, c.causal};
    std::vector<BackendResult> out(1);
    subject().backend->run(std::span<const BackendProblem>(&bp, 1), opt, out);
    return std::move(out[0]);
}

TEST(Cuda, RegistryReportsTheBackend) {
    const auto list = kernels::list_backends();
    const auto it = std::find_if(list.begin(), list.end(), [](const auto& b) { return b.name == "cuda"; });
    ASSERT_NE(it, list.end()) << "the registry must list cuda, available or not";
    if (!it->available) {
        EXPECT_FALSE(it->reason.empty());
        try {
            kernels::get_backend("cuda");
            ADD_FAILURE() << "get_backend(\"cuda\") must throw when unavailable";
        } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find(it->reason), std::string::npos) << e.what();
        }
        GTEST_SKIP() << "CUDA backend unavailable: " << it->reason;
    }
    EXPECT_EQ(kernels::get_backend("cuda").name(), "cuda");
}

TEST(Cuda, EveryCaseWithinDerivedBounds) {
    REQUIRE_GPU();
    const std::vector<ConfCase> cases = conformance_cases(true);
    // The double references are the slow part: compute them on every core, ahead of the GPU runs.
    const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::future<Prepared>> refs(cases.size());
    std::size_t next = 0;
    auto launch = [&] {
        if (next < cases.size()) {
            refs[next] = std::async(std::launch::async, prepare, cases[next], false);
            ++next;
        }
    };
    for (unsigned w = 0; w < workers; ++w) launch();
    BackendOptions opt;
    opt.want_weights = opt.want_metrics = opt.want_extras = true;
    int skipped = 0;
    for (std::size_t t = 0; t < cases.size(); ++t) {
        const ConfCase& c = cases[t];
        SCOPED_TRACE(c.name);
        const Prepared p = refs[t].get();
        launch();
        const FloatInput f = to_float(p.in);
        const BackendResult got = run_one(c, f, opt);
        skipped += check_result(c, p.in, p.ref, &p.float_ref, got.result);
    }
    RecordProperty("cases", static_cast<int>(cases.size()));
    RecordProperty("skipped_rows", skipped);
}

// Six variants on one Q, K, V in one batch (the window's edit): the CUDA-graph path, replayed, must give the same
// bits as the first run and as a run without graphs, and every problem must pass the bounds.
TEST(Cuda, BatchOfVariantsThroughTheGraph) {
    REQUIRE_GPU();
    ConfCase base;
    base.n = 128, base.d = 64, base.dv = 64, base.seed = 42;
    std::vector<ConfCase> cases;
    for (VariantKind k : all_variant_kinds()) {
        ConfCase c = base;
        c.kind = k;
        c.name = std::string("batch_") + std::string(variant_name(k));
        cases.push_back(c);
    }
    const Prepared shared = prepare(base);
    const FloatInput f = to_float(shared.in);
    std::vector<BackendProblem> batch;
    for (const ConfCase& c : cases) batch.push_back({c.kind, &c.params, &f.q, &f.k, &f.v, c.causal});
    BackendOptions opt;
    opt.display_rows = 64;
    opt.display_cols = 64;
    std::vector<BackendResult> first(batch.size()), again(batch.size()), nograph(batch.size());
    subject().backend->run(batch, opt, first);
    subject().backend->run(batch, opt, again);
#ifdef ATTNSCOPE_HAVE_CUDA
    auto* cuda = dynamic_cast<kernels::CudaBackend*>(subject().backend);
    ASSERT_NE(cuda, nullptr);
    EXPECT_TRUE(cuda->last_timing().graph) << "a small batch should replay a CUDA graph";
    cuda->set_graphs(false);
    subject().backend->run(batch, opt, nograph);
    cuda->set_graphs(true);
#endif
    for (std::size_t t = 0; t < cases.size(); ++t) {
        SCOPED_TRACE(cases[t].name);
        AttentionResult<double> ref = reference::evaluate<double>(cases[t].kind, shared.in, cases[t].params, false);
        AttentionResult<float> float_ref;
        if (cases[t].kind == VariantKind::VaAware)
            float_ref = reference::attend<float>(cases[t].kind, shared.in.cast<float>(), cases[t].params);
        check_result(cases[t], shared.in, ref, &float_ref, first[t].result);
        EXPECT_EQ(first[t].result.weights, again[t].result.weights);
        EXPECT_EQ(first[t].result.output, again[t].result.output);
        EXPECT_EQ(first[t].display_map, again[t].display_map);
        EXPECT_EQ(first[t].result.weights, nograph[t].result.weights);
        EXPECT_EQ(first[t].result.metrics.entropy, nograph[t].result.metrics.entropy);
    }
}

// Several heads with their own Q, K, V and several variants each, in one batch (shared logits per head).
TEST(Cuda, HeadsAndVariantsInOneBatch) {
    REQUIRE_GPU();
    std::vector<ConfCase> cases;
    std::vector<Prepared> prepared;
    std::vector<FloatInput> inputs;
    for (int h = 0; h < 6; ++h) {
        ConfCase head;
        head.n = 200, head.d = 32, head.dv = 16, head.seed = 900 + h, head.causal = h % 2 == 0;
        const Prepared p = prepare(head);
        inputs.push_back(to_float(p.in));
        for (VariantKind k : {VariantKind::Dpa, VariantKind::Lssar, VariantKind::Ea}) {
            ConfCase c = head;
            c.kind = k;
            c.name = "head" + std::to_string(h) + "_" + std::string(variant_name(k));
            cases.push_back(c);
        }
    }
    std::vector<BackendProblem> batch;
    for (std::size_t t = 0; t < cases.size(); ++t) {
        const FloatInput& f = inputs[t / 3];
        batch.push_back({cases[t].kind, &cases[t].params, &f.q, &f.k, &f.v, cases[t].causal});
    }
    std::vector<BackendResult> out(batch.size());
    subject().backend->run(batch, BackendOptions{}, out);
    for (std::size_t t = 0; t < cases.size(); ++t) {
        SCOPED_TRACE(cases[t].name);
        const Prepared p = prepare(cases[t]);
        check_result(cases[t], p.in, p.ref, nullptr, out[t].result);
    }
}

// The display map is the max-pool of the weights over rowmath::pool_range cells, larger or smaller than the map.
TEST(Cuda, DisplayMapIsTheMaxPoolOfTheWeights) {
    REQUIRE_GPU();
    for (auto [n, rows, cols] : {std::tuple{1000, 64, 48}, std::tuple{10, 32, 32}, std::tuple{257, 257, 100}}) {
        ConfCase c;
        c.n = n, c.d = 16, c.dv = 4, c.seed = 5 + n;
        const FloatInput f = to_float(make_input(c));
        BackendOptions opt;
        opt.display_rows = rows;
        opt.display_cols = cols;
        const BackendResult got = run_one(c, f, opt);
        ASSERT_EQ(got.display_map.rows(), rows);
        ASSERT_EQ(got.display_map.cols(), cols);
        for (int r = 0; r < rows; ++r)
            for (int cc = 0; cc < cols; ++cc) {
                int r0, r1, c0, c1;
                rowmath::pool_range(r, n, rows, r0, r1);
                rowmath::pool_range(cc, n, cols, c0, c1);
                float mx = 0.0f;
                for (int i = r0; i < r1; ++i)
                    for (int j = c0; j < c1; ++j) mx = std::max(mx, got.result.weights(i, j));
                ASSERT_EQ(got.display_map(r, cc), mx) << "n=" << n << " cell " << r << "," << cc;
            }
    }
}

// Without the full map only the display crosses the bus; outputs and metrics are the same bits.
TEST(Cuda, OptionsLeaveOutWhatIsNotWanted) {
    REQUIRE_GPU();
    ConfCase c;
    c.kind = VariantKind::Selective;
    c.n = 300, c.d = 32, c.dv = 8, c.seed = 77;
    const FloatInput f = to_float(make_input(c));
    BackendOptions all;
    all.want_implied = true;
    const BackendResult full = run_one(c, f, all);
    BackendOptions lean;
    lean.want_weights = false;
    lean.want_extras = false;
    lean.display_rows = lean.display_cols = 50;
    const BackendResult thin = run_one(c, f, lean);
    EXPECT_EQ(thin.result.weights.size(), 0);
    EXPECT_EQ(thin.result.extras.sel_f.size(), 0);
    EXPECT_EQ(thin.result.output, full.result.output);
    EXPECT_EQ(thin.result.metrics.entropy, full.result.metrics.entropy);
    EXPECT_EQ(thin.result.metrics.gini, full.result.metrics.gini);
    EXPECT_TRUE(thin.result.implied_temperature.empty());
    EXPECT_EQ(full.result.implied_temperature.size(), static_cast<std::size_t>(c.n));
}

// Entropy-matched temperature (spec §7): 1 for DPA, 1/tau for SSA; flags as the reference's where not borderline.
TEST(Cuda, ImpliedTemperature) {
    REQUIRE_GPU();
    for (double tau : {1.0, 2.5}) {
        ConfCase c;
        c.kind = VariantKind::Ssa;
        c.n = 256, c.d = 32, c.dv = 4, c.seed = 31;
        c.params.ssa_q.tau = std::vector<double>(c.n, tau);
        const Prepared p = prepare(c, true);
        const FloatInput f = to_float(p.in);
        BackendOptions opt;
        opt.want_implied = true;
        const BackendResult got = run_one(c, f, opt);
        int ok = 0, flag_diff = 0;
        for (int i = 0; i < c.n; ++i) {
            if (got.result.implied_flag[i] != p.ref.implied_flag[i]) ++flag_diff;
            if (got.result.implied_flag[i] != ImpliedTemperatureFlag::Ok) continue;
            ++ok;
            // entropy off by ~1e-6 moves T* by about that relative amount (dH/dlnT is O(1) for these rows)
            EXPECT_NEAR(got.result.implied_temperature[i], 1.0 / tau, 1e-3 / tau) << "row " << i;
        }
        EXPECT_GT(ok, c.n * 9 / 10);
        EXPECT_LE(flag_diff, 2) << "flags differ only on rows at a flag's threshold";
    }
}

// Beyond the CPU's interactive range: one DPA head at n = 8192 against the double reference.
TEST(Cuda, LongRowsN8192) {
    REQUIRE_GPU();
    ConfCase c;
    c.name = "dpa_n8192";
    c.n = 8192, c.d = 64, c.dv = 64, c.seed = 8192;
    const Prepared p = prepare(c);
    const BackendResult got = run_one(c, to_float(p.in), BackendOptions{});
    CheckOptions opt;
    opt.extras = false;
    check_result(c, p.in, p.ref, nullptr, got.result, opt);
}

TEST(Cuda, BadInputIsAnInputError) {
    REQUIRE_GPU();
    ConfCase c;
    c.kind = VariantKind::Selective;
    c.causal = false;
    c.n = 8, c.d = 4, c.dv = 2;
    const FloatInput f = to_float(make_input(c));
    EXPECT_THROW(run_one(c, f, BackendOptions{}), InputError);
    ConfCase aware;
    aware.kind = VariantKind::VaAware;
    aware.params.r = 9;
    aware.params.solver = Solver::Greedy;
    EXPECT_FALSE(subject().backend->supports(aware.kind, aware.params));
    EXPECT_THROW(run_one(aware, to_float(make_input(aware)), BackendOptions{}), InputError);
    // a row longer than the GPU's shared memory holds
    ConfCase huge;
    huge.n = 70000, huge.d = 2, huge.dv = 1;
    FloatInput hf{MatF::Zero(huge.n, 2), MatF::Zero(huge.n, 2), MatF::Zero(huge.n, 1)};
    BackendOptions lean;
    lean.want_weights = false;
    try {
        run_one(huge, hf, lean);
        ADD_FAILURE() << "n = 70000 must be refused";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("shared memory"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace attnscope::gputest
