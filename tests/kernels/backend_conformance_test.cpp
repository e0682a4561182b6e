// backend_conformance_test.cpp — every backend of the registry against reference::evaluate<double> on the table of
// conformance_table.hpp (ggml's test-backend-ops is the model). An unavailable backend is skipped with its reason,
// so the same binary serves CPU CI and the GPU machine. Bounds: conformance_check.hpp.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/reference/attend.hpp"
#include "kernels/registry.hpp"
#include "tests/kernels/conformance_check.hpp"
#include "tests/kernels/conformance_table.hpp"

namespace attnscope::test {

// gtest prints a parameter by PrintTo (found by ADL): the configuration's label, not its bytes.
void PrintTo(const VariantConfig& c, std::ostream* os) { *os << c.label; }

namespace {

class Conformance : public ::testing::TestWithParam<VariantConfig> {};

std::string config_test_name(const ::testing::TestParamInfo<VariantConfig>& info) {
    std::string s;
    for (char ch : info.param.label) s += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return s;
}

TEST_P(Conformance, EveryBackendMatchesTheDoubleReference) {
    const VariantConfig& cfg = GetParam();
    const std::vector<ConformanceCase> cases = conformance_cases(cfg);
    int backends_run = 0;
    for (const kernels::BackendStatus& status : kernels::list_backends()) {
        if (!status.available) {
            std::printf("[ skipped  ] backend %s: %s\n", status.name.c_str(), status.reason.c_str());
            continue;
        }
        AttentionBackend& backend = kernels::get_backend(status.name);
        if (!backend.supports(cfg.kind, cfg.params)) {
            std::printf("[ skipped  ] backend %s does not support %s\n", status.name.c_str(), cfg.label.c_str());
            continue;
        }
        ++backends_run;
        // All cases of the configuration in one batch: also exercises batching of unequal problems.
        std::vector<AttentionInput<float>> inputs;
        std::vector<BackendProblem> batch;
        for (const ConformanceCase& c : cases) inputs.push_back(conformance_input(c));
        for (std::size_t t = 0; t < cases.size(); ++t)
            batch.push_back({cases[t].kind, &cases[t].params, &inputs[t].q, &inputs[t].k, &inputs[t].v,
                             cases[t].causal});
        BackendOptions options;  // weights, metrics and extras
        std::vector<BackendResult> results(batch.size());
        backend.run(batch, options, results);

        for (std::size_t t = 0; t < cases.size(); ++t) {
            const ConformanceCase& c = cases[t];
            const AttentionResult<double> f64 =
                reference::evaluate<double>(c.kind, inputs[t].cast<double>(), c.params, false);
            const AttentionResult<float> f32 = reference::evaluate<float>(c.kind, inputs[t], c.params, false);
            const ConformanceReport report =
                check_conformance(c.kind, c.params, inputs[t], results[t].result, f64, f32);
            std::string msg;
            for (const std::string& f : report.failures) msg += "\n  " + f;
            EXPECT_TRUE(report.ok()) << "backend " << status.name << ", case " << c.name() << ": "
                                     << report.failure_count << " entries out of bounds" << msg;
        }
    }
    EXPECT_GE(backends_run, 1) << "the CPU backend is always available";
}

INSTANTIATE_TEST_SUITE_P(Table, Conformance, ::testing::ValuesIn(conformance_configs()), config_test_name);

// The registry itself: cpu always there; unknown and unavailable names are InputErrors naming --backend.
TEST(Registry, ListsCpuFirstAndExplainsUnavailableBackends) {
    const std::vector<kernels::BackendStatus> all = kernels::list_backends();
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all[0].name, "cpu");
    EXPECT_TRUE(all[0].available);
    bool has_cuda = false;
    for (const kernels::BackendStatus& b : all) {
        if (b.name == "cuda") has_cuda = true;
        if (!b.available) {
            EXPECT_FALSE(b.reason.empty()) << b.name << " is unavailable without a reason";
            try {
                kernels::get_backend(b.name);
                ADD_FAILURE() << "get_backend(\"" << b.name << "\") should throw while unavailable";
            } catch (const InputError& e) {
                EXPECT_EQ(e.info().field, "--backend");
                EXPECT_NE(std::string(e.what()).find(b.reason), std::string::npos) << e.what();
                EXPECT_NE(std::string(e.what()).find("cpu"), std::string::npos) << "names the alternative: " << e.what();
            }
        }
    }
    EXPECT_TRUE(has_cuda) << "cuda is always listed, available or with its reason";
    EXPECT_EQ(&kernels::get_backend("cpu"), &kernels::default_backend());
    try {
        kernels::get_backend("tpu");
        ADD_FAILURE() << "unknown backend accepted";
    } catch (const InputError& e) {
        EXPECT_EQ(e.info().field, "--backend");
        EXPECT_NE(std::string(e.what()).find("cpu"), std::string::npos) << e.what();
    }
}

// Bad problems are InputErrors (the same checks as reference::validate), never a crash.
TEST(CpuBackend, RejectsProblemsTheParametersDoNotFit) {
    AttentionBackend& cpu = kernels::default_backend();
    ConformanceCase c{"selective", VariantKind::Selective, {}, 8, 4, 4, false, 1.0, 7};
    AttentionInput<float> in = conformance_input(c);
    BackendProblem p{c.kind, &c.params, &in.q, &in.k, &in.v, false};
    BackendResult r;
    EXPECT_THROW(cpu.run(std::span(&p, 1), {}, std::span(&r, 1)), InputError) << "selective is causal only";
    p.causal = true;
    in.q(3, 1) = std::nanf("");
    EXPECT_THROW(cpu.run(std::span(&p, 1), {}, std::span(&r, 1)), InputError) << "NaN in Q";
    in.q(3, 1) = 0.0f;
    MatF wrong_k(7, 4);
    wrong_k.setZero();
    p.k = &wrong_k;
    EXPECT_THROW(cpu.run(std::span(&p, 1), {}, std::span(&r, 1)), InputError) << "K with the wrong row count";
}

// Implied temperature (spec §7): entropy-matching recovers 1 for DPA and 1/tau_q for SSA, from float weights.
// Float entropy carries ~m eps error; T* = H^-1(H) has dT/dH = O(1) at these rows, so 1e-3 relative is ~100x margin.
TEST(CpuBackend, ImpliedTemperatureRecoversDpaAndSsa) {
    for (VariantKind kind : {VariantKind::Dpa, VariantKind::Ssa}) {
        ConformanceCase c{"implied", kind, {}, 96, 16, 16, true, 1.0, 11};
        const AttentionInput<float> in = conformance_input(c);
        BackendProblem p{kind, &c.params, &in.q, &in.k, &in.v, true};
        BackendOptions o;
        o.want_implied = true;
        BackendResult r;
        kernels::default_backend().run(std::span(&p, 1), o, std::span(&r, 1));
        int ok_rows = 0;
        for (Eigen::Index i = 1; i < c.n; ++i) {
            if (r.result.implied_flag[i] != ImpliedTemperatureFlag::Ok) continue;
            ++ok_rows;
            const double want = kind == VariantKind::Dpa ? 1.0 : 1.0 / r.result.extras.tau_q[i];
            EXPECT_NEAR(r.result.implied_temperature[i] / want, 1.0, 1e-3) << variant_name(kind) << " row " << i;
        }
        EXPECT_GT(ok_rows, c.n / 2);
    }
}

}  // namespace
}  // namespace attnscope::test
